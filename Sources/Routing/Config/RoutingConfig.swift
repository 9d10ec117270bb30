import Foundation

/// Everything the routing layer needs to know, as plain values.
///
/// Built by the server from the `routing:` section of its YAML file through
/// `RoutingConfig(dictionary:)`, or directly in code and tests. Defaults are chosen so that an
/// empty configuration routes everything to the edge: `allowCloud` is false and there are no upstreams.
public struct RoutingConfig: Sendable, Equatable {
    /// OpenAI-compatible endpoints requests may be sent to, in order of preference.
    public var upstreams: [UpstreamConfig]
    /// Master switch: when false nothing ever leaves the device.
    public var allowCloud: Bool
    /// Whether requests with detected (not caller-marked) entities may leave the device after redaction.
    public var redaction: RedactionMode
    /// Complexity threshold and feature weights.
    public var complexity: ComplexitySettings
    /// Latency objective applied when a request carries none, in milliseconds; nil means no objective.
    public var defaultLatencySLOMs: Int?
    /// Daily caps on cloud spend and prices per upstream.
    public var budget: BudgetSettings
    /// Extra PII patterns handed to the detectors unchanged.
    public var customPIIPatterns: [CustomPIIPattern]
    /// Where the JSON-lines audit log is appended; nil disables the file log.
    public var auditLogPath: String?

    /// Creates a configuration; every argument has a default that keeps traffic on the edge.
    public init(upstreams: [UpstreamConfig] = [], allowCloud: Bool = false, redaction: RedactionMode = .off,
                complexity: ComplexitySettings = ComplexitySettings(), defaultLatencySLOMs: Int? = nil,
                budget: BudgetSettings = BudgetSettings(), customPIIPatterns: [CustomPIIPattern] = [],
                auditLogPath: String? = nil) {
        self.upstreams = upstreams
        self.allowCloud = allowCloud
        self.redaction = redaction
        self.complexity = complexity
        self.defaultLatencySLOMs = defaultLatencySLOMs
        self.budget = budget
        self.customPIIPatterns = customPIIPatterns
        self.auditLogPath = auditLogPath
    }

    /// The upstream with this name, if configured.
    public func upstream(named name: String) -> UpstreamConfig? {
        upstreams.first { $0.name == name }
    }
}

/// Whether detected entities pin a request to the edge (`off`) or allow it to leave redacted (`on`).
///
/// Only affects entities found by the detectors. A request the caller marks `restricted` never leaves,
/// whatever the mode.
public enum RedactionMode: String, Sendable, Equatable, CaseIterable {
    case off, on
}

/// A named regular expression the PII detectors add to their built-in ones.
public struct CustomPIIPattern: Sendable, Equatable {
    /// Label reported for matches (`DetectedEntity.label`).
    public var name: String
    /// The pattern source, as written in the configuration; compiled by the detectors.
    public var regex: String

    /// Creates a pattern.
    public init(name: String, regex: String) {
        self.name = name
        self.regex = regex
    }
}

/// Daily cloud spending caps. A cap of nil is unlimited; days are UTC days.
public struct BudgetSettings: Sendable, Equatable {
    /// Cap on prompt + completion tokens sent to all upstreams together per UTC day.
    public var dailyCloudTokens: Int?
    /// Cap on estimated cost (in the currency of the prices) per UTC day.
    public var dailyCost: Double?
    /// Price per 1,000 tokens by upstream name; an upstream without an entry costs nothing.
    public var prices: [String: TokenPrice]
    /// Completion length assumed when a request sets no `max_tokens`, for budget estimates.
    public var defaultCompletionTokens: Int
    /// JSON file that keeps the day's spend across restarts; nil keeps it in memory only.
    public var stateFile: String?

    /// Creates budget settings; by default there are no caps.
    public init(dailyCloudTokens: Int? = nil, dailyCost: Double? = nil, prices: [String: TokenPrice] = [:],
                defaultCompletionTokens: Int = 256, stateFile: String? = nil) {
        self.dailyCloudTokens = dailyCloudTokens
        self.dailyCost = dailyCost
        self.prices = prices
        self.defaultCompletionTokens = defaultCompletionTokens
        self.stateFile = stateFile
    }

    /// Estimated cost of a call to `upstream` with the given token counts.
    public func cost(upstream: String, promptTokens: Int, completionTokens: Int) -> Double {
        guard let price = prices[upstream] else { return 0 }
        return Double(promptTokens) / 1000 * price.promptPer1K + Double(completionTokens) / 1000 * price.completionPer1K
    }
}

/// Price of 1,000 prompt and 1,000 completion tokens.
public struct TokenPrice: Sendable, Equatable {
    /// Price per 1,000 prompt (input) tokens.
    public var promptPer1K: Double
    /// Price per 1,000 completion (output) tokens.
    public var completionPer1K: Double

    /// Creates a price.
    public init(promptPer1K: Double, completionPer1K: Double) {
        self.promptPer1K = promptPer1K
        self.completionPer1K = completionPer1K
    }
}
