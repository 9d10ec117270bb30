/// A non-streamed chat completion response (`"object": "chat.completion"`).
public struct ChatCompletion: Sendable, Equatable, Encodable {
    /// `chatcmpl-…`; see `ResponseID.chatCompletion()`.
    public var id: String
    /// Unix time in seconds.
    public var created: Int
    /// The model name, as the client requested it (or as served).
    public var model: String
    /// Generated choices (one: `n` > 1 is not supported).
    public var choices: [Choice]
    /// Token accounting.
    public var usage: Usage
    /// Identifies the serving configuration; the key is omitted when nil.
    public var systemFingerprint: String?

    /// One generated answer.
    public struct Choice: Sendable, Equatable, Encodable {
        /// Position of the choice (always 0 while `n` is 1).
        public var index: Int
        /// The assistant's reply.
        public var message: AssistantMessage
        /// Encoded as `null` when nil (logprobs were not requested).
        public var logprobs: ChatLogprobs?
        /// Why generation ended.
        public var finishReason: FinishReason

        /// Creates a choice.
        public init(index: Int = 0, message: AssistantMessage, logprobs: ChatLogprobs? = nil, finishReason: FinishReason) {
            self.index = index
            self.message = message
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        private enum CodingKeys: String, CodingKey { case index, message, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encodeOrNull(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// `{"role":"assistant","content":…}`.
    public struct AssistantMessage: Sendable, Equatable, Encodable {
        /// Always `"assistant"`.
        public var role: String { "assistant" }
        /// The generated text.
        public var content: String

        /// Creates the assistant's message.
        public init(content: String) { self.content = content }

        private enum CodingKeys: String, CodingKey { case role, content }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(content, forKey: .content)
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
        try container.encode("chat.completion", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
        try container.encodeIfPresent(systemFingerprint, forKey: .systemFingerprint)
    }
}
