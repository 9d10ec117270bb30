import Foundation

/// The control plane's persistence: one interface, implemented over SQLite and PostgreSQL
/// (`SQLFleetStore`). Every method may be called concurrently, also from several control-plane
/// processes sharing one PostgreSQL database.
public protocol FleetStore: Sendable {
    /// Creates the tables if they are missing (idempotent; safe when several instances start at once).
    func migrate() async throws(StoreError)
    /// Closes the connections.
    func shutdown() async

    // MARK: enrollment and devices
    func createEnrollmentToken(_ token: EnrollmentTokenRecord) async throws(StoreError)
    /// Marks the token used and inserts the device, atomically: a token enrolls exactly one device.
    /// The device gets the token's labels merged under its own.
    func enroll(tokenHash: String, device: DeviceRecord, now: Date) async throws(StoreError) -> DeviceRecord
    func device(id: String) async throws(StoreError) -> DeviceRecord?
    func device(credentialHash: String) async throws(StoreError) -> DeviceRecord?
    func devices() async throws(StoreError) -> [DeviceRecord]
    /// Records a heartbeat: inventory, active model, health and last-seen time.
    func recordHeartbeat(deviceID: String, inventoryJSON: String, activeModelJSON: String?, health: String,
                         at: Date) async throws(StoreError)
    func setLabels(deviceID: String, labels: [String: String]) async throws(StoreError)
    /// Allocates the device's next desired-state sequence number, atomically in the database (two
    /// instances never issue the same number; numbers only grow).
    func nextDesiredSequence(deviceID: String) async throws(StoreError) -> Int64
    func recordUpdateReport(_ report: UpdateReportRecord) async throws(StoreError)
    func updateReports(deviceID: String, limit: Int) async throws(StoreError) -> [UpdateReportRecord]

    // MARK: telemetry
    /// Adds a batch's aggregates unless a batch with the same (device, idempotency key) was already
    /// ingested. Returns false for such a duplicate (nothing is counted twice, also under concurrent sends).
    func ingestTelemetry(deviceID: String, idempotencyKey: String, aggregates: [TelemetryRow],
                         receivedAt: Date) async throws(StoreError) -> Bool
    /// Aggregates of one model version from `since` on (all devices).
    func telemetry(modelName: String, modelVersion: String, since: Date?) async throws(StoreError) -> [TelemetryRow]
    func telemetry(deviceID: String) async throws(StoreError) -> [TelemetryRow]

    // MARK: models
    func putVariant(_ variant: VariantRecord) async throws(StoreError)
    func variants(modelName: String?) async throws(StoreError) -> [VariantRecord]
    func setArtifactPath(modelName: String, version: String, variant: String, path: String) async throws(StoreError)

    // MARK: deployments and experiments
    func createDeployment(_ deployment: DeploymentRecord) async throws(StoreError)
    func deployment(id: String) async throws(StoreError) -> DeploymentRecord?
    func deployments() async throws(StoreError) -> [DeploymentRecord]
    /// Replaces the rollout state if the stored revision is still `expectedRevision`; returns the new
    /// record, or throws `.conflict` when another writer got there first.
    func updateDeploymentState(id: String, expectedRevision: Int64, stateJSON: String,
                               at: Date) async throws(StoreError) -> DeploymentRecord
    func createExperiment(_ experiment: ExperimentRecord) async throws(StoreError)
    func experiment(id: String) async throws(StoreError) -> ExperimentRecord?
    func experiments() async throws(StoreError) -> [ExperimentRecord]
}
