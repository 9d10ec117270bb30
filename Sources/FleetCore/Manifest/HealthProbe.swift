import Foundation

/// The probe a newly activated model must pass: a fixed prompt, greedy decoding, an expected start of
/// the output, within a latency bound. The publisher records it in the signed manifest (from a reference
/// run it trusts), so a model that is corrupt, wrong for the device, or too slow on it fails.
public struct HealthProbe: Codable, Sendable, Equatable {
    public var prompt: String
    /// The greedy output must start with this text.
    public var expectedPrefix: String
    public var maxTokens: Int
    /// Load plus generation must finish within this time.
    public var maxLatencyMs: Double

    public init(prompt: String, expectedPrefix: String, maxTokens: Int = 8, maxLatencyMs: Double = 10_000) {
        self.prompt = prompt
        self.expectedPrefix = expectedPrefix
        self.maxTokens = maxTokens
        self.maxLatencyMs = maxLatencyMs
    }
}
