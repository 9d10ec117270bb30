import Foundation

/// A validated `POST /v1/completions` (legacy text completion) body.
///
/// Parsing is strict like `ChatCompletionRequest`. Only a single string prompt is supported:
/// token-id prompts and batches of prompts are rejected (param `prompt`).
public struct CompletionRequest: Sendable, Equatable {
    /// The requested model name (non-empty).
    public var model: String
    /// The text to continue.
    public var prompt: String
    /// Sampling and stopping parameters.
    public var parameters: GenerationParameters
    /// Number of top alternatives to return per token (0...5), or nil for no log probabilities;
    /// 0 returns the sampled token's log probability only.
    public var logprobs: Int?
    /// Send the response as server-sent events.
    public var stream: Bool
    /// Present only when `stream` is true.
    public var streamOptions: StreamOptions?
    /// End-user identifier, for the server's logs.
    public var user: String?
    /// Requested output format; the server currently generates `.text` only.
    public var responseFormat: ResponseFormat?
    /// Client-supplied string pairs, for later routing decisions.
    public var metadata: [String: String]?

    static let keys = CommonFields.keys.union(["prompt"])

    /// Parses and validates the raw HTTP body.
    public init(body: Data) throws(APIError) {
        try self.init(bodyBytes: Array(body))
    }

    /// Parses and validates the raw HTTP body bytes.
    public init(bodyBytes: [UInt8]) throws(APIError) {
        let reader = try ParamReader.topLevel(bodyBytes)
        try reader.rejectUnknownKeys(allowing: Self.keys)
        let common = try CommonFields(reader)
        model = common.model
        parameters = common.parameters
        stream = common.stream
        streamOptions = common.streamOptions
        user = common.user
        responseFormat = common.responseFormat
        metadata = common.metadata
        prompt = try Self.prompt(try reader.required("prompt"))
        logprobs = try reader.integer("logprobs", in: 0...5).map { Int($0) }
    }

    /// A string, or an array holding exactly one string.
    private static func prompt(_ value: JSONValue) throws(APIError) -> String {
        switch value {
        case .string(let text):
            return text
        case .array(let elements):
            if elements.count == 1, case .string(let text) = elements[0] { return text }
            if elements.contains(where: { if case .number = $0 { return true } else { return false } })
                || elements.contains(where: { if case .array = $0 { return true } else { return false } }) {
                throw APIError.invalidValue("prompt", "token-id prompts are not supported; send the prompt as a string.")
            }
            if elements.count != 1 {
                throw APIError.invalidValue("prompt", "exactly one prompt is supported, but got \(elements.count).")
            }
            throw APIError.invalidType("prompt[0]", expected: "a string", actual: elements[0].typeName)
        default:
            throw APIError.invalidType("prompt", expected: "a string", actual: value.typeName)
        }
    }
}
