import AsyncHTTPClient
import FleetCore
import Foundation
import Logging
import Server

/// What the agent reports to the control plane after each update attempt (a JSON object).
public struct UpdateReport: Codable, Sendable, Equatable {
    public var sequence: UInt64
    /// committed, rolled_back, rejected
    public var outcome: String
    public var code: String?
    public var reason: String?
    public var model: String?
    public var version: String?
    public var at: Date
}

/// The device agent's control loop: enroll, heartbeat, pull and verify the desired state, apply it
/// through the `Updater`, report; and in parallel close telemetry intervals into the durable log and
/// upload them in idempotent batches, backing off while the control plane is away.
public actor AgentLoop {
    public let configuration: AgentConfiguration
    let updater: Updater
    let telemetry: TelemetryLog
    let aggregator: TelemetryAggregator
    let inventory: InventoryReader
    var client: ControlPlaneClient
    let logger: Logger
    public private(set) var lastError: String?
    public private(set) var uploadedBatches = 0
    /// Batches the control plane refused as invalid (4xx): dropped rather than retried forever.
    public private(set) var rejectedBatches = 0
    /// What recovery after a restart settled, reported once the control plane is reachable.
    private var recovered: UpdateOutcome?
    /// The last report sent, so a refusal repeated on every poll is reported once.
    private var lastReported: (outcome: String, code: String?, version: String?)?

    public init(configuration: AgentConfiguration, updater: Updater, telemetry: TelemetryLog,
                aggregator: TelemetryAggregator, http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.updater = updater
        self.telemetry = telemetry
        self.aggregator = aggregator
        inventory = InventoryReader(agentVersion: configuration.agentVersion)
        client = ControlPlaneClient(baseURL: configuration.controlPlaneURL, client: http)
        self.logger = logger
    }

    /// Runs until the task is cancelled (graceful shutdown): first serve what is installed, then both loops.
    public func run() async {
        do {
            let (note, outcome) = try await updater.recover()
            recovered = outcome
            logger.notice("recovery: \(note)")
        } catch {
            logger.error("recovery failed: \(error)")
        }
        await noteServing()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.controlLoop() }
            group.addTask { await self.telemetryLoop() }
        }
        // Shutting down: whatever the open interval holds goes to disk.
        _ = try? aggregator.flush()
    }

    private func noteServing() async {
        if let slot = await updater.servingSlot {
            aggregator.setActiveModel(name: slot.name, version: slot.version)
        }
    }

    // MARK: - Control loop

    func controlLoop() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await cycle()
                failures = 0
                lastError = nil
                try? await Task.sleep(nanoseconds: UInt64(configuration.heartbeatSeconds * 1e9))
            } catch {
                lastError = "\(error)"
                logger.warning("control plane cycle failed: \(error)")
                let delay = configuration.backoff.delay(attempt: failures)
                failures += 1
                try? await Task.sleep(nanoseconds: UInt64(max(0.05, delay) * 1e9))
            }
        }
    }

    /// One round: enroll if needed, heartbeat, fetch and apply the desired state, send pending reports.
    public func cycle() async throws {
        let deviceID = try await ensureEnrolled()
        let inv = inventory.read(dataDirectory: configuration.dataDirectory)
        let serving = await updater.servingSlot
        let state = await updater.state
        let health = state.lastFailure.map { "degraded:\($0.code)" } ?? (serving == nil ? "no_model" : "ok")
        try await client.send(.POST, "/api/v1/devices/\(deviceID)/heartbeat", body: HeartbeatRequest(
            inventory: Self.deviceInventory(inv),
            activeModel: serving.map { ActiveModel(name: $0.name, version: $0.version) },
            health: String(health.prefix(64))))
        let envelope = try await client.call(.GET, "/api/v1/devices/\(deviceID)/desired-state", body: Optional<Empty>.none,
                                             as: DSSEEnvelope.self)
        if let outcome = recovered {
            try await reportOutcome(outcome, sequence: nil)
            recovered = nil
        }
        try await handle(envelope, deviceID: deviceID)
    }

    func handle(_ envelope: DSSEEnvelope, deviceID: String) async throws {
        let verifier = DesiredStateVerifier(trustRoot: configuration.trustRoot, deviceID: deviceID)
        let last = await updater.state.lastAcceptedSequence
        let desired: DesiredState
        do {
            desired = try verifier.verify(envelope, lastAcceptedSequence: last, now: Date())
        } catch SignatureError.staleSequence(let got, let accepted) where got == accepted {
            // The state already accepted, polled again: signed and current (staleness is checked last).
            desired = try verifier.verify(envelope, lastAcceptedSequence: accepted == 0 ? nil : accepted - 1, now: Date())
        } catch {
            let seq = Self.claimedSequence(envelope)
            logger.warning("desired state rejected: \(error)")
            try await report(UpdateReport(sequence: seq, outcome: "rejected", code: error.reportCode, reason: error.description,
                                          model: nil, version: nil, at: Date()))
            return
        }
        if desired.sequence != last {
            try await updater.updateState { $0.lastAcceptedSequence = desired.sequence }
        }
        guard let model = desired.model else { return }
        let update = ModelUpdate(
            sequence: desired.sequence, name: model.name, version: model.version,
            artifactURL: absoluteURL(model.artifactURL), sha256: model.sha256, sizeBytes: model.sizeBytes,
            manifest: model.manifest.jsonData(), probe: Self.probe(in: model.manifest),
            downloadHeaders: client.credential.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        var outcome = await updater.apply(update)
        await noteServing()
        if case .rolledBack(var f) = outcome { f.model = f.model ?? model.name; f.version = f.version ?? model.version; outcome = .rolledBack(failure: f) }
        if case .rejected(var f) = outcome { f.model = f.model ?? model.name; f.version = f.version ?? model.version; outcome = .rejected(failure: f) }
        try await reportOutcome(outcome, sequence: desired.sequence)
    }

    private func reportOutcome(_ outcome: UpdateOutcome, sequence: UInt64?) async throws {
        switch outcome {
        case .alreadyActive, .skippedFailed:
            return
        case .committed(let info, let ms):
            logger.notice("model \(info.name) \(info.version) committed (health check \(Int(ms)) ms)")
            try await report(UpdateReport(sequence: sequence ?? info.sequence, outcome: "committed", code: nil, reason: nil,
                                          model: info.name, version: info.version, at: Date()))
        case .rolledBack(let failure):
            logger.error("update \(failure.sequence) rolled back: \(failure.reason)")
            try await report(UpdateReport(sequence: sequence ?? failure.sequence, outcome: "rolled_back", code: failure.code,
                                          reason: failure.reason, model: failure.model, version: failure.version, at: Date()))
        case .rejected(let failure):
            logger.error("update \(failure.sequence) rejected: \(failure.reason)")
            try await report(UpdateReport(sequence: sequence ?? failure.sequence, outcome: "rejected", code: failure.code,
                                          reason: failure.reason, model: failure.model, version: failure.version, at: Date()))
        }
    }

    private func report(_ r: UpdateReport) async throws {
        guard let id = await updater.state.deviceID else { return }
        if let last = lastReported, last.outcome == r.outcome, last.code == r.code, last.version == r.version,
           r.outcome != "committed" { return }
        try await client.send(.POST, "/api/v1/devices/\(id)/update-reports", body: r)
        lastReported = (r.outcome, r.code, r.version)
    }

    /// Artifact URLs from the control plane may be relative to it.
    private func absoluteURL(_ url: String) -> String {
        url.hasPrefix("http://") || url.hasPrefix("https://") ? url : configuration.controlPlaneURL + (url.hasPrefix("/") ? url : "/" + url)
    }

    /// Enrolls once; the credential is kept in the agent's durable state.
    func ensureEnrolled() async throws -> String {
        let state = await updater.state
        if let id = state.deviceID, let credential = state.credential {
            if client.credential == nil { client.credential = credential }
            return id
        }
        guard let token = configuration.enrollToken else {
            throw ControlPlaneError.badResponse(path: "/api/v1/enroll", reason: "the device is not enrolled and no --enroll-token was given")
        }
        let inv = inventory.read(dataDirectory: configuration.dataDirectory)
        var unauthenticated = client
        unauthenticated.credential = nil
        let response = try await unauthenticated.call(.POST, "/api/v1/enroll", body: EnrollRequest(
            token: token, deviceID: configuration.deviceID, name: configuration.deviceName,
            labels: configuration.labels.isEmpty ? nil : configuration.labels, inventory: Self.deviceInventory(inv)),
            as: EnrollResponse.self)
        try await updater.updateState {
            $0.deviceID = response.deviceID
            $0.credential = response.credential
        }
        client.credential = response.credential
        logger.notice("enrolled as \(response.deviceID)")
        return response.deviceID
    }

    // MARK: - Telemetry

    func telemetryLoop() async {
        var failures = 0
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(configuration.telemetrySeconds * 1e9))
            do { try aggregator.flush() } catch { logger.error("telemetry buffer: \(error)") }
            do {
                try await uploadPending()
                failures = 0
            } catch {
                logger.warning("telemetry upload failed (will retry): \(error)")
                let delay = configuration.backoff.delay(attempt: failures)
                failures += 1
                try? await Task.sleep(nanoseconds: UInt64(max(0.05, delay) * 1e9))
            }
        }
    }

    /// Uploads every buffered record in batches; each batch is acknowledged only after the control
    /// plane stored it (a repeat of the same batch is counted once there).
    public func uploadPending() async throws {
        guard let id = await updater.state.deviceID, client.credential != nil else { return }
        let decoder = FleetJSON.decoder()
        while let (batch, records) = try telemetry.nextBatch(limit: configuration.telemetryBatchRecords, keyPrefix: id) {
            let decoded = records.compactMap { try? decoder.decode(IntervalRecord.self, from: $0.payload) }
            if !decoded.isEmpty {
                do {
                    try await client.send(.POST, "/api/v1/devices/\(id)/telemetry",
                                          body: TelemetryBatch(deviceID: id, idempotencyKey: batch.idempotencyKey, records: decoded))
                } catch {
                    guard let refused = error as? ControlPlaneError, !refused.isTransient else { throw error }
                    // The control plane will never take this batch: drop it, say so, go on with the rest.
                    rejectedBatches += 1
                    logger.error("telemetry batch \(batch.first)...\(batch.last) refused, dropped: \(refused)")
                }
            }
            try telemetry.acknowledge(batch)
            uploadedBatches += 1
        }
    }

    // MARK: - helpers

    static func deviceInventory(_ h: HostInventory) -> DeviceInventory {
        DeviceInventory(os: String(h.os.prefix(200)), cpuModel: String(h.cpuModel.prefix(200)), isaFeatures: h.isaFeatures,
                        cores: h.cores, ramBytes: h.ramBytes, freeDiskBytes: h.freeDiskBytes,
                        accelerators: h.accelerators, agentVersion: h.agentVersion)
    }

    /// The sequence a rejected envelope claims, for the report (0 when unreadable).
    static func claimedSequence(_ envelope: DSSEEnvelope) -> UInt64 {
        guard let payload = try? envelope.payloadBytes(),
              let state = try? FleetJSON.decoder().decode(DesiredState.self, from: payload) else { return 0 }
        return state.sequence
    }

    /// The health probe the publisher put in the signed manifest, if any.
    static func probe(in manifest: DSSEEnvelope) -> HealthProbe? {
        guard let payload = try? manifest.payloadBytes(),
              let statement = try? FleetJSON.decoder().decode(ModelManifest.self, from: payload) else { return nil }
        return statement.predicate.healthProbe
    }
}

/// An empty JSON body type for GET requests.
public struct Empty: Codable, Sendable {}
