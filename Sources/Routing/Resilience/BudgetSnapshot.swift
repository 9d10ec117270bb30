/// Today's cloud spend against the daily caps, for decisions and metrics.
public struct BudgetSnapshot: Sendable, Equatable {
    /// The UTC day the figures belong to, `yyyy-MM-dd`.
    public var day: String
    /// Prompt + completion tokens sent to all upstreams today.
    public var tokensUsed: Int
    /// Estimated cost of today's cloud calls.
    public var costUsed: Double
    /// Daily token cap, nil for none.
    public var tokenCap: Int?
    /// Daily cost cap, nil for none.
    public var costCap: Double?
    /// Spend per upstream.
    public var byUpstream: [String: UpstreamSpend]

    /// Creates a snapshot.
    public init(day: String, tokensUsed: Int = 0, costUsed: Double = 0, tokenCap: Int? = nil, costCap: Double? = nil,
                byUpstream: [String: UpstreamSpend] = [:]) {
        self.day = day
        self.tokensUsed = tokensUsed
        self.costUsed = costUsed
        self.tokenCap = tokenCap
        self.costCap = costCap
        self.byUpstream = byUpstream
    }

    /// No spend and no caps: every request fits.
    public static func unlimited(day: String = "1970-01-01") -> BudgetSnapshot { BudgetSnapshot(day: day) }

    /// Whether a call of `tokens` tokens costing `cost` fits: no cap is reached yet, and the call
    /// would not take the spend past any cap. A cap of 0 therefore forbids all cloud calls.
    public func allows(tokens: Int, cost: Double) -> Bool {
        if let cap = tokenCap, tokensUsed >= cap || tokensUsed + tokens > cap { return false }
        if let cap = costCap, costUsed >= cap || costUsed + cost > cap { return false }
        return true
    }

    /// Whether a cap has been reached.
    public var isExhausted: Bool {
        if let cap = tokenCap, tokensUsed >= cap { return true }
        if let cap = costCap, costUsed >= cap { return true }
        return false
    }
}

/// What one upstream consumed today.
public struct UpstreamSpend: Sendable, Equatable, Codable {
    /// Prompt tokens sent.
    public var promptTokens: Int
    /// Completion tokens received.
    public var completionTokens: Int
    /// Estimated cost.
    public var cost: Double

    /// Creates a spend record.
    public init(promptTokens: Int = 0, completionTokens: Int = 0, cost: Double = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cost = cost
    }

    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", cost
    }
}

/// UTC calendar days without a `Calendar`: days since 1970-01-01 and their `yyyy-MM-dd` names.
enum UTCDay {
    /// `yyyy-MM-dd` of the UTC day holding `seconds` since 1970.
    static func key(secondsSince1970 seconds: Double) -> String {
        let days = Int((seconds / 86_400).rounded(.down))
        let (year, month, day) = civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// Howard Hinnant's `civil_from_days`: proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
