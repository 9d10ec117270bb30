import FleetCore
import Foundation

/// Where an update stands; persisted before each step so a restart resumes or undoes it.
public enum UpdatePhase: String, Codable, Sendable {
    case downloading
    case verifying
    case staging
    case switching
    case healthChecking
}

/// An update that has started and not yet been committed or rolled back.
public struct PendingUpdate: Codable, Sendable, Equatable {
    public var sequence: UInt64
    public var slot: String
    public var phase: UpdatePhase
    /// The slot that served before this update, to roll back to.
    public var previousSlot: String?
    /// The probe the new model must pass, kept so a restart can finish the check.
    public var probe: HealthProbe?

    public init(sequence: UInt64, slot: String, phase: UpdatePhase, previousSlot: String?, probe: HealthProbe?) {
        self.sequence = sequence
        self.slot = slot
        self.phase = phase
        self.previousSlot = previousSlot
        self.probe = probe
    }
}

/// The agent's durable state (`DATA/state.json`), always replaced atomically.
public struct AgentState: Codable, Sendable, Equatable {
    /// The highest desired-state sequence accepted; older or equal ones are replays.
    public var lastAcceptedSequence: UInt64?
    /// The slot that passed its health check most recently.
    public var committedSlot: String?
    /// The slot kept for rollback.
    public var previousSlot: String?
    public var pending: PendingUpdate?
    /// sha256 of artifacts that were refused or failed their health check: not tried again (the control
    /// plane issues a new sequence on every poll, so the artifact, not the sequence, is what failed).
    public var failedArtifacts: [String]
    /// The last update's failure, reported to the control plane until a newer update starts.
    public var lastFailure: UpdateFailure?
    public var deviceID: String?
    public var credential: String?

    public init() {
        failedArtifacts = []
    }
}

/// Reads and writes `state.json` durably.
public struct AgentStateStore: Sendable {
    public let url: URL

    public init(directory: URL) { url = directory.appendingPathComponent("state.json") }

    public func load() throws(AgentError) -> AgentState {
        guard FileManager.default.fileExists(atPath: url.path) else { return AgentState() }
        let data = try DurableFile.read(url)
        do { return try JSONDecoder().decode(AgentState.self, from: data) } catch {
            throw .corruptState(path: url.path, reason: "\(error)")
        }
    }

    public func save(_ state: AgentState) throws(AgentError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(state) } catch { throw .corruptState(path: url.path, reason: "\(error)") }
        try DurableFile.write(data, to: url)
    }
}

/// An update that was refused or undone, with the specific reason.
public struct UpdateFailure: Codable, Sendable, Equatable {
    public var sequence: UInt64
    public var code: String
    public var reason: String
    public var model: String?
    public var version: String?

    public init(sequence: UInt64, code: String, reason: String, model: String? = nil, version: String? = nil) {
        self.sequence = sequence
        self.code = code
        self.reason = reason
        self.model = model
        self.version = version
    }
}
