import Foundation
import OpenAIAPI

/// What the policy needs to know about one request; never kept beyond the decision.
public struct RoutingRequest: Sendable, Equatable {
    /// The request's text: chat message contents in order, or a completion prompt.
    public enum Input: Sendable, Equatable {
        case messages([String])
        case prompt(String)

        /// The texts to scan.
        public var texts: [String] {
            switch self {
            case .messages(let texts): return texts
            case .prompt(let prompt): return [prompt]
            }
        }
    }

    /// The requested (local) model name.
    public var model: String
    /// The request's text.
    public var input: Input
    /// `max_tokens` (or `max_completion_tokens`) when set.
    public var maxTokens: Int?
    /// The data class the caller asked for (header or metadata), if any.
    public var callerDataClass: DataClass?
    /// The caller's latency objective in milliseconds, overriding the configured default.
    public var latencySLOMs: Int?
    /// Whether the response is streamed. No rule routes on it; it travels with the request so the
    /// executor can pick a streaming or buffered call to the chosen target.
    public var stream: Bool

    /// Creates a request description.
    public init(model: String, input: Input, maxTokens: Int? = nil, callerDataClass: DataClass? = nil,
                latencySLOMs: Int? = nil, stream: Bool = false) {
        self.model = model
        self.input = input
        self.maxTokens = maxTokens
        self.callerDataClass = callerDataClass
        self.latencySLOMs = latencySLOMs
        self.stream = stream
    }

    /// Describes a chat completion request; `headers` holds the routing headers' raw values.
    public init(_ request: ChatCompletionRequest, headers: RoutingHeaders = RoutingHeaders()) throws(RoutingRequestError) {
        self.init(model: request.model, input: .messages(request.messages.map(\.content.text)),
                  maxTokens: request.parameters.maxTokens, stream: request.stream)
        try applyCallerHints(headers: headers, metadata: request.metadata)
    }

    /// Describes a text completion request; `headers` holds the routing headers' raw values.
    public init(_ request: CompletionRequest, headers: RoutingHeaders = RoutingHeaders()) throws(RoutingRequestError) {
        self.init(model: request.model, input: .prompt(request.prompt), maxTokens: request.parameters.maxTokens,
                  stream: request.stream)
        try applyCallerHints(headers: headers, metadata: request.metadata)
    }

    /// Caller data class: the more restrictive of the header and the `data_class` metadata entry,
    /// so neither channel can lower what the other asked for.
    private mutating func applyCallerHints(headers: RoutingHeaders, metadata: [String: String]?) throws(RoutingRequestError) {
        var classes: [DataClass] = []
        if let value = headers.dataClass { classes.append(try Self.dataClass(value, source: RoutingHeaders.dataClassName)) }
        if let value = metadata?[RoutingHeaders.dataClassMetadataKey] {
            classes.append(try Self.dataClass(value, source: "metadata.\(RoutingHeaders.dataClassMetadataKey)"))
        }
        callerDataClass = classes.max()
        if let value = headers.latencySLO {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard let ms = Int(trimmed), ms > 0 else {
                throw RoutingRequestError(source: RoutingHeaders.latencySLOName, value: value,
                                          expected: "a positive whole number of milliseconds")
            }
            latencySLOMs = ms
        }
    }

    /// An unknown class is an error, not ignored: a caller who wrote `restricted` with a typo meant to restrict.
    private static func dataClass(_ value: String, source: String) throws(RoutingRequestError) -> DataClass {
        let normalized = value.trimmingCharacters(in: .whitespaces).lowercased()
        guard let dataClass = DataClass(rawValue: normalized) else {
            throw RoutingRequestError(source: source, value: value, expected: "'public', 'internal' or 'restricted'")
        }
        return dataClass
    }
}

/// Raw values of the routing headers, as received (nil when absent).
public struct RoutingHeaders: Sendable, Equatable {
    /// Header carrying the caller's data class.
    public static let dataClassName = "x-outpost-data-class"
    /// Header carrying the caller's latency objective in milliseconds.
    public static let latencySLOName = "x-outpost-latency-slo-ms"
    /// Request metadata key carrying the caller's data class.
    public static let dataClassMetadataKey = "data_class"

    /// Value of `x-outpost-data-class`.
    public var dataClass: String?
    /// Value of `x-outpost-latency-slo-ms`.
    public var latencySLO: String?

    /// Creates header values.
    public init(dataClass: String? = nil, latencySLO: String? = nil) {
        self.dataClass = dataClass
        self.latencySLO = latencySLO
    }
}

/// A routing header or metadata value that could not be understood; maps to a 400.
public struct RoutingRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Header name or `metadata.<key>`.
    public let source: String
    /// The value received.
    public let value: String
    /// What was expected.
    public let expected: String

    /// Creates an error.
    public init(source: String, value: String, expected: String) {
        self.source = source
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(source): expected \(expected), but got '\(value)'." }

    /// The error in the API's envelope (400 `invalid_value`).
    public var apiError: APIError { .invalidValue(source, "expected \(expected), but got '\(value)'.") }
}
