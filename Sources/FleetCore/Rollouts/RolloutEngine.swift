import Foundation

/// Health of the devices on the new version in one ring (or of the previous version, as baseline).
public struct RingHealth: Codable, Sendable, Equatable {
    /// Requests observed.
    public var samples: Int
    /// Failed requests / requests.
    public var errorRate: Double
    public var p95LatencyMs: Double
    public var tokensPerSecond: Double

    public init(samples: Int, errorRate: Double, p95LatencyMs: Double, tokensPerSecond: Double) {
        self.samples = samples
        self.errorRate = errorRate
        self.p95LatencyMs = p95LatencyMs
        self.tokensPerSecond = tokensPerSecond
    }
}

/// One gate's verdict, for the history and the dashboard.
public struct GateResult: Codable, Sendable, Equatable {
    public var gate: String
    public var observed: Double?
    public var threshold: Double
    /// nil when the gate could not be judged (no baseline).
    public var passed: Bool?

    public var text: String {
        let verdict = passed.map { $0 ? "pass" : "FAIL" } ?? "skipped (no baseline)"
        return "\(gate) \(observed.map { String(format: "%.4g", $0) } ?? "n/a") vs \(String(format: "%.4g", threshold)): \(verdict)"
    }
}

/// The rollout state machine: pure functions from a state, a time and health figures to a new state.
public enum RolloutEngine {
    /// The gates' verdicts for `health`; empty when there are fewer samples than the gates need.
    public static func checkGates(_ gates: Gates, health: RingHealth, baseline: RingHealth?) -> [GateResult] {
        var results: [GateResult] = []
        if let max = gates.maxErrorRate {
            results.append(GateResult(gate: "error rate", observed: health.errorRate, threshold: max, passed: health.errorRate <= max))
        }
        if let max = gates.maxP95LatencyMs {
            results.append(GateResult(gate: "p95 latency ms", observed: health.p95LatencyMs, threshold: max, passed: health.p95LatencyMs <= max))
        }
        if let min = gates.minTokensPerSecondRatio {
            if let base = baseline, base.tokensPerSecond > 0, base.samples > 0 {
                let ratio = health.tokensPerSecond / base.tokensPerSecond
                results.append(GateResult(gate: "tokens/s ratio to baseline", observed: ratio, threshold: min, passed: ratio >= min))
            } else {
                results.append(GateResult(gate: "tokens/s ratio to baseline", observed: nil, threshold: min, passed: nil))
            }
        }
        return results
    }

    /// Advances a progressing rollout: once the ring has enough samples, a failed gate rolls the ring
    /// back and halts the rollout at once; with every gate passing and the soak time over, the rollout
    /// is promoted to the next ring (or completed after the last). Other statuses are returned unchanged.
    public static func evaluate(state: RolloutState, now: Date, ringHealth: RingHealth, baseline: RingHealth?) -> (RolloutState, [RolloutEvent]) {
        guard state.status == .progressing, state.plan.rings.indices.contains(state.currentRing) else { return (state, []) }
        let ring = state.plan.rings[state.currentRing]
        guard ringHealth.samples >= ring.gates.minSamples else { return (state, []) }
        let results = checkGates(ring.gates, health: ringHealth, baseline: baseline)
        let summary = "ring \(ring.name), \(ringHealth.samples) samples: " + (results.isEmpty ? "no gates" : results.map(\.text).joined(separator: ", "))
        var next = state
        var events: [RolloutEvent] = []
        if results.contains(where: { $0.passed == false }) {
            events.append(RolloutEvent(at: now, kind: .gateFailed, ring: state.currentRing, detail: summary))
            events.append(RolloutEvent(at: now, kind: .rolledBack, ring: state.currentRing, detail: "ring \(ring.name) back to the previous version"))
            events.append(RolloutEvent(at: now, kind: .halted, ring: state.currentRing, detail: "automatic rollback after a failed gate"))
            next.status = .halted
        } else if now.timeIntervalSince(state.ringStartedAt) >= ring.soakSeconds {
            if state.currentRing + 1 < state.plan.rings.count {
                next.currentRing += 1
                next.ringStartedAt = now
                let to = state.plan.rings[next.currentRing]
                events.append(RolloutEvent(at: now, kind: .promoted, ring: next.currentRing, detail: "\(summary); promoted to ring \(to.name) (\(to.percent)%)"))
            } else {
                next.status = .completed
                events.append(RolloutEvent(at: now, kind: .completed, ring: state.currentRing, detail: summary))
            }
        }
        next.history += events
        return (next, events)
    }

    /// Holds a progressing rollout.
    public static func pause(state: RolloutState, now: Date, reason: String = "") throws(RolloutError) -> RolloutState {
        guard state.status == .progressing else { throw .invalidTransition(from: state.status, action: "pause") }
        var next = state
        next.status = .paused
        next.history.append(RolloutEvent(at: now, kind: .paused, ring: state.currentRing, detail: reason))
        return next
    }

    /// Continues a paused rollout; the current ring's soak time starts again, so a ring is never
    /// promoted on health observed before the pause alone.
    public static func resume(state: RolloutState, now: Date, reason: String = "") throws(RolloutError) -> RolloutState {
        guard state.status == .paused else { throw .invalidTransition(from: state.status, action: "resume") }
        var next = state
        next.status = .progressing
        next.ringStartedAt = now
        next.history.append(RolloutEvent(at: now, kind: .resumed, ring: state.currentRing, detail: reason))
        return next
    }

    /// Sends every ring back to the previous version.
    public static func rollback(state: RolloutState, now: Date, reason: String = "") throws(RolloutError) -> RolloutState {
        guard state.status != .rolledBack else { throw .invalidTransition(from: state.status, action: "rollback") }
        var next = state
        next.status = .rolledBack
        next.history.append(RolloutEvent(at: now, kind: .rolledBack, ring: state.currentRing, detail: reason.isEmpty ? "manual rollback of every ring" : reason))
        return next
    }
}

public enum RolloutError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidTransition(from: RolloutStatus, action: String)

    public var description: String {
        switch self {
        case .invalidTransition(let from, let action): return "cannot \(action) a rollout that is \(from.rawValue)"
        }
    }
}
