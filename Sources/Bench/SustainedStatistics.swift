import Foundation

/// One generation of a sustained run: when it started and ended (seconds since the run began) and how
/// many tokens it generated.
public struct SustainedGeneration: Sendable, Codable, Equatable {
    public let start: Double
    public let end: Double
    public let tokens: Int

    public init(start: Double, end: Double, tokens: Int) {
        self.start = start
        self.end = end
        self.tokens = tokens
    }

    public var latency: Double { end - start }
}

/// Throughput over one window of a sustained run.
public struct SustainedWindow: Sendable, Codable, Equatable {
    public let index: Int
    public let start_s: Double
    public let end_s: Double
    /// Tokens generated in the window (a generation that straddles a boundary is shared in proportion
    /// to its time on each side).
    public let tokens: Double
    public let tokens_per_second: Double
}

/// Latency percentiles in milliseconds (nearest-rank method).
public struct LatencyPercentiles: Sendable, Codable, Equatable {
    public let p50_ms: Double
    public let p95_ms: Double
    public let p99_ms: Double

    public init(p50_ms: Double, p95_ms: Double, p99_ms: Double) {
        self.p50_ms = p50_ms
        self.p95_ms = p95_ms
        self.p99_ms = p99_ms
    }
}

/// The arithmetic of the sustained benchmark, apart from the timing so it can be checked on known inputs.
public enum SustainedStatistics {
    /// Nearest-rank percentile: the smallest value with at least `p`% of the values at or below it.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count) - 1e-9).rounded(.up))   // epsilon: 0.95 * 100 is not exact
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    public static func latencies(_ generations: [SustainedGeneration]) -> LatencyPercentiles {
        let ms = generations.map { $0.latency * 1000 }
        return LatencyPercentiles(p50_ms: percentile(ms, 50), p95_ms: percentile(ms, 95), p99_ms: percentile(ms, 99))
    }

    /// Windows of `window` seconds from 0 to the end of the last generation (the last one may be shorter);
    /// each generation's tokens are spread evenly over its duration.
    public static func windows(_ generations: [SustainedGeneration], window: Double) -> [SustainedWindow] {
        guard window > 0, let end = generations.map(\.end).max(), end > 0 else { return [] }
        let count = Int((end / window).rounded(.up))
        var tokens = [Double](repeating: 0, count: count)
        for g in generations where g.end > g.start {
            let rate = Double(g.tokens) / (g.end - g.start)
            let first = max(0, Int(g.start / window)), last = min(count - 1, Int(g.end / window))
            guard first <= last else { continue }
            for w in first...last {
                let overlap = min(g.end, Double(w + 1) * window) - max(g.start, Double(w) * window)
                if overlap > 0 { tokens[w] += rate * overlap }
            }
        }
        return (0..<count).map { w in
            let s = Double(w) * window, e = min(end, Double(w + 1) * window)
            return SustainedWindow(index: w, start_s: s, end_s: e, tokens: tokens[w],
                                   tokens_per_second: e > s ? tokens[w] / (e - s) : 0)
        }
    }

    /// Change from the first to the last full window, in percent of the first: positive when the last
    /// is slower (throttling). A final window shorter than half a window is left out as too noisy.
    public static func degradation(_ windows: [SustainedWindow], window: Double) -> Double {
        var usable = windows
        if let last = usable.last, usable.count > 1, last.end_s - last.start_s < window / 2 { usable.removeLast() }
        guard let first = usable.first, let last = usable.last, first.tokens_per_second > 0 else { return 0 }
        return (first.tokens_per_second - last.tokens_per_second) / first.tokens_per_second * 100
    }
}

extension SustainedStatistics {
    /// Seconds in a duration written as `90`, `90s`, `5m`, `1h`, or a sum such as `2m30s`; nil if malformed
    /// or not positive.
    public static func parseDuration(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !s.isEmpty else { return nil }
        if let plain = Double(s) { return plain > 0 && plain.isFinite ? plain : nil }
        var total = 0.0
        var number = ""
        for c in s {
            if c.isNumber || c == "." {
                number.append(c)
            } else {
                guard let v = Double(number), let unit = ["s": 1.0, "m": 60, "h": 3600][String(c)] else { return nil }
                total += v * unit
                number = ""
            }
        }
        guard number.isEmpty, total > 0, total.isFinite else { return nil }
        return total
    }
}
