import Foundation

public enum RolloutStatus: String, Codable, Sendable, Equatable {
    /// Rings advance as their soak times pass with healthy gates.
    case progressing
    /// Held by an operator; nothing advances until resumed.
    case paused
    /// Stopped after a gate failed: the failing ring went back to the previous version, earlier rings keep the new one.
    case halted
    /// Every ring went back to the previous version (manual rollback).
    case rolledBack
    /// The last ring passed: every targeted device runs the new version.
    case completed
}

/// Something that happened to a rollout, kept in its history.
public struct RolloutEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case started, promoted, completed, gateFailed, rolledBack, halted, paused, resumed
    }

    public var at: Date
    public var kind: Kind
    /// The ring the event concerns (for `promoted`, the ring promoted into).
    public var ring: Int
    /// Human-readable detail: the gate figures, or the operator's reason.
    public var detail: String

    public init(at: Date, kind: Kind, ring: Int, detail: String) {
        self.at = at
        self.kind = kind
        self.ring = ring
        self.detail = detail
    }
}

/// Where a rollout stands.
public struct RolloutState: Codable, Sendable, Equatable {
    public var deploymentID: String
    public var plan: RolloutPlan
    public var status: RolloutStatus
    /// Index into `plan.rings` of the ring being soaked (the last ring once completed).
    public var currentRing: Int
    /// When the current ring started soaking (or was resumed).
    public var ringStartedAt: Date
    public var history: [RolloutEvent]

    public init(deploymentID: String, plan: RolloutPlan, status: RolloutStatus, currentRing: Int, ringStartedAt: Date, history: [RolloutEvent]) {
        self.deploymentID = deploymentID
        self.plan = plan
        self.status = status
        self.currentRing = currentRing
        self.ringStartedAt = ringStartedAt
        self.history = history
    }

    /// A new rollout at its first ring.
    public static func start(deploymentID: String, plan: RolloutPlan, now: Date) throws(FleetInputError) -> RolloutState {
        try plan.validate()
        let event = RolloutEvent(at: now, kind: .started, ring: 0, detail: "ring \(plan.rings[0].name) (\(plan.rings[0].percent)%)")
        return RolloutState(deploymentID: deploymentID, plan: plan, status: .progressing, currentRing: 0, ringStartedAt: now, history: [event])
    }

    /// Whether devices in `ring` should run the new version now.
    public func runsNewVersion(ring: Int) -> Bool {
        switch status {
        case .progressing, .paused: return ring <= currentRing
        case .completed: return true
        case .halted: return ring < currentRing
        case .rolledBack: return false
        }
    }

    /// Whether `deviceID` should run the new version now (false for devices outside every ring).
    public func runsNewVersion(deviceID: String) -> Bool {
        guard let ring = RingAssignment.ring(forDevice: deviceID, deploymentID: deploymentID, plan: plan) else { return false }
        return runsNewVersion(ring: ring)
    }

    /// The cumulative percent of targeted devices on the new version now.
    public var percentOnNewVersion: Double {
        switch status {
        case .completed: return plan.rings.last?.percent ?? 0
        case .rolledBack: return 0
        case .halted: return currentRing > 0 ? plan.rings[currentRing - 1].percent : 0
        case .progressing, .paused: return plan.rings[currentRing].percent
        }
    }
}
