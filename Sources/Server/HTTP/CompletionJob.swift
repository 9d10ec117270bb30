import Foundation
import Inference
import OpenAIAPI

/// A validated completion request, turned into tokens and sampler settings for one model.
struct CompletionJob: Sendable {
    enum Kind: Sendable { case chat, text }
    /// How log-probabilities are reported: chat's `logprobs.content`, or the legacy parallel arrays.
    enum Logprobs: Sendable, Equatable { case none, chat(top: Int), legacy(top: Int) }

    let kind: Kind
    let served: ServedModel
    let sequence: SequenceRequest
    let stream: Bool
    let includeUsage: Bool
    let logprobs: Logprobs
    let id: String
    let created: Int

    var endpoint: String { kind == .chat ? "/v1/chat/completions" : "/v1/completions" }

    /// Parses and checks a chat request against the models in `host`.
    static func chat(body: Data, host: ModelHost) throws(APIError) -> CompletionJob {
        try chat(try ChatCompletionRequest(body: body), host: host)
    }

    /// Checks a parsed chat request against the models in `host` and tokenizes it.
    static func chat(_ r: ChatCompletionRequest, host: ModelHost) throws(APIError) -> CompletionJob {
        let served = try model(r.model, host)
        let grammar = try checkFormat(r.responseFormat)
        let messages = r.messages.map { Inference.ChatMessage(role: $0.role.rawValue, content: $0.content.text) }
        let prompt: [TokenID]
        do { prompt = try served.engine.chatTokens(messages) } catch {
            throw APIError.invalidValue("messages", "the model's chat template cannot render these messages: \(error.description)")
        }
        let logprobs: Logprobs = r.logprobs ? .chat(top: r.topLogprobs ?? 0) : .none
        return try make(.chat, served, prompt, r.parameters, stream: r.stream,
                        includeUsage: r.streamOptions?.includeUsage ?? false, logprobs: logprobs,
                        id: ResponseID.chatCompletion(), grammar: grammar)
    }

    /// Parses and checks a legacy completion request.
    static func text(body: Data, host: ModelHost) throws(APIError) -> CompletionJob {
        try text(try CompletionRequest(body: body), host: host)
    }

    /// Checks a parsed completion request against the models in `host` and tokenizes it.
    static func text(_ r: CompletionRequest, host: ModelHost) throws(APIError) -> CompletionJob {
        let served = try model(r.model, host)
        let grammar = try checkFormat(r.responseFormat)
        guard !r.prompt.isEmpty else { throw APIError.invalidValue("prompt", "the prompt is empty") }
        let prompt = served.engine.promptTokens(r.prompt)
        guard !prompt.isEmpty else { throw APIError.invalidValue("prompt", "the prompt has no tokens") }
        let logprobs: Logprobs = r.logprobs.map { .legacy(top: $0) } ?? .none
        return try make(.text, served, prompt, r.parameters, stream: r.stream,
                        includeUsage: r.streamOptions?.includeUsage ?? false, logprobs: logprobs,
                        id: ResponseID.completion(), grammar: grammar)
    }

    private static func model(_ name: String, _ host: ModelHost) throws(APIError) -> ServedModel {
        guard let served = host.model(named: name) else { throw APIError.unknownModel(name) }
        return served
    }

    private static func checkFormat(_ format: ResponseFormat?) throws(APIError) -> Grammar? {
        try StructuredOutput.grammar(for: format)
    }

    private static func make(_ kind: Kind, _ served: ServedModel, _ prompt: [TokenID], _ p: GenerationParameters,
                             stream: Bool, includeUsage: Bool, logprobs: Logprobs, id: String,
                             grammar: Grammar?) throws(APIError) -> CompletionJob {
        let context = served.scheduler.config.contextSize
        // Never truncated: a prompt that leaves no room to generate is refused.
        guard prompt.count < context else {
            throw APIError.contextLengthExceeded(needed: prompt.count + (p.maxTokens ?? 1), limit: context,
                                                 param: kind == .chat ? "messages" : "prompt")
        }
        let maxTokens = p.maxTokens ?? (context - prompt.count)
        guard prompt.count + maxTokens <= context else {
            throw APIError.contextLengthExceeded(needed: prompt.count + maxTokens, limit: context, param: "max_tokens")
        }
        // OpenAI's defaults: temperature 1, top_p 1, no other filter. Penalties look at the last 64 tokens
        // (llama.cpp's window), prompt included.
        let sampler = SamplerConfig(temperature: Float(p.temperature ?? 1), topK: 0, topP: Float(p.topP ?? 1), minP: 0,
                                    repetitionPenalty: 1, presencePenalty: Float(p.presencePenalty ?? 0),
                                    frequencyPenalty: Float(p.frequencyPenalty ?? 0), penaltyLastN: 64,
                                    seed: p.seed.map { UInt64(bitPattern: $0) })
        let top: Int?
        switch logprobs {
        case .none: top = nil
        case .chat(let k), .legacy(let k): top = k
        }
        let sequence = SequenceRequest(prompt: prompt, maxTokens: maxTokens, sampler: sampler, stop: p.stop, topLogprobs: top,
                                       grammar: grammar)
        return CompletionJob(kind: kind, served: served, sequence: sequence, stream: stream, includeUsage: includeUsage,
                             logprobs: logprobs, id: id, created: Int(Date().timeIntervalSince1970))
    }

    /// Submits to the model's scheduler; refusals become API errors at once.
    func submit() throws(APIError) -> SequenceHandle {
        do {
            return try served.scheduler.submit(sequence)
        } catch {
            throw Self.apiError(error)
        }
    }

    static func apiError(_ e: SchedulerError) -> APIError {
        switch e {
        case .overloaded(let s): return APIError.overloaded(retryAfterSeconds: s)
        case .contextExceeded(let p, let r, let c): return APIError.contextLengthExceeded(needed: p + r, limit: c, param: "max_tokens")
        case .shuttingDown: return APIError.unavailable("the server is shutting down")
        case .invalidRequest(let m): return APIError(status: 400, message: m, type: APIError.invalidRequestType, code: "invalid_value")
        case .model(let m): return APIError.internal(m)
        }
    }

    // MARK: - Rendering

    var tokenizer: Tokenizer { served.engine.tokenizer }

    func chatLogprob(_ t: SampledToken) -> TokenLogprob {
        TokenLogprob(token: tokenizer.decode([t.id]), logprob: Double(t.logprob ?? -.infinity),
                     bytes: tokenizer.tokenBytes(t.id),
                     topLogprobs: t.top.map { TopLogprob(token: tokenizer.decode([$0.id]), logprob: Double($0.logprob),
                                                         bytes: tokenizer.tokenBytes($0.id)) })
    }

    /// The legacy completions shape of a token's alternatives: token text → log-probability.
    func legacyTop(_ e: TokenLogprob) -> [String: Double] {
        Dictionary(e.topLogprobs.map { ($0.token, $0.logprob) }, uniquingKeysWith: max)
    }

    func finishReason(_ f: SequenceFinish) -> OpenAIAPI.FinishReason {
        f == .length ? .length : .stop
    }

    func usage(_ s: SequenceSummary) -> Usage {
        Usage(promptTokens: s.promptTokens, completionTokens: s.completionTokens, cachedTokens: s.cachedTokens)
    }
}
