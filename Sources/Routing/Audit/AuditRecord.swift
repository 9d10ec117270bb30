import Foundation

/// What became of a routed request.
public enum AuditOutcome: String, Sendable, Equatable, CaseIterable {
    /// A target answered.
    case success
    /// Every target in the plan failed.
    case failed
    /// The decision was a rejection.
    case rejected
}

/// One line of the audit log: a decision and its outcome, with no request text and no entity values.
///
/// The fields are built from a `RoutingDecision` (which carries only classes, entity types,
/// scores and names) and from the caller's own figures, so prompt text has no way in.
public struct AuditRecord: Sendable, Equatable {
    /// When the decision was made.
    public var timestamp: Date
    /// The server's request id.
    public var requestID: String
    /// `edge`, `cloud` or `reject`.
    public var target: String
    /// The primary upstream for a cloud decision.
    public var upstream: String?
    /// HTTP status of a rejection.
    public var status: Int?
    /// The decision's reason code.
    public var reason: RoutingReason
    /// Effective data class.
    public var dataClass: DataClass
    /// Detected entity types, sorted.
    public var entityTypes: [String]
    /// Whether the request could never leave the device.
    public var edgeOnly: Bool
    /// Complexity score.
    public var complexityScore: Double
    /// Complexity feature values by name.
    public var complexityFeatures: [String: Double]
    /// Estimated prompt tokens.
    public var estimatedPromptTokens: Int
    /// Whether cloud attempts were to be redacted.
    public var redacted: Bool
    /// How it ended.
    public var outcome: AuditOutcome
    /// Targets actually tried, in order (`edge`, `cloud:<name>`); more than one means fallbacks were used.
    public var attempts: [String]
    /// The target that answered, if any.
    public var servedBy: String?
    /// Time from decision to outcome, in milliseconds.
    public var latencyMs: Double

    /// Builds a record from a decision and what happened next.
    public init(requestID: String, decision: RoutingDecision, timestamp: Date, outcome: AuditOutcome,
                attempts: [RoutingTarget] = [], servedBy: RoutingTarget? = nil, latencyMs: Double) {
        self.timestamp = timestamp
        self.requestID = requestID
        switch decision.target {
        case .edge:
            target = "edge"
        case .cloud(let name):
            target = "cloud"
            upstream = name
        case .reject(let code, _, _):
            target = "reject"
            status = code
        }
        reason = decision.reason
        dataClass = decision.classification.dataClass
        entityTypes = decision.classification.entityTypeNames
        edgeOnly = decision.edgeOnly
        complexityScore = decision.complexity.score
        var features: [String: Double] = [:]
        for feature in decision.complexity.features { features[feature.kind.rawValue] = feature.value }
        complexityFeatures = features
        estimatedPromptTokens = decision.estimatedPromptTokens
        redacted = decision.redact
        self.outcome = outcome
        self.attempts = attempts.map(\.description)
        self.servedBy = servedBy?.description
        self.latencyMs = latencyMs
    }

    /// Fallbacks used: attempts beyond the first.
    public var fallbacksUsed: Int { max(0, attempts.count - 1) }

    /// The record as one line of JSON (no trailing newline), keys sorted.
    public func jsonLine() -> String {
        var object: [String: Any] = [
            "ts": Self.iso8601(timestamp), "request_id": requestID, "target": target, "reason": reason.rawValue,
            "data_class": dataClass.rawValue, "entity_types": entityTypes, "edge_only": edgeOnly,
            "complexity_score": Self.rounded(complexityScore),
            "complexity_features": complexityFeatures.mapValues(Self.rounded),
            "estimated_prompt_tokens": estimatedPromptTokens, "redacted": redacted, "outcome": outcome.rawValue,
            "attempts": attempts, "fallbacks": fallbacksUsed, "latency_ms": Self.rounded(latencyMs),
        ]
        if let upstream { object["upstream"] = upstream }
        if let status { object["status"] = status }
        if let servedBy { object["served_by"] = servedBy }
        // Every value above is a string, number, bool or array/dictionary of them, so this cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// `2025-11-30T12:34:56.789Z`.
    static func iso8601(_ date: Date) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let (year, month, day) = UTCDay.civil(fromDays: days)
        let inDay = millis - days * 86_400_000
        func pad(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(inDay / 3_600_000, 2)):"
            + "\(pad(inDay / 60_000 % 60, 2)):\(pad(inDay / 1000 % 60, 2)).\(pad(inDay % 1000, 3))Z"
    }
}
