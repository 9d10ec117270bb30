import Foundation
import Inference

/// What `outpost bench --duration` measured.
public struct SustainedReport: Sendable, Codable {
    public let model: String
    public let duration_s: Double
    public let window_s: Double
    public let threads: Int
    public let kernel_path: String
    public let machine: MachineInfo
    public let generations: Int
    public let tokens_per_generation: Int
    public let prompt_tokens: Int
    public let windows: [SustainedWindow]
    public let latency: LatencyPercentiles
    /// Overall tokens/s: every generated token over the whole run.
    public let overall_tokens_per_second: Double
    /// Percent by which the last full window is slower than the first (negative: faster).
    public let degradation_percent: Double
    public let method: String
}

/// Runs back-to-back generations for a fixed time and reports throughput per window — the figure that
/// shows thermal or power throttling on a real edge device, which a few seconds of llama-bench hide.
public enum SustainedBenchmark {
    /// The fixed request every generation repeats: a short chat prompt, `tokens` greedy tokens, end of
    /// generation ignored so that every generation does the same work.
    public static let prompt = "Write a detailed maintenance checklist for a bottling line filler."

    public static func run(engine: Engine, duration: Double, window: Double, tokens: Int, threads: Int,
                           progress: (String) -> Void = { _ in }) throws(EngineError) -> SustainedReport {
        let promptTokens = try engine.chatTokens([ChatMessage(role: "user", content: prompt)])
        let request = GenerationRequest(prompt: promptTokens, maxTokens: tokens, stopAtEndOfGeneration: false)
        let generator = Generator(engine: engine)
        let contextSize = promptTokens.count + tokens + 1
        _ = try generator.generate(request, contextSize: contextSize)   // warm-up, not recorded
        var generations: [SustainedGeneration] = []
        let t0 = DispatchTime.now().uptimeNanoseconds
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        var nextReport = window
        while now() < duration {
            let start = now()
            let result = try generator.generate(request, contextSize: contextSize)
            let end = now()
            generations.append(SustainedGeneration(start: start, end: end, tokens: result.tokens.count))
            if end >= nextReport {
                let recent = SustainedStatistics.windows(generations, window: window)
                if let w = recent.dropLast().last {
                    progress("window \(w.index + 1) (\(Int(w.start_s))-\(Int(w.end_s)) s): "
                        + String(format: "%.1f tokens/s", w.tokens_per_second))
                }
                nextReport = (end / window).rounded(.up) * window
            }
        }
        let windows = SustainedStatistics.windows(generations, window: window)
        let elapsed = generations.last?.end ?? 0
        let total = generations.reduce(0) { $0 + $1.tokens }
        return SustainedReport(
            model: engine.path, duration_s: duration, window_s: window, threads: threads,
            kernel_path: "\(Kernels.current)", machine: .current(), generations: generations.count,
            tokens_per_generation: tokens, prompt_tokens: promptTokens.count, windows: windows,
            latency: SustainedStatistics.latencies(generations),
            overall_tokens_per_second: elapsed > 0 ? Double(total) / elapsed : 0,
            degradation_percent: SustainedStatistics.degradation(windows, window: window),
            method: "back-to-back greedy generations of \(tokens) tokens after a \(promptTokens.count)-token chat prompt "
                + "(prefill included, end of generation ignored) for \(Int(duration)) s after one warm-up; tokens/s per "
                + "\(Int(window)) s window (a generation straddling a boundary is shared by time); latency = one whole "
                + "generation, nearest-rank percentiles; degradation = first vs last full window")
    }
}
