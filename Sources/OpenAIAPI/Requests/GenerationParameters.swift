/// Sampling and stopping parameters shared by chat and text completions.
///
/// Nil means the client did not send the parameter (or sent `null`); the server applies its own
/// defaults then. Values are already range-checked.
public struct GenerationParameters: Sendable, Equatable {
    /// Maximum tokens to generate, ≥ 1. From `max_completion_tokens` or `max_tokens`; when a
    /// request sends both they must be equal, otherwise it is rejected (param `max_tokens`).
    public var maxTokens: Int?
    /// Sampling temperature in 0...2.
    public var temperature: Double?
    /// Nucleus sampling mass in (0, 1].
    public var topP: Double?
    /// Seed for reproducible sampling.
    public var seed: Int64?
    /// Up to 4 non-empty stop sequences; empty when none.
    public var stop: [String]
    /// Presence penalty in -2...2.
    public var presencePenalty: Double?
    /// Frequency penalty in -2...2.
    public var frequencyPenalty: Double?

    /// Creates parameters; all absent by default.
    public init(maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil, seed: Int64? = nil,
                stop: [String] = [], presencePenalty: Double? = nil, frequencyPenalty: Double? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stop = stop
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
    }
}

/// `stream_options`, only accepted together with `"stream": true`.
public struct StreamOptions: Sendable, Equatable {
    /// Send a final chunk with `usage` and empty `choices` before `[DONE]`.
    public var includeUsage: Bool

    /// Creates stream options.
    public init(includeUsage: Bool = false) { self.includeUsage = includeUsage }
}

/// `response_format`. Only `.text` is generated today; the others are parsed so the server can
/// reject them explicitly, and so that constrained decoding can be added without touching parsing.
public enum ResponseFormat: Sendable, Equatable {
    /// `{"type":"text"}`: free text.
    case text
    /// `{"type":"json_object"}`: any valid JSON object.
    case jsonObject
    /// `{"type":"json_schema","json_schema":{...}}`: the `json_schema` object (name, schema,
    /// strict, ...) kept as raw JSON.
    case jsonSchema(JSONValue)
}
