import FleetCore
import Foundation

/// One model the control plane wants on this device, taken from a verified desired state.
public struct ModelUpdate: Sendable, Equatable {
    public var sequence: UInt64
    public var name: String
    public var version: String
    public var artifactURL: String
    public var sha256: String
    public var sizeBytes: Int64
    /// The signed manifest (a DSSE envelope, JSON) the artifact is verified against.
    public var manifest: Data
    public var probe: HealthProbe?
    /// Sent with the download (the device's credential for the control plane's artifact store).
    public var downloadHeaders: [String: String]

    public init(sequence: UInt64, name: String, version: String, artifactURL: String, sha256: String,
                sizeBytes: Int64, manifest: Data, probe: HealthProbe?, downloadHeaders: [String: String] = [:]) {
        self.sequence = sequence
        self.name = name
        self.version = version
        self.artifactURL = artifactURL
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.manifest = manifest
        self.probe = probe
        self.downloadHeaders = downloadHeaders
    }
}

/// Checks a downloaded artifact against its signed manifest and the pinned trust root.
public protocol ArtifactVerifier: Sendable {
    /// Throws `UpdateRejection` with the specific reason (tampered, wrong signer, expired, ...).
    func verify(file: URL, update: ModelUpdate, now: Date) throws(UpdateRejection)
}

/// Why an update was refused: a stable code for the control plane and a readable reason.
public struct UpdateRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var reason: String
    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { "\(code): \(reason)" }
}

/// Puts a model file in front of traffic (the server's hot swap). In-flight requests finish on the old
/// model; `nil` means serve nothing.
public protocol ModelActivator: Sendable {
    func activate(modelPath: URL?, slot: SlotInfo?) async throws
}

/// What an update attempt ended in.
public enum UpdateOutcome: Sendable, Equatable {
    case alreadyActive(SlotInfo)
    case committed(SlotInfo, healthMs: Double)
    case rolledBack(failure: UpdateFailure)
    case rejected(failure: UpdateFailure)
    /// This sequence failed before; nothing is retried until a newer desired state arrives.
    case skippedFailed(UpdateFailure?)
}

/// Applies model updates crash-safely: download → verify → stage → switch → health check → commit, or
/// roll back. Each step is persisted before it starts, and `recover()` after a restart either finishes
/// it or undoes it, so the device always serves a complete, verified model (the old or the new one).
public actor Updater {
    public let slots: SlotStore
    let stateStore: AgentStateStore
    let downloader: ArtifactDownloader
    let verifier: any ArtifactVerifier
    let health: any HealthChecker
    let activator: any ModelActivator
    let faults: FaultPoints
    let now: @Sendable () -> Date
    let progress: @Sendable (DownloadProgress) -> Void
    public private(set) var state: AgentState

    public init(slots: SlotStore, downloader: ArtifactDownloader, verifier: any ArtifactVerifier,
                health: any HealthChecker, activator: any ModelActivator, faults: FaultPoints = FaultPoints(),
                now: @escaping @Sendable () -> Date = { Date() },
                progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }) throws(AgentError) {
        self.slots = slots
        stateStore = AgentStateStore(directory: slots.root)
        self.downloader = downloader
        self.verifier = verifier
        self.health = health
        self.activator = activator
        self.faults = faults
        self.now = now
        self.progress = progress
        state = try stateStore.load()
    }

    /// The slot serving now, if complete.
    public var servingSlot: SlotInfo? {
        guard let id = slots.activeSlot() else { return nil }
        return try? slots.info(of: id)
    }

    public func updateState(_ body: @Sendable (inout AgentState) -> Void) throws(AgentError) {
        body(&state)
        try stateStore.save(state)
    }

    /// Finishes or undoes an update a crash interrupted, then starts serving the active slot.
    /// Returns what was done, for the log.
    @discardableResult
    public func recover() async throws(AgentError) -> (note: String, outcome: UpdateOutcome?) {
        var note = "no update in progress"
        if let pending = state.pending {
            switch pending.phase {
            case .downloading, .verifying, .staging:
                // `active` was never touched: the old model serves; the update resumes when the desired
                // state is applied again (the partial download is kept).
                note = "update \(pending.sequence) interrupted while \(pending.phase.rawValue); old model kept"
            case .switching, .healthChecking:
                if (try? slots.info(of: pending.slot)) != nil {
                    if slots.activeSlot() != pending.slot {
                        try slots.activate(pending.slot)
                    }
                    let outcome = await checkAndSettle(pending)
                    note = "update \(pending.sequence) resumed at \(pending.phase.rawValue): \(outcome)"
                    return (note, outcome)
                }
                note = "update \(pending.sequence) lost its slot; rolled back"
                let failure = UpdateFailure(sequence: pending.sequence, code: "corrupt_slot",
                                            reason: "the new slot is incomplete after a restart")
                try await rollBack(pending, failure: failure)
                return (note, .rolledBack(failure: failure))
            }
        }
        // Serve what `active` points at if it is complete; otherwise the last committed or previous slot.
        if let id = slots.activeSlot(), let info = try? slots.info(of: id) {
            try await activateServer(info)
        } else if let fallback = [state.committedSlot, state.previousSlot].compactMap({ $0 })
            .first(where: { (try? slots.info(of: $0)) != nil }) {
            try slots.activate(fallback)
            try await activateServer(try slots.info(of: fallback))
            note += "; active slot was incomplete, serving \(fallback)"
        }
        return (note, nil)
    }

    /// Applies one update (idempotent: the same update twice is done once).
    public func apply(_ update: ModelUpdate) async -> UpdateOutcome {
        let slotID = SlotStore.slotID(name: update.name, version: update.version, sha256: update.sha256)
        if let active = servingSlot, active.sha256 == update.sha256.lowercased(), state.pending == nil,
           active.name == update.name, active.version == update.version {
            return .alreadyActive(active)
        }
        if state.failedArtifacts.contains(update.sha256.lowercased()) { return .skippedFailed(state.lastFailure) }
        let previous = state.pending?.sequence == update.sequence
            ? state.pending?.previousSlot : (state.committedSlot ?? slots.activeSlot())
        var pending = PendingUpdate(sequence: update.sequence, slot: slotID, phase: .downloading,
                                    previousSlot: previous, probe: update.probe)
        do {
            try persist(pending)
            let staged = (DurableFile.size(of: slots.stagingDirectory.appendingPathComponent("\(update.sha256.lowercased()).partial")) ?? 0)
            if (try? slots.info(of: slotID)) == nil {
                try slots.ensureSpace(for: update.sizeBytes, alreadyStaged: staged)
                slots.collectGarbage(keep: Set([previous, state.committedSlot, slots.activeSlot()].compactMap { $0 }),
                                     keepStaged: ["\(update.sha256.lowercased()).partial", "\(update.sha256.lowercased()).download"])
                let file = try await downloader.fetch(url: update.artifactURL, sha256: update.sha256,
                                                      size: update.sizeBytes, into: slots.stagingDirectory,
                                                      headers: update.downloadHeaders, progress: progress)
                pending.phase = .verifying
                try persist(pending)
                do { try verifier.verify(file: file, update: update, now: now()) } catch {
                    try? FileManager.default.removeItem(at: file)
                    return try reject(update, code: error.code, reason: error.reason)
                }
                pending.phase = .staging
                try persist(pending)
                let info = SlotInfo(id: slotID, name: update.name, version: update.version,
                                    sha256: update.sha256.lowercased(), sizeBytes: update.sizeBytes,
                                    sequence: update.sequence, installedAt: now())
                try slots.install(verifiedFile: file, manifest: update.manifest, info: info)
                faults.hit("stage-moved")
                faults.hit("stage-done")
            }
            pending.phase = .switching
            try persist(pending)
            faults.hit("switch-before")
            try slots.activate(slotID)
            faults.hit("switch-after")
            pending.phase = .healthChecking
            try persist(pending)
            return await checkAndSettle(pending)
        } catch {
            return (try? reject(update, code: error.code, reason: error.description))
                ?? .rejected(failure: UpdateFailure(sequence: update.sequence, code: error.code, reason: error.description))
        }
    }

    // MARK: - steps

    private func persist(_ pending: PendingUpdate) throws(AgentError) {
        state.pending = pending
        try stateStore.save(state)
    }

    /// A refusal before `active` changed: the old model keeps serving.
    private func reject(_ update: ModelUpdate, code: String, reason: String) throws(AgentError) -> UpdateOutcome {
        let failure = UpdateFailure(sequence: update.sequence, code: code, reason: reason)
        state.pending = nil
        state.lastFailure = failure
        // A truncated download or a network error is retried on the next poll; a bad artifact is not.
        if !["network_error", "truncated_download", "http_error", "io_error", "insufficient_disk"].contains(code) {
            state.failedArtifacts = Array((state.failedArtifacts + [update.sha256.lowercased()]).suffix(32))
        }
        try stateStore.save(state)
        return .rejected(failure: failure)
    }

    /// Hot-swaps the server to the new slot, runs the health check, then commits or rolls back.
    private func checkAndSettle(_ pending: PendingUpdate) async -> UpdateOutcome {
        do {
            let info = try slots.info(of: pending.slot)
            do { try await activateServer(info) } catch {
                let failure = UpdateFailure(sequence: pending.sequence, code: "activation_failed", reason: "\(error)",
                                            model: info.name, version: info.version)
                try await rollBack(pending, failure: failure)
                return .rolledBack(failure: failure)
            }
            faults.hit("health-start")
            let report = await health.check(modelPath: try slots.modelPath(of: pending.slot), probe: pending.probe)
            faults.hit("health-done")
            guard report.passed else {
                let failure = UpdateFailure(sequence: pending.sequence, code: "health_check_failed", reason: report.reason,
                                            model: info.name, version: info.version)
                try await rollBack(pending, failure: failure)
                return .rolledBack(failure: failure)
            }
            faults.hit("commit-before")
            let old = state.committedSlot
            state.committedSlot = pending.slot
            state.previousSlot = old != pending.slot ? (old ?? pending.previousSlot) : state.previousSlot
            state.pending = nil
            state.lastFailure = nil
            try stateStore.save(state)
            slots.collectGarbage(keep: Set([state.committedSlot, state.previousSlot].compactMap { $0 }))
            return .committed(info, healthMs: report.latencyMs)
        } catch {
            let failure = UpdateFailure(sequence: pending.sequence, code: error.code, reason: error.description)
            try? await rollBack(pending, failure: failure)
            return .rolledBack(failure: failure)
        }
    }

    /// Points `active` back at the previous slot (or at nothing on a first install) and serves it.
    private func rollBack(_ pending: PendingUpdate, failure: UpdateFailure) async throws(AgentError) {
        faults.hit("rollback-before")
        let back = [pending.previousSlot, state.committedSlot].compactMap { $0 }
            .first { $0 != pending.slot && (try? slots.info(of: $0)) != nil }
        if let back {
            try slots.activate(back)
            try await activateServer(try slots.info(of: back))
        } else {
            unlink(slots.root.appendingPathComponent("active").path)
            try? DurableFile.syncDirectory(slots.root)
            try? await activator.activate(modelPath: nil, slot: nil)
        }
        state.pending = nil
        state.lastFailure = failure
        if let failed = try? slots.info(of: pending.slot) {
            state.failedArtifacts = Array((state.failedArtifacts + [failed.sha256]).suffix(32))
        }
        try stateStore.save(state)
        faults.hit("rollback-after")
        slots.collectGarbage(keep: Set([state.committedSlot, state.previousSlot, back].compactMap { $0 }))
    }

    private func activateServer(_ info: SlotInfo) async throws(AgentError) {
        do { try await activator.activate(modelPath: try slots.modelPath(of: info.id), slot: info) } catch let e as AgentError {
            throw e
        } catch {
            throw .corruptState(path: info.id, reason: "the server could not load it: \(error)")
        }
    }
}
