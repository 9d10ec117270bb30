/// Micro-benchmarks for the routing path, called by the CLI.
public enum RoutingBenchmarks {
    /// Latency of `PIIDetector.classify` on `text`.
    ///
    /// Measured with `ContinuousClock` around each single call, after 10 unmeasured warm-up calls, on
    /// the calling thread; percentiles are nearest-rank over `iterations` samples (at least 1). Build in
    /// release mode for meaningful figures.
    /// - Returns: the median and 99th-percentile time of one classification.
    public static func classificationLatency(
        text: String, iterations: Int, detector: PIIDetector = PIIDetector.builtIn
    ) -> (p50: Duration, p99: Duration) {
        let clock = ContinuousClock()
        var entityCount = 0
        for _ in 0..<10 { entityCount &+= detector.classify(text).entities.count }
        var samples = [Duration]()
        samples.reserveCapacity(max(1, iterations))
        for _ in 0..<max(1, iterations) {
            var classification: Classification? = nil
            samples.append(clock.measure { classification = detector.classify(text) })
            entityCount &+= classification?.entities.count ?? 0
        }
        withExtendedLifetime(entityCount) {}
        samples.sort()
        func percentile(_ p: Double) -> Duration {
            let rank = Int((p * Double(samples.count)).rounded(.up))
            return samples[min(samples.count - 1, max(0, rank - 1))]
        }
        return (percentile(0.50), percentile(0.99))
    }
}
