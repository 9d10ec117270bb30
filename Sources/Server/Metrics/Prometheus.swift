import Foundation

/// A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
/// exposition format (version 0.0.4). Thread-safe; recording is a lock and an array update.
public final class MetricsRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var families: [Family] = []
    private var byName: [String: Int] = [:]

    public init() {}

    private enum Kind: String { case counter, gauge, histogram }

    private final class Family {
        let name: String
        let help: String
        let kind: Kind
        let buckets: [Double]
        var series: [String: Series] = [:]   // key: rendered label set
        var order: [String] = []
        init(name: String, help: String, kind: Kind, buckets: [Double]) {
            self.name = name
            self.help = help
            self.kind = kind
            self.buckets = buckets
        }
    }

    private final class Series {
        var value = 0.0                // counter or gauge; histogram sum
        var count: UInt64 = 0          // histogram observations
        var bucketCounts: [UInt64]     // histogram, per upper bound (not cumulative)
        init(buckets: Int) { bucketCounts = [UInt64](repeating: 0, count: buckets) }
    }

    /// Declares a metric family (idempotent). Histogram `buckets` are upper bounds, ascending.
    public func declare(counter name: String, help: String) { declare(name, help, .counter, []) }
    public func declare(gauge name: String, help: String) { declare(name, help, .gauge, []) }
    public func declare(histogram name: String, help: String, buckets: [Double]) {
        declare(name, help, .histogram, buckets.sorted())
    }

    private func declare(_ name: String, _ help: String, _ kind: Kind, _ buckets: [Double]) {
        lock.lock()
        defer { lock.unlock() }
        guard byName[name] == nil else { return }
        byName[name] = families.count
        families.append(Family(name: name, help: help, kind: kind, buckets: buckets))
    }

    /// Adds `amount` (≥ 0) to a counter.
    public func increment(_ name: String, _ labels: [(String, String)] = [], by amount: Double = 1) {
        update(name, labels) { s, _ in s.value += max(0, amount) }
    }

    /// Sets a gauge.
    public func set(_ name: String, _ labels: [(String, String)] = [], to value: Double) {
        update(name, labels) { s, _ in s.value = value }
    }

    /// Records one observation in a histogram.
    public func observe(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        guard value.isFinite else { return }
        update(name, labels) { s, f in
            s.value += value
            s.count += 1
            if let i = f.buckets.firstIndex(where: { value <= $0 }) { s.bucketCounts[i] += 1 }
        }
    }

    private func update(_ name: String, _ labels: [(String, String)], _ body: (Series, Family) -> Void) {
        let key = Self.render(labels)
        lock.lock()
        defer { lock.unlock() }
        guard let index = byName[name] else { return }
        let f = families[index]
        let s: Series
        if let existing = f.series[key] {
            s = existing
        } else {
            s = Series(buckets: f.buckets.count)
            f.series[key] = s
            f.order.append(key)
        }
        body(s, f)
    }

    /// The whole registry in Prometheus text format.
    public func render() -> String {
        lock.lock()
        defer { lock.unlock() }
        var out = ""
        for f in families {
            out += "# HELP \(f.name) \(f.help)\n# TYPE \(f.name) \(f.kind.rawValue)\n"
            for key in f.order {
                guard let s = f.series[key] else { continue }
                switch f.kind {
                case .counter, .gauge:
                    out += "\(f.name)\(key.isEmpty ? "" : "{\(key)}") \(Self.format(s.value))\n"
                case .histogram:
                    var cumulative: UInt64 = 0
                    let sep = key.isEmpty ? "" : ","
                    for (i, bound) in f.buckets.enumerated() {
                        cumulative += s.bucketCounts[i]
                        out += "\(f.name)_bucket{\(key)\(sep)le=\"\(Self.format(bound))\"} \(cumulative)\n"
                    }
                    out += "\(f.name)_bucket{\(key)\(sep)le=\"+Inf\"} \(s.count)\n"
                    out += "\(f.name)_sum\(key.isEmpty ? "" : "{\(key)}") \(Self.format(s.value))\n"
                    out += "\(f.name)_count\(key.isEmpty ? "" : "{\(key)}") \(s.count)\n"
                }
            }
        }
        return out
    }

    private static func render(_ labels: [(String, String)]) -> String {
        labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
    }

    private static func escape(_ v: String) -> String {
        v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
