/// One streamed chat completion event (`"object": "chat.completion.chunk"`).
///
/// A stream is: a first chunk whose delta carries the role, content chunks, a chunk with the
/// `finish_reason`, then (only with `include_usage`) a chunk with empty `choices` and `usage`.
/// All chunks of a stream share `id`, `created` and `model`.
public struct ChatCompletionChunk: Sendable, Equatable, Encodable {
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
        /// Position of the choice (always 0 while `n` is 1).
        public var index: Int
        /// What this chunk adds.
        public var delta: Delta
        /// Encoded as `null` when nil.
        public var logprobs: ChatLogprobs?
        /// `null` until the chunk that ends the choice.
        public var finishReason: FinishReason?

        /// Creates a chunk choice.
        public init(index: Int = 0, delta: Delta, logprobs: ChatLogprobs? = nil, finishReason: FinishReason? = nil) {
            self.index = index
            self.delta = delta
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey { case index, delta, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encodeOrNull(logprobs, forKey: .logprobs)
            try container.encodeOrNull(finishReason, forKey: .finishReason)
        }
    }

    /// `{"role"?, "content"?}`: absent members are omitted (the last delta is usually `{}`).
    public struct Delta: Sendable, Equatable, Encodable {
        /// `"assistant"` in the first chunk only.
        public var role: String?
        /// Text added by this chunk; omitted when nil.
        public var content: String?

        /// Creates a delta.
        public init(role: String? = nil, content: String? = nil) {
            self.role = role
            self.content = content
        }

        /// The first delta of a stream: role assistant and empty content, as OpenAI sends it.
        public static let start = Delta(role: "assistant", content: "")
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
                                  systemFingerprint: String? = nil) -> ChatCompletionChunk {
        ChatCompletionChunk(id: id, created: created, model: model, choices: [], usage: .final(usage),
                            systemFingerprint: systemFingerprint)
    }

    private enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("chat.completion.chunk", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
    }
}
