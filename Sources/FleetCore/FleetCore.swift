// FleetCore: the fleet domain shared by the control plane and the device agent.
//
// Pure logic, no servers: signed artifacts (in-toto statements in DSSE envelopes, Ed25519), signed
// desired states, model variant facts, resource-aware placement, rollout and experiment state machines,
// telemetry records. Time is always a parameter (`now: Date`), never read from the clock here.
