import Foundation

/// An A/B test: two versions of a model split across devices, each device sticking to its arm.
public struct Experiment: Codable, Sendable, Equatable {
    public enum Arm: String, Codable, Sendable { case a, b }

    public var id: String
    public var modelName: String
    public var versionA: String
    public var versionB: String
    /// Percentage of devices in arm B, in [0, 100].
    public var percentB: Double

    public init(id: String, modelName: String, versionA: String, versionB: String, percentB: Double) {
        self.id = id
        self.modelName = modelName
        self.versionA = versionA
        self.versionB = versionB
        self.percentB = percentB
    }

    public func validate() throws(FleetInputError) {
        guard !id.isEmpty, id.utf8.count <= 128 else { throw .invalid(field: "id", reason: "must be 1…128 bytes") }
        guard (0...100).contains(percentB) else { throw .invalid(field: "percentB", reason: "must be 0…100, got \(percentB)") }
        guard versionA != versionB else { throw .invalid(field: "versionB", reason: "must differ from versionA") }
    }

    /// The device's arm: B when SHA-256 of the experiment ID and device ID puts it below `percentB`.
    /// The same on every process and instance, and unchanged while the percentage is.
    public func arm(forDevice deviceID: String) -> Arm {
        StableBucket.percent("experiment", id, deviceID) < percentB ? .b : .a
    }

    public func version(of arm: Arm) -> String { arm == .a ? versionA : versionB }
}

/// Arm A against arm B on the figures the dashboard shows, each with its sample count.
public struct ArmComparison: Codable, Sendable, Equatable {
    public struct Figures: Codable, Sendable, Equatable {
        public var version: String
        /// Requests the figures rest on.
        public var samples: Int
        public var p50LatencyMs: Double
        public var p95LatencyMs: Double
        public var meanLatencyMs: Double
        public var tokensPerSecond: Double
        public var errorRate: Double
        public var fallbackRate: Double

        public init(version: String, aggregate: TelemetryAggregate) {
            self.version = version
            samples = aggregate.requests
            p50LatencyMs = aggregate.p50LatencyMs
            p95LatencyMs = aggregate.p95LatencyMs
            meanLatencyMs = aggregate.meanLatencyMs
            tokensPerSecond = aggregate.tokensPerSecond
            errorRate = aggregate.errorRate
            fallbackRate = aggregate.fallbackRate
        }
    }

    public var a: Figures
    public var b: Figures

    public init(experiment: Experiment, a: TelemetryAggregate, b: TelemetryAggregate) {
        self.a = Figures(version: experiment.versionA, aggregate: a)
        self.b = Figures(version: experiment.versionB, aggregate: b)
    }

    /// B's tokens/s relative to A's (1.1 = 10% faster); nil without A figures.
    public var tokensPerSecondRatio: Double? { a.tokensPerSecond > 0 ? b.tokensPerSecond / a.tokensPerSecond : nil }
    /// B's p95 latency relative to A's; nil without A figures.
    public var p95LatencyRatio: Double? { a.p95LatencyMs > 0 ? b.p95LatencyMs / a.p95LatencyMs : nil }
}
