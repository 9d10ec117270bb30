/// Per-token cloud pricing against an amortized device, per 30-day month.
public struct Economics: Sendable, Codable, Equatable {
    public var tokensPerDay: Double
    public var cloudPricePer1K: Double
    public var deviceCost: Double
    public var amortizeMonths: Int

    /// tokens/day × 30 / 1000 × price.
    public var cloudMonthly: Double { tokensPerDay * 30 / 1000 * cloudPricePer1K }
    /// device cost / months.
    public var deviceMonthly: Double { deviceCost / Double(amortizeMonths) }
    /// Daily volume at which both cost the same: device monthly / (30 × price / 1000).
    public var crossoverTokensPerDay: Double { deviceMonthly / (30 * cloudPricePer1K / 1000) }
    /// The cheaper side at this volume (the device on a tie).
    public var cheaper: Placement { cloudMonthly >= deviceMonthly ? .edge : .cloud }

    public init(tokensPerDay: Double, cloudPricePer1K: Double, deviceCost: Double, amortizeMonths: Int) throws(PlanError) {
        guard tokensPerDay.isFinite, tokensPerDay >= 0 else { throw .invalid("--tokens-per-day must be a number of at least 0") }
        guard cloudPricePer1K.isFinite, cloudPricePer1K > 0 else { throw .invalid("--cloud-price-per-1k must be greater than 0") }
        guard deviceCost.isFinite, deviceCost >= 0 else { throw .invalid("--device-cost must be a number of at least 0") }
        guard amortizeMonths >= 1, amortizeMonths <= 600 else { throw .invalid("--amortize-months must be between 1 and 600") }
        self.tokensPerDay = tokensPerDay
        self.cloudPricePer1K = cloudPricePer1K
        self.deviceCost = deviceCost
        self.amortizeMonths = amortizeMonths
    }

    /// The arithmetic, one line per figure.
    public var arithmetic: [String] {
        [
            "cloud:  \(Self.number(tokensPerDay)) tokens/day × 30 / 1000 × \(Self.number(cloudPricePer1K)) = \(Self.money(cloudMonthly)) per month",
            "device: \(Self.number(deviceCost)) / \(amortizeMonths) months = \(Self.money(deviceMonthly)) per month",
            "crossover: \(Self.money(deviceMonthly)) / (30 × \(Self.number(cloudPricePer1K)) / 1000) = \(Self.number(crossoverTokensPerDay.rounded())) tokens/day",
        ]
    }

    static func money(_ x: Double) -> String { fixed(x, 2) }

    /// Integers without decimals, others with up to 6 significant decimals.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        var s = fixed(x, 6)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    /// `x` with `digits` decimals, without Foundation.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        let whole = Int(scaled / scale)
        var fraction = String(Int(scaled - Double(whole) * scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return (x < 0 && scaled > 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fraction : "")
    }
}
