import Foundation

/// A validated `POST /v1/chat/completions` body.
///
/// Parsing is strict: every top-level key other than the supported ones is rejected with
/// `unsupported_parameter` naming it, so a client never gets silently different behaviour.
public struct ChatCompletionRequest: Sendable, Equatable {
    /// The requested model name (non-empty).
    public var model: String
    /// The conversation; never empty.
    public var messages: [ChatMessage]
    /// Sampling and stopping parameters.
    public var parameters: GenerationParameters
    /// Return log probabilities of the sampled tokens.
    public var logprobs: Bool
    /// Number of alternatives per position (0...20); only present when `logprobs` is true.
    public var topLogprobs: Int?
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

    static let keys = CommonFields.keys.union(["messages", "top_logprobs"])

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
        messages = try Self.messages(try reader.required("messages"))
        logprobs = try reader.bool("logprobs") ?? false
        if let top = try reader.integer("top_logprobs", in: 0...20) {
            guard logprobs else { throw APIError.invalidValue("top_logprobs", "requires 'logprobs' to be true.") }
            topLogprobs = Int(top)
        }
    }

    private static func messages(_ value: JSONValue) throws(APIError) -> [ChatMessage] {
        guard case .array(let elements) = value else {
            throw APIError.invalidType("messages", expected: "an array of messages", actual: value.typeName)
        }
        guard !elements.isEmpty else { throw APIError.invalidValue("messages", "must contain at least one message.") }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            messages.append(try message(element, path: "messages[\(index)]"))
        }
        return messages
    }

    private static func message(_ value: JSONValue, path: String) throws(APIError) -> ChatMessage {
        guard case .object(let object) = value else {
            throw APIError.invalidType(path, expected: "an object", actual: value.typeName)
        }
        let reader = ParamReader(object, path: path)
        try reader.rejectUnknownKeys(allowing: ["role", "content", "name"])
        let roleName = try ParamReader.string(try reader.required("role"), param: reader.name("role"))
        guard let role = ChatMessage.Role(rawValue: roleName) else {
            let known = ChatMessage.Role.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            let hint = roleName == "tool" || roleName == "function" ? " Tool calling is not supported." : ""
            throw APIError.invalidValue(reader.name("role"), "expected one of \(known), but got '\(roleName)'.\(hint)")
        }
        let content = try self.content(try reader.required("content"), path: reader.name("content"))
        return ChatMessage(role: role, content: content, name: try reader.string("name"))
    }

    /// A string, or a non-empty array of `{"type":"text","text":...}` parts.
    private static func content(_ value: JSONValue, path: String) throws(APIError) -> ChatMessage.Content {
        switch value {
        case .string(let text):
            return .text(text)
        case .array(let parts):
            guard !parts.isEmpty else { throw APIError.invalidValue(path, "must contain at least one content part.") }
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                texts.append(try textPart(part, path: "\(path)[\(index)]"))
            }
            return .parts(texts)
        default:
            throw APIError.invalidType(path, expected: "a string or an array of content parts", actual: value.typeName)
        }
    }

    private static func textPart(_ value: JSONValue, path: String) throws(APIError) -> String {
        guard case .object(let object) = value else {
            throw APIError.invalidType(path, expected: "an object", actual: value.typeName)
        }
        let reader = ParamReader(object, path: path)
        let type = try ParamReader.string(try reader.required("type"), param: reader.name("type"))
        guard type == "text" else {
            throw APIError.invalidValue(reader.name("type"), "only 'text' content parts are supported, but got '\(type)'.")
        }
        try reader.rejectUnknownKeys(allowing: ["type", "text"])
        return try ParamReader.string(try reader.required("text"), param: reader.name("text"))
    }
}
