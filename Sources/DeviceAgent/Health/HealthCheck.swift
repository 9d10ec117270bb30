import FleetCore
import Foundation
import Inference

/// The outcome of a health check, with what was seen.
public struct HealthReport: Sendable, Equatable {
    public var passed: Bool
    public var reason: String
    public var output: String
    public var latencyMs: Double

    public init(passed: Bool, reason: String, output: String, latencyMs: Double) {
        self.passed = passed
        self.reason = reason
        self.output = output
        self.latencyMs = latencyMs
    }
}

/// Checks a model file before it takes traffic for good.
public protocol HealthChecker: Sendable {
    func check(modelPath: URL, probe: HealthProbe?) async -> HealthReport
}

/// The real check: loads the model with the runtime and runs the probe. Without a probe the model must
/// still load, tokenize and produce a token.
public struct ModelHealthChecker: HealthChecker {
    public let contextSize: Int

    public init(contextSize: Int = 256) { self.contextSize = contextSize }

    public func check(modelPath: URL, probe: HealthProbe?) async -> HealthReport {
        let start = DispatchTime.now().uptimeNanoseconds
        let elapsed = { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
        let prompt = probe?.prompt ?? "Hello"
        let maxTokens = max(1, min(probe?.maxTokens ?? 1, 64))
        do {
            let engine = try Engine(path: modelPath.path)
            let ids = engine.promptTokens(prompt)
            let result = try Generator(engine: engine).generate(
                GenerationRequest(prompt: ids, maxTokens: maxTokens, sampler: .greedy, stopAtEndOfGeneration: false),
                contextSize: max(contextSize, ids.count + maxTokens + 1))
            let ms = elapsed()
            guard let probe else {
                let ok = !result.tokens.isEmpty
                return HealthReport(passed: ok, reason: ok ? "loaded and generated" : "generated nothing",
                                    output: result.text, latencyMs: ms)
            }
            if !result.text.hasPrefix(probe.expectedPrefix) {
                return HealthReport(passed: false,
                                    reason: "output \(String(reflecting: result.text)) does not start with \(String(reflecting: probe.expectedPrefix))",
                                    output: result.text, latencyMs: ms)
            }
            if ms > probe.maxLatencyMs {
                return HealthReport(passed: false,
                                    reason: "took \(Int(ms)) ms, over the \(Int(probe.maxLatencyMs)) ms bound",
                                    output: result.text, latencyMs: ms)
            }
            return HealthReport(passed: true, reason: "expected output in \(Int(ms)) ms", output: result.text, latencyMs: ms)
        } catch {
            return HealthReport(passed: false, reason: "model failed: \(error)", output: "", latencyMs: elapsed())
        }
    }
}
