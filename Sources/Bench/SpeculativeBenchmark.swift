import Foundation
import Inference

/// Speculative decoding against plain decoding on one prompt, greedy: runs alternate (plain,
/// speculative, plain, …) so that machine noise hits both alike, and the figures are medians.
public struct SpeculativeBenchmarkReport: Sendable, Codable {
    public let mode: String
    public let draft_model: String?
    public let draft_max: Int
    public let workload: String
    public let prompt_tokens: Int
    public let generated_tokens: Int
    /// Decode tokens/s (after the first token) of each repetition.
    public let plain_samples_ts: [Double]
    public let speculative_samples_ts: [Double]
    public let plain_median_ts: Double
    public let speculative_median_ts: Double
    /// Median of the per-pair ratios speculative / plain.
    public let speedup: Double
    public let acceptance_rate: Double
    public let drafted_tokens: Int
    public let accepted_tokens: Int
    /// Tokens generated per target forward pass during decode.
    public let tokens_per_pass: Double
    /// Whether both paths produced the same tokens (they must, for greedy decoding).
    public let identical_output: Bool
    public let method: String
}

public enum SpeculativeBenchmark {
    /// Median of `xs` (mean of the middle two for an even count); 0 for none.
    public static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public static func run(engine: Engine, speculation: SpeculationConfig, prompt: [TokenID], maxTokens: Int,
                           repetitions: Int, contextSize: Int, workload: String,
                           progress: (String) -> Void = { _ in }) throws(EngineError) -> SpeculativeBenchmarkReport {
        let generator = Generator(engine: engine)
        let plainRequest = GenerationRequest(prompt: prompt, maxTokens: maxTokens)
        var specRequest = plainRequest
        specRequest.speculation = speculation
        var plainRates: [Double] = [], specRates: [Double] = [], ratios: [Double] = []
        var stats = SpeculationStats()
        var identical = true
        var generated = 0
        var passes = 0
        for rep in 0...repetitions {   // rep 0 warms both paths up and is not timed
            let plain = try generator.generate(plainRequest, contextSize: contextSize)
            let spec = try generator.generate(specRequest, contextSize: contextSize)
            identical = identical && plain.tokens == spec.tokens
            guard rep > 0 else { continue }
            let a = plain.timings.decodeTokensPerSecond, b = spec.timings.decodeTokensPerSecond
            plainRates.append(a)
            specRates.append(b)
            ratios.append(a > 0 ? b / a : 0)
            let s = spec.speculation ?? SpeculationStats()
            stats = stats + s
            generated += max(0, spec.tokens.count - 1)
            // Decode passes: one per committed step, i.e. tokens not covered by accepted drafts.
            passes += max(0, spec.tokens.count - 1 - s.accepted)
            progress("run \(rep): plain \(String(format: "%.1f", a)) tokens/s, speculative \(String(format: "%.1f", b)) tokens/s, "
                + "accepted \(s.accepted)/\(s.drafted)")
        }
        return SpeculativeBenchmarkReport(
            mode: speculation.mode.rawValue, draft_model: speculation.draft?.path, draft_max: speculation.draftMax,
            workload: workload, prompt_tokens: prompt.count, generated_tokens: generated / max(1, repetitions) + 1,
            plain_samples_ts: plainRates, speculative_samples_ts: specRates,
            plain_median_ts: median(plainRates), speculative_median_ts: median(specRates), speedup: median(ratios),
            acceptance_rate: stats.acceptanceRate, drafted_tokens: stats.drafted, accepted_tokens: stats.accepted,
            tokens_per_pass: passes > 0 ? Double(generated) / Double(passes) : 0,
            identical_output: identical,
            method: "greedy, up to \(maxTokens) tokens; one untimed warm-up pair then \(repetitions) pairs run alternately "
                + "(plain, speculative); decode tokens/s after the first token; speedup = median of the per-pair ratios")
    }
}
