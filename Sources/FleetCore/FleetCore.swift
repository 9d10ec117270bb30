// FleetCore: the fleet domain shared by the control plane and the device agent.
