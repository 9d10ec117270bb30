import FleetCore
import Inference
import Foundation
import Server

/// Folds every answered request and finished generation into per-interval records (one per model
/// version and route), and appends each closed interval to the durable `TelemetryLog`.
public final class TelemetryAggregator: ServerObserver, @unchecked Sendable {
    struct Key: Hashable {
        var model: String
        var version: String
        var route: String
    }

    private let lock = NSLock()
    private let log: TelemetryLog
    private let now: @Sendable () -> Date
    private var intervalStart: Date
    private var open: [Key: IntervalRecord] = [:]
    private var model = "none"
    private var version = "none"

    public init(log: TelemetryLog, now: @escaping @Sendable () -> Date = { Date() }) {
        self.log = log
        self.now = now
        intervalStart = Self.wholeSecond(now())
    }

    /// Interval bounds are whole seconds: the fleet's JSON carries dates to the second.
    static func wholeSecond(_ d: Date) -> Date { Date(timeIntervalSince1970: d.timeIntervalSince1970.rounded(.down)) }

    /// The model version requests are attributed to from now on.
    public func setActiveModel(name: String, version: String) {
        lock.lock()
        model = name
        self.version = version
        lock.unlock()
    }

    public func requestAnswered(_ r: AnsweredRequest) {
        let ms = max(0, r.seconds * 1000)
        update(route: r.route ?? "edge") { rec in
            rec.requests += 1
            if r.status >= 500 { rec.errors += 1 }
            if r.routeReason?.contains("fallback:") == true { rec.fallbacks += 1 }
            rec.latencyMsSum += ms
            rec.latencyMsBuckets[LatencyBuckets.index(ofMs: ms)] += 1
        }
    }

    public func generationFinished(_ s: SequenceSummary, model _: String) {
        update(route: "edge") { rec in
            rec.promptTokens += s.promptTokens
            rec.completionTokens += s.completionTokens
            rec.ttftMsSum += max(0, s.timeToFirstToken * 1000)
        }
    }

    /// Closes the current interval: appends its records to the log (durably) and starts the next.
    /// Returns how many records were written.
    @discardableResult
    public func flush() throws(AgentError) -> Int {
        lock.lock()
        let end = Self.wholeSecond(now())
        // Less than a whole second since the last close: keep accumulating.
        guard end > intervalStart else {
            lock.unlock()
            return 0
        }
        var records = Array(open.values)
        open.removeAll()
        let start = intervalStart
        intervalStart = end
        lock.unlock()
        let peak = Int64(ProcessMemory.peakResidentBytes())
        records.sort { ($0.modelVersion, $0.route ?? "") < ($1.modelVersion, $1.route ?? "") }
        let encoder = FleetJSON.encoder()
        var written = 0
        for var r in records where r.requests > 0 || r.completionTokens > 0 {
            r.start = start
            r.end = end
            r.peakMemoryBytes = peak
            // A generation whose request is still streaming when the interval closes counts its
            // tokens here and its request in the next interval; keep the buckets consistent.
            let data: Data
            do { data = try encoder.encode(r) } catch { throw .corruptState(path: log.directory.path, reason: "\(error)") }
            try log.append(data)
            written += 1
        }
        return written
    }

    private func update(route: String, _ body: (inout IntervalRecord) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        let key = Key(model: model, version: version, route: route)
        var rec = open[key] ?? IntervalRecord(
            start: intervalStart, end: intervalStart, modelName: model, modelVersion: version, route: route,
            requests: 0, errors: 0, fallbacks: 0, promptTokens: 0, completionTokens: 0, latencyMsSum: 0,
            latencyMsBuckets: Array(repeating: 0, count: LatencyBuckets.count), ttftMsSum: 0, peakMemoryBytes: 0)
        body(&rec)
        open[key] = rec
    }
}
