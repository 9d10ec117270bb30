import Foundation

/// Fixed latency histogram buckets shared by every device, so histograms add up across the fleet.
public enum LatencyBuckets {
    /// Upper bounds in ms; counts has one more slot for requests above the last bound.
    public static let upperBoundsMs: [Double] = [5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000]
    public static var count: Int { upperBoundsMs.count + 1 }

    /// The bucket index of a latency.
    public static func index(ofMs ms: Double) -> Int {
        upperBoundsMs.firstIndex { ms <= $0 } ?? upperBoundsMs.count
    }

    /// The `q` quantile (0…1) of a histogram, interpolated linearly inside its bucket as Prometheus'
    /// histogram_quantile does; nil for an empty or malformed histogram. Above the last bound it is the last bound.
    public static func quantile(_ q: Double, counts: [Int]) -> Double? {
        guard counts.count == count, counts.allSatisfy({ $0 >= 0 }), q >= 0, q <= 1 else { return nil }
        let total = counts.reduce(0, saturatingAdd)
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var seen = 0
        for (i, c) in counts.enumerated() where c > 0 {
            if Double(seen + c) >= rank {
                guard i < upperBoundsMs.count else { return upperBoundsMs.last }
                let lower = i == 0 ? 0 : upperBoundsMs[i - 1]
                return lower + (upperBoundsMs[i] - lower) * max(0, rank - Double(seen)) / Double(c)
            }
            seen = saturatingAdd(seen, c)
        }
        return upperBoundsMs.last
    }
}

/// Addition that stops at Int.max instead of trapping: counters from devices are untrusted.
@inline(__always) func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (s, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? Int.max : Int.min) : s
}

/// One device's figures for one model version (and route) over one interval.
public struct IntervalRecord: Codable, Sendable, Equatable {
    public var start: Date
    public var end: Date
    public var modelName: String
    public var modelVersion: String
    /// "local" or "cloud" when the device routes; nil otherwise.
    public var route: String?
    public var requests: Int
    public var errors: Int
    /// Requests served by the cloud fallback instead of the local model.
    public var fallbacks: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Sum of end-to-end request latencies.
    public var latencyMsSum: Double
    /// Request counts per `LatencyBuckets` bucket; count = LatencyBuckets.count.
    public var latencyMsBuckets: [Int]
    /// Sum of times to first token.
    public var ttftMsSum: Double
    public var peakMemoryBytes: Int64

    public init(start: Date, end: Date, modelName: String, modelVersion: String, route: String? = nil, requests: Int, errors: Int,
                fallbacks: Int = 0, promptTokens: Int, completionTokens: Int, latencyMsSum: Double, latencyMsBuckets: [Int],
                ttftMsSum: Double, peakMemoryBytes: Int64) {
        self.start = start
        self.end = end
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.route = route
        self.requests = requests
        self.errors = errors
        self.fallbacks = fallbacks
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyMsSum = latencyMsSum
        self.latencyMsBuckets = latencyMsBuckets
        self.ttftMsSum = ttftMsSum
        self.peakMemoryBytes = peakMemoryBytes
    }

    /// Largest count a single record may carry.
    public static let maxCount = 1_000_000_000

    public func validate() throws(FleetInputError) {
        guard end > start, end.timeIntervalSince(start) <= 86_400 else { throw .invalid(field: "end", reason: "must be after start, by at most a day") }
        guard !modelName.isEmpty, modelName.utf8.count <= 256, !modelVersion.isEmpty, modelVersion.utf8.count <= 256 else {
            throw .invalid(field: "modelName/modelVersion", reason: "must be 1…256 bytes")
        }
        for (field, v) in [("requests", requests), ("errors", errors), ("fallbacks", fallbacks),
                           ("promptTokens", promptTokens), ("completionTokens", completionTokens)] where !(0...Self.maxCount).contains(v) {
            throw .invalid(field: field, reason: "must be 0…\(Self.maxCount), got \(v)")
        }
        guard errors <= requests, fallbacks <= requests else { throw .invalid(field: "errors/fallbacks", reason: "cannot exceed requests") }
        guard latencyMsBuckets.count == LatencyBuckets.count else {
            throw .invalid(field: "latencyMsBuckets", reason: "needs \(LatencyBuckets.count) counts, got \(latencyMsBuckets.count)")
        }
        guard latencyMsBuckets.allSatisfy({ (0...Self.maxCount).contains($0) }), latencyMsBuckets.reduce(0, +) == requests else {
            throw .invalid(field: "latencyMsBuckets", reason: "counts must be non-negative and add up to requests (\(requests))")
        }
        for (field, v) in [("latencyMsSum", latencyMsSum), ("ttftMsSum", ttftMsSum)] where !(v >= 0 && v < 1e15) {
            throw .invalid(field: field, reason: "must be a non-negative finite number")
        }
        guard peakMemoryBytes >= 0 else { throw .invalid(field: "peakMemoryBytes", reason: "must not be negative") }
    }
}

/// An upload from a device. The idempotency key makes a resent batch count once.
public struct TelemetryBatch: Codable, Sendable, Equatable {
    public var deviceID: String
    public var idempotencyKey: String
    public var records: [IntervalRecord]

    public init(deviceID: String, idempotencyKey: String, records: [IntervalRecord]) {
        self.deviceID = deviceID
        self.idempotencyKey = idempotencyKey
        self.records = records
    }

    public static let maxRecords = 10_000

    public func validate() throws(FleetInputError) {
        guard !deviceID.isEmpty, deviceID.utf8.count <= 128 else { throw .invalid(field: "deviceID", reason: "must be 1…128 bytes") }
        guard !idempotencyKey.isEmpty, idempotencyKey.utf8.count <= 128 else { throw .invalid(field: "idempotencyKey", reason: "must be 1…128 bytes") }
        guard records.count <= Self.maxRecords else { throw .invalid(field: "records", reason: "at most \(Self.maxRecords) per batch, got \(records.count)") }
        for (i, r) in records.enumerated() {
            do { try r.validate() } catch {
                switch error {
                case .invalid(let field, let reason): throw .invalid(field: "records[\(i)].\(field)", reason: reason)
                }
            }
        }
    }
}

/// Records added up: per device, model version and interval, or across a ring or an experiment arm.
public struct TelemetryAggregate: Codable, Sendable, Equatable {
    public var requests = 0
    public var errors = 0
    public var fallbacks = 0
    public var promptTokens = 0
    public var completionTokens = 0
    public var latencyMsSum = 0.0
    public var ttftMsSum = 0.0
    public var latencyMsBuckets = [Int](repeating: 0, count: LatencyBuckets.count)
    /// The highest peak reported.
    public var peakMemoryBytes: Int64 = 0

    public init() {}

    public init(records: [IntervalRecord]) {
        for r in records { add(r) }
    }

    public mutating func add(_ r: IntervalRecord) {
        requests = saturatingAdd(requests, r.requests)
        errors = saturatingAdd(errors, r.errors)
        fallbacks = saturatingAdd(fallbacks, r.fallbacks)
        promptTokens = saturatingAdd(promptTokens, r.promptTokens)
        completionTokens = saturatingAdd(completionTokens, r.completionTokens)
        latencyMsSum += r.latencyMsSum
        ttftMsSum += r.ttftMsSum
        for i in 0..<min(latencyMsBuckets.count, r.latencyMsBuckets.count) {
            latencyMsBuckets[i] = saturatingAdd(latencyMsBuckets[i], r.latencyMsBuckets[i])
        }
        peakMemoryBytes = max(peakMemoryBytes, r.peakMemoryBytes)
    }

    public mutating func merge(_ other: TelemetryAggregate) {
        requests = saturatingAdd(requests, other.requests)
        errors = saturatingAdd(errors, other.errors)
        fallbacks = saturatingAdd(fallbacks, other.fallbacks)
        promptTokens = saturatingAdd(promptTokens, other.promptTokens)
        completionTokens = saturatingAdd(completionTokens, other.completionTokens)
        latencyMsSum += other.latencyMsSum
        ttftMsSum += other.ttftMsSum
        for i in 0..<min(latencyMsBuckets.count, other.latencyMsBuckets.count) {
            latencyMsBuckets[i] = saturatingAdd(latencyMsBuckets[i], other.latencyMsBuckets[i])
        }
        peakMemoryBytes = max(peakMemoryBytes, other.peakMemoryBytes)
    }

    public var errorRate: Double { requests > 0 ? Double(errors) / Double(requests) : 0 }
    public var fallbackRate: Double { requests > 0 ? Double(fallbacks) / Double(requests) : 0 }
    public var meanLatencyMs: Double { requests > 0 ? latencyMsSum / Double(requests) : 0 }
    public var p95LatencyMs: Double { LatencyBuckets.quantile(0.95, counts: latencyMsBuckets) ?? 0 }
    public var p50LatencyMs: Double { LatencyBuckets.quantile(0.5, counts: latencyMsBuckets) ?? 0 }
    /// Completion tokens per second of request time (end to end, prompt processing included).
    public var tokensPerSecond: Double { latencyMsSum > 0 ? Double(completionTokens) / (latencyMsSum / 1000) : 0 }

    /// The figures the rollout gates read.
    public var ringHealth: RingHealth {
        RingHealth(samples: requests, errorRate: errorRate, p95LatencyMs: p95LatencyMs, tokensPerSecond: tokensPerSecond)
    }
}
