/// OpenAI's stand-in for a log probability of -infinity, which JSON cannot express.
let minimumLogprob = -9999.0

/// A finite log probability for the wire: -inf and NaN become -9999.0, as OpenAI reports them.
func wireLogprob(_ value: Double) -> Double { value.isFinite ? value : minimumLogprob }

/// Chat log probabilities: `{"content": [TokenLogprob]}`.
public struct ChatLogprobs: Sendable, Equatable, Encodable {
    /// One entry per generated token.
    public var content: [TokenLogprob]

    /// Creates chat logprobs.
    public init(content: [TokenLogprob]) { self.content = content }
}

/// One sampled token with its log probability and the most likely alternatives.
public struct TokenLogprob: Sendable, Equatable, Encodable {
    /// The token as text (may be a partial character; see `bytes`).
    public var token: String
    /// Natural-log probability; -infinity is sent as -9999.0.
    public var logprob: Double
    /// The token's UTF-8 bytes (a token may be part of a multi-byte character); null when unknown.
    public var bytes: [UInt8]?
    /// The most likely tokens at this position, best first.
    public var topLogprobs: [TopLogprob]

    /// Creates a token entry.
    public init(token: String, logprob: Double, bytes: [UInt8]?, topLogprobs: [TopLogprob] = []) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
        self.topLogprobs = topLogprobs
    }

    private enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try container.encode(wireLogprob(logprob), forKey: .logprob)
        try container.encodeOrNull(bytes.map { $0.map(Int.init) }, forKey: .bytes)
        try container.encode(topLogprobs, forKey: .topLogprobs)
    }
}

/// One alternative token at a position.
public struct TopLogprob: Sendable, Equatable, Encodable {
    /// The token as text (may be a partial character; see `bytes`).
    public var token: String
    /// Natural-log probability; -infinity is sent as -9999.0.
    public var logprob: Double
    /// The token's UTF-8 bytes; null when unknown.
    public var bytes: [UInt8]?

    /// Creates an alternative.
    public init(token: String, logprob: Double, bytes: [UInt8]?) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
    }

    private enum CodingKeys: String, CodingKey { case token, logprob, bytes }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try container.encode(wireLogprob(logprob), forKey: .logprob)
        try container.encodeOrNull(bytes.map { $0.map(Int.init) }, forKey: .bytes)
    }
}

/// Legacy completion log probabilities: parallel arrays, one entry per generated token.
public struct CompletionLogprobs: Sendable, Equatable, Encodable {
    /// The generated tokens as text.
    public var tokens: [String]
    /// Log probability of each generated token; -infinity is sent as -9999.0.
    public var tokenLogprobs: [Double]
    /// Per position, alternative token → log probability (at most `logprobs` entries).
    public var topLogprobs: [[String: Double]]
    /// Character offset of each token in the returned text.
    public var textOffset: [Int]

    /// Creates completion logprobs; the arrays must have equal length.
    public init(tokens: [String], tokenLogprobs: [Double], topLogprobs: [[String: Double]], textOffset: [Int]) {
        self.tokens = tokens
        self.tokenLogprobs = tokenLogprobs
        self.topLogprobs = topLogprobs
        self.textOffset = textOffset
    }

    private enum CodingKeys: String, CodingKey {
        case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(tokenLogprobs.map(wireLogprob), forKey: .tokenLogprobs)
        try container.encode(topLogprobs.map { $0.mapValues(wireLogprob) }, forKey: .topLogprobs)
        try container.encode(textOffset, forKey: .textOffset)
    }
}
