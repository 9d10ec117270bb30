import Crypto
import Foundation

/// Health thresholds a ring must meet before promotion. A nil threshold is not checked.
public struct Gates: Codable, Sendable, Equatable {
    /// Highest share of failed requests, e.g. 0.02.
    public var maxErrorRate: Double?
    public var maxP95LatencyMs: Double?
    /// Lowest tokens/s as a share of the previous version's baseline, e.g. 0.9.
    public var minTokensPerSecondRatio: Double?
    /// Requests needed before the gates are judged at all.
    public var minSamples: Int

    public init(maxErrorRate: Double? = nil, maxP95LatencyMs: Double? = nil, minTokensPerSecondRatio: Double? = nil, minSamples: Int = 100) {
        self.maxErrorRate = maxErrorRate
        self.maxP95LatencyMs = maxP95LatencyMs
        self.minTokensPerSecondRatio = minTokensPerSecondRatio
        self.minSamples = minSamples
    }
}

/// One stage of a rollout: the cumulative share of targeted devices that run the new version.
public struct RingSpec: Codable, Sendable, Equatable {
    public var name: String
    /// Cumulative percentage of targeted devices in this ring and the ones before, in (0, 100].
    public var percent: Double
    /// How long the ring runs healthy before promotion.
    public var soakSeconds: Double
    public var gates: Gates

    public init(name: String, percent: Double, soakSeconds: Double, gates: Gates) {
        self.name = name
        self.percent = percent
        self.soakSeconds = soakSeconds
        self.gates = gates
    }
}

/// The rings of a rollout, e.g. canary 5% → 25% → 100%.
public struct RolloutPlan: Codable, Sendable, Equatable {
    public var rings: [RingSpec]

    public init(rings: [RingSpec]) { self.rings = rings }

    /// Rings present, percents strictly increasing within (0, 100] and ending at 100, soak times ≥ 0,
    /// thresholds sensible.
    public func validate() throws(FleetInputError) {
        guard !rings.isEmpty, rings.count <= 32 else { throw .invalid(field: "rings", reason: "a plan needs 1…32 rings, got \(rings.count)") }
        var previous = 0.0
        for (i, ring) in rings.enumerated() {
            let field = "rings[\(i)]"
            guard !ring.name.isEmpty, ring.name.utf8.count <= 64 else { throw .invalid(field: "\(field).name", reason: "must be 1…64 bytes") }
            guard ring.percent > previous, ring.percent <= 100 else {
                throw .invalid(field: "\(field).percent", reason: "must be above the previous ring's \(previous) and at most 100, got \(ring.percent)")
            }
            guard ring.soakSeconds >= 0, ring.soakSeconds <= 365 * 86_400 else {
                throw .invalid(field: "\(field).soakSeconds", reason: "must be 0…31536000, got \(ring.soakSeconds)")
            }
            let g = ring.gates
            guard (0...1_000_000_000).contains(g.minSamples) else { throw .invalid(field: "\(field).gates.minSamples", reason: "must be 0…1e9") }
            if let e = g.maxErrorRate, !(0...1).contains(e) { throw .invalid(field: "\(field).gates.maxErrorRate", reason: "must be in [0, 1], got \(e)") }
            if let l = g.maxP95LatencyMs, !(l > 0 && l.isFinite) { throw .invalid(field: "\(field).gates.maxP95LatencyMs", reason: "must be positive") }
            if let r = g.minTokensPerSecondRatio, !(r >= 0 && r.isFinite) { throw .invalid(field: "\(field).gates.minTokensPerSecondRatio", reason: "must be ≥ 0") }
            previous = ring.percent
        }
        guard previous == 100 else { throw .invalid(field: "rings", reason: "the last ring must reach 100%, got \(previous)") }
    }
}

/// Sticky assignment of devices to rings: a device's bucket comes from SHA-256, so every process and
/// every control-plane instance computes the same ring.
public enum RingAssignment {
    /// The ring index of `deviceID` in this deployment: the first ring whose cumulative percent exceeds
    /// the device's bucket in [0, 100). Nil when the plan's last ring stops short of the bucket.
    public static func ring(forDevice deviceID: String, deploymentID: String, plan: RolloutPlan) -> Int? {
        let bucket = StableBucket.percent(deploymentID, deviceID)
        return plan.rings.firstIndex { bucket < $0.percent }
    }
}

/// A uniform number in [0, 100) from SHA-256 of its parts (joined by a NUL byte, so "a"+"bc" ≠ "ab"+"c").
public enum StableBucket {
    public static func percent(_ parts: String...) -> Double {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{0}").utf8))
        // The first 8 bytes as a big-endian integer, scaled by 2^-64.
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(value >> 11) / Double(UInt64(1) << 53) * 100
    }
}
