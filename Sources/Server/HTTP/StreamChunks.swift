import Foundation
import OpenAIAPI

/// The JSON of each streamed chunk, in the shape of the job's endpoint.
extension CompletionJob {
    private var chunkUsage: ChunkUsage { .forContentChunk(includeUsage: includeUsage) }

    /// Chat only: the opening chunk (`role: assistant`).
    func chatChunk(delta: ChatCompletionChunk.Delta) throws(APIError) -> Data {
        try APIJSON.encode(ChatCompletionChunk(id: id, created: created, model: served.name,
                                               choices: [.init(delta: delta)], usage: chunkUsage))
    }

    /// Text that became final, with the token that produced it when log-probabilities were asked for.
    func contentChunk(_ text: String, token: SampledToken?, textOffset: Int) throws(APIError) -> Data {
        switch kind {
        case .chat:
            let lp: ChatLogprobs? = {
                guard case .chat = logprobs, let token else { return nil }
                return ChatLogprobs(content: [chatLogprob(token)])
            }()
            return try APIJSON.encode(ChatCompletionChunk(id: id, created: created, model: served.name,
                                                          choices: [.init(delta: .init(content: text), logprobs: lp)],
                                                          usage: chunkUsage))
        case .text:
            let lp: CompletionLogprobs? = {
                guard case .legacy = logprobs, let token else { return nil }
                let e = chatLogprob(token)
                return CompletionLogprobs(tokens: [e.token], tokenLogprobs: [e.logprob],
                                          topLogprobs: [legacyTop(e)],
                                          textOffset: [textOffset])
            }()
            return try APIJSON.encode(CompletionChunk(id: id, created: created, model: served.name,
                                                      choices: [.init(text: text, logprobs: lp)], usage: chunkUsage))
        }
    }

    /// The chunk that carries the finish reason.
    func finalChunk(_ reason: OpenAIAPI.FinishReason) throws(APIError) -> Data {
        switch kind {
        case .chat:
            return try APIJSON.encode(ChatCompletionChunk(id: id, created: created, model: served.name,
                                                          choices: [.init(delta: .init(), finishReason: reason)], usage: chunkUsage))
        case .text:
            return try APIJSON.encode(CompletionChunk(id: id, created: created, model: served.name,
                                                      choices: [.init(text: "", finishReason: reason)], usage: chunkUsage))
        }
    }

    /// The last chunk when `stream_options.include_usage` is set: no choices, only usage.
    func usageChunk(_ s: SequenceSummary) throws(APIError) -> Data {
        switch kind {
        case .chat: return try APIJSON.encode(ChatCompletionChunk.usageChunk(id: id, created: created, model: served.name, usage: usage(s)))
        case .text: return try APIJSON.encode(CompletionChunk.usageChunk(id: id, created: created, model: served.name, usage: usage(s)))
        }
    }
}
