/// Why generation of a choice ended.
public enum FinishReason: String, Sendable, Equatable, Encodable {
    /// A stop sequence or the end-of-generation token.
    case stop
    /// `max_tokens` or the context limit.
    case length
    /// Withheld by a content policy.
    case contentFilter = "content_filter"
}

/// Token accounting: `{"prompt_tokens","completion_tokens","total_tokens","prompt_tokens_details":{"cached_tokens"}}`.
public struct Usage: Sendable, Equatable, Encodable {
    /// Tokens in the prompt (after templating).
    public var promptTokens: Int
    /// Tokens generated.
    public var completionTokens: Int
    /// Prompt tokens served from a prefix cache rather than computed.
    public var cachedTokens: Int

    /// `prompt_tokens + completion_tokens`.
    public var totalTokens: Int { promptTokens + completionTokens }

    /// Creates a usage record.
    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }

    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }
    private enum DetailKeys: String, CodingKey { case cachedTokens = "cached_tokens" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
        var details = container.nestedContainer(keyedBy: DetailKeys.self, forKey: .promptTokensDetails)
        try details.encode(cachedTokens, forKey: .cachedTokens)
    }
}

/// How the `usage` key appears in a stream chunk, mirroring OpenAI: absent unless the client
/// asked for `stream_options.include_usage`, then `null` on every chunk but the last.
public enum ChunkUsage: Sendable, Equatable {
    /// No `usage` key (the client did not ask for usage).
    case omitted
    /// `"usage": null` (usage was requested; this is not the final chunk).
    case pending
    /// The final usage chunk.
    case final(Usage)

    /// `.pending` when the client asked for usage, else `.omitted`: the value for ordinary chunks.
    public static func forContentChunk(includeUsage: Bool) -> ChunkUsage { includeUsage ? .pending : .omitted }
}

extension KeyedEncodingContainer {
    /// Writes `usage` per `ChunkUsage`'s rules.
    mutating func encode(_ usage: ChunkUsage, forKey key: Key) throws {
        switch usage {
        case .omitted: break
        case .pending: try encodeNil(forKey: key)
        case .final(let value): try encode(value, forKey: key)
        }
    }

    /// Writes a value, or an explicit `null` when it is nil (OpenAI sends `"logprobs": null`).
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
