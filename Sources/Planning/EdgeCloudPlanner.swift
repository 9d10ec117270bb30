/// The outcome of `EdgeCloudPlanner.plan`.
public struct Plan: Sendable, Codable {
    public var recommendation: Placement
    /// Why, one sentence per factor, in the order they were weighed.
    public var reasons: [String]
    /// What the latency SLO alone asks for (nil without an SLO).
    public var latencyVerdict: Placement?
    public var economics: Economics?
    /// The local variant the device should run, if one fits.
    public var variant: LocalVariant?
    /// Whether the chosen variant is large enough for the task (nil when unknown).
    public var capable: Bool?
    /// A `serve --config` file whose `routing:` section implements the recommendation.
    public var routerConfig: String
}

/// The edge-vs-cloud decision framework. Factors, in order of precedence:
///
/// 1. **Data class**: restricted data stays on the device or on premises, whatever else holds.
/// 2. **Device fit**: a variant fits when its memory at the planned context is at most
///    `ramHeadroom` of the device's RAM; the largest fitting model (then the most precise) is chosen.
///    Without one, only the cloud can serve.
/// 3. **Latency**: an SLO under 150 ms needs the edge (a cloud round trip alone takes about that);
///    150–500 ms suits a hybrid (local first, escalation when the router allows); above 500 ms the cloud
///    is viable.
/// 4. **Capability**: a task needing a larger model than fits (`TaskKind.minimumParameters`) goes to the
///    cloud, or hybrid when latency needs the edge for the simple requests.
/// 5. **Volume economics**: with the latency allowing either, the side that is cheaper per month at the
///    stated volume (see `Economics`); without the figures, hybrid.
public enum EdgeCloudPlanner {
    /// Share of the device's RAM a model may use; the rest stays for the OS and the application.
    public static let ramHeadroom = 0.8
    public static let edgeLatencyLimitMs = 150.0
    public static let hybridLatencyLimitMs = 500.0

    public static func latencyVerdict(_ ms: Double) -> Placement {
        ms < edgeLatencyLimitMs ? .edge : ms <= hybridLatencyLimitMs ? .hybrid : .cloud
    }

    /// The best variant within `ramHeadroom` of `ramBytes` (all fit when the RAM is unknown).
    public static func bestFit(_ variants: [LocalVariant], ramBytes: Int?) -> LocalVariant? {
        let limit = ramBytes.map { Double($0) * ramHeadroom } ?? .infinity
        return variants.filter { Double($0.memoryBytes) <= limit }
            .max { ($0.parameterCount, $0.memoryBytes) < ($1.parameterCount, $1.memoryBytes) }
    }

    public static func plan(_ input: PlanInput) throws(PlanError) -> Plan {
        try validate(input)
        var economics: Economics?
        if let tpd = input.tokensPerDay, let price = input.cloudPricePer1K, let cost = input.deviceCost {
            economics = try Economics(tokensPerDay: tpd, cloudPricePer1K: price, deviceCost: cost, amortizeMonths: input.amortizeMonths)
        }
        let variant = bestFit(input.variants, ramBytes: input.deviceRAMBytes)
        let fits: Bool? = input.variants.isEmpty ? nil : variant != nil
        var capable: Bool?
        if let task = input.task, let variant { capable = variant.parameterCount >= task.minimumParameters }
        let latency = input.latencySLOMilliseconds.map(latencyVerdict)
        var reasons: [String] = []
        reasons.append(fitReason(input, variant: variant, fits: fits))
        if let task = input.task, let capable {
            reasons.append(capable
                ? "task \(task.rawValue) needs about \(millions(task.minimumParameters)) parameters; \(variant!.name) has \(millions(variant!.parameterCount))"
                : "task \(task.rawValue) needs about \(millions(task.minimumParameters)) parameters, more than the largest fitting variant (\(millions(variant!.parameterCount)))")
        }
        if let ms = input.latencySLOMilliseconds, let latency {
            let text: String
            switch latency {
            case .edge: text = "latency SLO \(Economics.number(ms)) ms is under 150 ms: only on-device inference meets it"
            case .hybrid: text = "latency SLO \(Economics.number(ms)) ms is within 150–500 ms: local first, the cloud for what the device cannot do"
            case .cloud: text = "latency SLO \(Economics.number(ms)) ms is above 500 ms: a cloud round trip is acceptable"
            }
            reasons.append(text)
        }
        if let economics {
            reasons.append("at \(Economics.number(economics.tokensPerDay)) tokens/day the \(economics.cheaper == .edge ? "device" : "cloud") is cheaper "
                + "(\(Economics.money(economics.cloudMonthly)) cloud vs \(Economics.money(economics.deviceMonthly)) device per month; crossover \(Economics.number(economics.crossoverTokensPerDay.rounded())) tokens/day)")
        }
        let recommendation = decide(input, fits: fits, capable: capable, latency: latency, economics: economics, reasons: &reasons)
        let config = RouterSnippet.yaml(recommendation: recommendation, input: input, variant: variant)
        return Plan(recommendation: recommendation, reasons: reasons, latencyVerdict: latency, economics: economics,
                    variant: variant, capable: capable, routerConfig: config)
    }

    private static func decide(_ input: PlanInput, fits: Bool?, capable: Bool?, latency: Placement?,
                               economics: Economics?, reasons: inout [String]) -> Placement {
        if input.dataClass == .restricted {
            reasons.insert("data class restricted: it must not leave the device or the premises", at: 0)
            if fits == false { reasons.append("no variant fits this device: run on an on-premise server or a larger device, not in the cloud") }
            return .edge
        }
        if fits == false {
            if latency == .edge { reasons.append("the latency needs the edge but no variant fits: a device with more RAM is needed to meet it") }
            return .cloud
        }
        switch latency {
        case .edge?:
            return capable == false ? .hybrid : .edge
        case .hybrid?:
            return .hybrid
        case .cloud?, nil:
            if capable == false { return .cloud }
            guard let economics else {
                reasons.append("no volume economics given (--tokens-per-day, --cloud-price-per-1k, --device-cost): hybrid keeps both open")
                return .hybrid
            }
            return economics.cheaper
        }
    }

    private static func fitReason(_ input: PlanInput, variant: LocalVariant?, fits: Bool?) -> String {
        guard let fits else { return "no local variants given: device fit not checked" }
        let ram = input.deviceRAMBytes.map { "\(gib($0)) GiB" } ?? "unknown RAM (every variant assumed to fit)"
        guard fits, let variant else {
            let smallest = input.variants.map(\.memoryBytes).min() ?? 0
            return "no variant fits \(ram) × \(ramHeadroom) headroom; the smallest needs \(gib(smallest)) GiB"
        }
        return "\(variant.name) fits \(ram) (needs \(gib(variant.memoryBytes)) GiB at \(input.contextSize) tokens of context)"
    }

    private static func validate(_ input: PlanInput) throws(PlanError) {
        if let ms = input.latencySLOMilliseconds, !(ms.isFinite && ms > 0) { throw .invalid("--latency-slo must be a positive number of milliseconds") }
        if let ram = input.deviceRAMBytes, ram <= 0 { throw .invalid("--device-ram must be greater than 0 GB") }
        guard input.contextSize >= 2, input.contextSize <= 1 << 20 else { throw .invalid("the context must be between 2 and 1048576 tokens") }
        guard input.amortizeMonths >= 1, input.amortizeMonths <= 600 else { throw .invalid("--amortize-months must be between 1 and 600") }
    }

    static func gib(_ bytes: Int) -> String { Economics.fixed(Double(bytes) / Double(1 << 30), 2) }
    static func millions(_ n: Int) -> String {
        n >= 1_000_000_000 ? Economics.fixed(Double(n) / 1e9, 1) + "B" : String(n / 1_000_000) + "M"
    }
}
