import Foundation
import Inference

/// One generation the scheduler runs: tokens in, sampled tokens out.
public struct SequenceRequest: Sendable {
    public var prompt: [TokenID]
    /// Most tokens to generate; generation also ends at the context's end (`length`).
    public var maxTokens: Int
    public var sampler: SamplerConfig
    /// Generation ends before the first occurrence of any of these strings (which is not returned).
    public var stop: [String]
    /// `nil`: no log-probabilities; `k`: the sampled token's and the `k` most likely alternatives'.
    public var topLogprobs: Int?
    /// Structured output: the generated text must be a sentence of this grammar (`response_format`).
    public var grammar: Grammar?

    public init(prompt: [TokenID], maxTokens: Int, sampler: SamplerConfig = .greedy, stop: [String] = [],
                topLogprobs: Int? = nil, grammar: Grammar? = nil) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.sampler = sampler
        self.stop = stop
        self.topLogprobs = topLogprobs
        self.grammar = grammar
    }
}

/// A generated token with what the client may ask to see about it.
public struct SampledToken: Sendable {
    public let id: TokenID
    /// log-probability under the model's raw distribution (before the sampler's filters); nil unless asked.
    public let logprob: Float?
    /// The most likely alternatives, most likely first; empty unless asked.
    public let top: [(id: TokenID, logprob: Float)]
}

/// Why a sequence ended.
public enum SequenceFinish: String, Sendable {
    /// An end-of-generation token or a stop string.
    case stop
    /// `maxTokens` or the end of the context.
    case length
    /// The client went away or the server is shutting down.
    case cancelled
    /// The model failed mid-run; `SequenceSummary.error` says how.
    case failed
}

/// A submitted sequence: its id (for `BatchScheduler.cancel`) and its events.
public struct SequenceHandle: Sendable {
    public let id: UInt64
    public let events: AsyncStream<SequenceEvent>
}

/// How one sequence went, delivered with its last event.
public struct SequenceSummary: Sendable {
    public var finish: SequenceFinish
    /// Text held back until the end (an incomplete stop-string candidate, trailing bytes).
    public var trailingText: String
    public var promptTokens: Int
    /// Prompt tokens whose keys and values came from the prefix cache instead of being computed.
    public var cachedTokens: Int
    public var completionTokens: Int
    /// Seconds from submission until a slot took the sequence.
    public var queueSeconds: Double
    /// Seconds from submission until the first token was sampled (0 if none was).
    public var timeToFirstToken: Double
    /// Seconds from submission until the end.
    public var totalSeconds: Double
    /// Why the sequence failed, for `failed`.
    public var error: String? = nil
}

/// What a sequence's event stream delivers, in order: `admitted`, then `token`s, then `finished`.
public enum SequenceEvent: Sendable {
    /// A slot took the sequence; `cachedTokens` of the prompt are reused from the prefix cache.
    case admitted(promptTokens: Int, cachedTokens: Int)
    /// One generated token and the text that became final with it (often the token's own text; empty
    /// while a UTF-8 character or a possible stop string is incomplete).
    case token(SampledToken, text: String)
    case finished(SequenceSummary)
}

/// Why the scheduler refused or failed a sequence. Each maps to one HTTP answer.
public enum SchedulerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The queue is full; try again after about this many seconds.
    case overloaded(retryAfterSeconds: Int)
    /// The prompt plus the requested tokens do not fit the context of a sequence.
    case contextExceeded(promptTokens: Int, requested: Int, context: Int)
    /// The server is shutting down and takes no new work.
    case shuttingDown
    case invalidRequest(String)
    /// The model failed mid-run (the sequence's output so far stays valid).
    case model(String)

    public var description: String {
        switch self {
        case .overloaded(let s): return "the server is at capacity; retry after \(s) s"
        case .contextExceeded(let p, let r, let c):
            return "this model's context holds \(c) tokens, but \(p + r) were requested (\(p) in the prompt, \(r) for the completion); shorten the prompt or lower max_tokens"
        case .shuttingDown: return "the server is shutting down"
        case .invalidRequest(let m): return m
        case .model(let m): return "the model failed: \(m)"
        }
    }
}

/// Settings of one model's scheduler.
public struct SchedulerConfig: Sendable, Equatable {
    /// Sequences that share every forward pass (slots, each with its own KV cache).
    public var parallel: Int
    /// Positions of each slot's KV cache: the longest prompt + completion a sequence may have.
    public var contextSize: Int
    /// Requests that may wait for a slot; beyond this, submissions are refused with `overloaded`.
    public var maxQueue: Int
    /// Most prompt tokens prefilled in one pass while other sequences are decoding (bounds the pause
    /// their streams see); with nothing decoding a prompt goes in passes of the model's `maxBatch`.
    public var prefillChunk: Int
    /// Reuse cached keys and values of earlier prompts that share a prefix.
    public var prefixCache: Bool
    /// Prompt-lookup speculation: each decoding sequence's segment carries up to `draftMax` drafted
    /// tokens, verified in the same pass (nil: one token per sequence per pass).
    public var speculation: PromptLookupSettings?

    public init(parallel: Int = 4, contextSize: Int = 4096, maxQueue: Int = 32, prefillChunk: Int = 128,
                prefixCache: Bool = true, speculation: PromptLookupSettings? = nil) {
        self.speculation = speculation
        self.parallel = max(1, parallel)
        self.contextSize = max(2, contextSize)
        self.maxQueue = max(0, maxQueue)
        self.prefillChunk = max(1, prefillChunk)
        self.prefixCache = prefixCache
    }
}

/// A point-in-time view of a scheduler, for metrics and health.
public struct SchedulerSnapshot: Sendable {
    public var queued: Int
    public var active: Int
    public var slots: Int
    /// KV positions held by running sequences and by idle slots kept as prefix cache.
    public var kvActiveTokens: Int
    public var kvCachedTokens: Int
    public var kvCapacityTokens: Int
    /// Totals since start.
    public var prefixHitTokens: Int
    public var promptTokensComputed: Int
    public var generatedTokens: Int
    public var forwardPasses: Int
    public var rejectedOverloaded: Int
    /// Prompt-lookup speculation totals: tokens drafted into passes, and those the target accepted.
    public var speculativeDrafted = 0
    public var speculativeAccepted = 0
}

/// The server's prompt-lookup speculation settings.
public struct PromptLookupSettings: Sendable, Equatable {
    public var draftMax: Int
    public var ngramMax: Int

    public init(draftMax: Int = 8, ngramMax: Int = 8) {
        self.draftMax = min(64, max(1, draftMax))
        self.ngramMax = min(16, max(1, ngramMax))
    }
}
