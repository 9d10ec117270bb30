/// A non-streamed text completion response (`"object": "text_completion"`).
public struct Completion: Sendable, Equatable, Encodable {
    /// `cmpl-…`; see `ResponseID.completion()`.
    public var id: String
    /// Unix time in seconds.
    public var created: Int
    /// The model name, as the client requested it (or as served).
    public var model: String
    /// Generated choices (one: `n` > 1 is not supported).
    public var choices: [Choice]
    /// Token accounting.
    public var usage: Usage
    /// The key is omitted when nil.
    public var systemFingerprint: String?

    /// One generated continuation.
    public struct Choice: Sendable, Equatable, Encodable {
        /// The generated text (or, in a chunk, the text it adds).
        public var text: String
        /// Position of the choice (always 0 while `n` is 1).
        public var index: Int
        /// Encoded as `null` when nil.
        public var logprobs: CompletionLogprobs?
        /// Why generation ended.
        public var finishReason: FinishReason

        /// Creates a choice.
        public init(text: String, index: Int = 0, logprobs: CompletionLogprobs? = nil, finishReason: FinishReason) {
            self.text = text
            self.index = index
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey { case text, index, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(index, forKey: .index)
            try container.encodeOrNull(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// Creates a response.
    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage, systemFingerprint: String? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("text_completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
    }
}

/// One streamed text completion event; OpenAI names it `"text_completion"` like the full response.
/// With `include_usage` the stream ends with a chunk whose `choices` is empty and `usage` set.
public struct CompletionChunk: Sendable, Equatable, Encodable {
    /// Identifier shared by a response and all its stream chunks.
    public var id: String
    /// Unix time in seconds.
    public var created: Int
    /// The model name, as the client requested it (or as served).
    public var model: String
    /// Empty only in the final usage chunk.
    public var choices: [Choice]
    /// Whether and how the `usage` key appears.
    public var usage: ChunkUsage
    /// The key is omitted when nil.
    public var systemFingerprint: String?

    /// A choice's increment.
    public struct Choice: Sendable, Equatable, Encodable {
        /// The generated text (or, in a chunk, the text it adds).
        public var text: String
        /// Position of the choice (always 0 while `n` is 1).
        public var index: Int
        /// Encoded as `null` when nil.
        public var logprobs: CompletionLogprobs?
        /// `null` until the chunk that ends the choice.
        public var finishReason: FinishReason?

        /// Creates a chunk choice.
        public init(text: String, index: Int = 0, logprobs: CompletionLogprobs? = nil, finishReason: FinishReason? = nil) {
            self.text = text
            self.index = index
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey { case text, index, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
            try container.encode(index, forKey: .index)
            try container.encodeOrNull(logprobs, forKey: .logprobs)
            try container.encodeOrNull(finishReason, forKey: .finishReason)
        }
    }

    /// Creates a chunk.
    public init(id: String, created: Int, model: String, choices: [Choice], usage: ChunkUsage = .omitted,
                systemFingerprint: String? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    /// The final chunk of a stream that asked for usage: no choices, only `usage`.
    public static func usageChunk(id: String, created: Int, model: String, usage: Usage,
                                  systemFingerprint: String? = nil) -> CompletionChunk {
        CompletionChunk(id: id, created: created, model: model, choices: [], usage: .final(usage),
                        systemFingerprint: systemFingerprint)
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("text_completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
    }
}
