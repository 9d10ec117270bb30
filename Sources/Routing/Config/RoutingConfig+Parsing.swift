import Foundation

extension RoutingConfig {
    /// Parses the routing section of the server's YAML, as the dictionary Yams produces.
    ///
    /// Strict: every unknown key is an error naming it, so a typo (`alow_cloud`) never silently
    /// changes where data goes. Absent keys take the defaults of `init()`.
    /// ```yaml
    /// allow_cloud: true
    /// redaction: on                  # off | on
    /// default_latency_slo_ms: 2000
    /// audit_log: /var/log/outpost/routing.jsonl
    /// complexity: {threshold: 3.0, weights: {length: 0.5, reasoning: 1, steps: 0.4, code: 1, constraints: 0.3}}
    /// budgets:
    ///   daily_cloud_tokens: 1000000
    ///   daily_cost: 5.0
    ///   default_completion_tokens: 256
    ///   state_file: /var/lib/outpost/budget.json
    ///   prices: {openai: {prompt_per_1k: 0.00015, completion_per_1k: 0.0006}}
    /// pii_patterns: [{name: employee_id, regex: "EMP-[0-9]{6}"}]
    /// upstreams:
    ///   - name: openai
    ///     base_url: https://api.openai.com/v1
    ///     api_key_env: OPENAI_API_KEY    # or api_key: sk-...
    ///     models: {smollm2: gpt-4o-mini}  # local -> upstream; omit to pass names through
    ///     timeout_seconds: 30
    ///     max_retries: 1
    ///     circuit_breaker: {failure_threshold: 5, cooldown_seconds: 30}
    /// ```
    public init(dictionary: [String: Any]) throws(RoutingConfigError) {
        let root = try ConfigTable(dictionary, path: "")
        try root.rejectUnknownKeys(allowing: [
            "upstreams", "allow_cloud", "redaction", "complexity", "default_latency_slo_ms", "budgets",
            "pii_patterns", "audit_log",
        ])
        self.init()
        allowCloud = try root.bool("allow_cloud") ?? false
        redaction = try Self.redactionMode(root)
        defaultLatencySLOMs = try root.int("default_latency_slo_ms", in: 1...3_600_000)
        auditLogPath = try root.string("audit_log")
        if let table = try root.table("complexity") { complexity = try Self.complexity(table) }
        upstreams = try Self.upstreams(root)
        if let table = try root.table("budgets") { budget = try Self.budget(table, upstreams: upstreams) }
        customPIIPatterns = try Self.patterns(root)
    }

    private static func redactionMode(_ root: ConfigTable) throws(RoutingConfigError) -> RedactionMode {
        guard root.has("redaction"), let value = root.values["redaction"] else { return .off }
        // YAML 1.1 resolvers read a bare `on`/`off` as a boolean.
        if let bool = value as? Bool { return bool ? .on : .off }
        guard let text = value as? String else { throw root.typeError("redaction", "'off' or 'on'", value) }
        guard let mode = RedactionMode(rawValue: text.lowercased()) else {
            throw RoutingConfigError(.invalidValue, path: "redaction", "expected 'off' or 'on', but got '\(text)'.")
        }
        return mode
    }

    private static func complexity(_ table: ConfigTable) throws(RoutingConfigError) -> ComplexitySettings {
        try table.rejectUnknownKeys(allowing: ["threshold", "weights"])
        var settings = ComplexitySettings()
        settings.threshold = try table.double("threshold", "at least 0") { $0 >= 0 } ?? settings.threshold
        if let weights = try table.table("weights") {
            try weights.rejectUnknownKeys(allowing: ["length", "reasoning", "steps", "code", "constraints"])
            var w = settings.weights
            let rule = "at least 0"
            w.length = try weights.double("length", rule) { $0 >= 0 } ?? w.length
            w.reasoning = try weights.double("reasoning", rule) { $0 >= 0 } ?? w.reasoning
            w.steps = try weights.double("steps", rule) { $0 >= 0 } ?? w.steps
            w.code = try weights.double("code", rule) { $0 >= 0 } ?? w.code
            w.constraints = try weights.double("constraints", rule) { $0 >= 0 } ?? w.constraints
            settings.weights = w
        }
        return settings
    }

    private static func upstreams(_ root: ConfigTable) throws(RoutingConfigError) -> [UpstreamConfig] {
        guard let list = try root.array("upstreams") else { return [] }
        var upstreams: [UpstreamConfig] = []
        for (index, element) in list.enumerated() {
            let upstream = try Self.upstream(try ConfigTable(element, path: "upstreams[\(index)]"))
            guard !upstreams.contains(where: { $0.name == upstream.name }) else {
                throw RoutingConfigError(.invalidValue, path: "upstreams[\(index)].name",
                                         "duplicate upstream name '\(upstream.name)'.")
            }
            upstreams.append(upstream)
        }
        return upstreams
    }

    private static func upstream(_ table: ConfigTable) throws(RoutingConfigError) -> UpstreamConfig {
        try table.rejectUnknownKeys(allowing: [
            "name", "base_url", "api_key", "api_key_env", "models", "timeout_seconds", "max_retries", "circuit_breaker",
        ])
        let name = try table.requiredString("name")
        let urlText = try table.requiredString("base_url")
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false else {
            throw RoutingConfigError(.invalidValue, path: table.name("base_url"),
                                     "expected an http(s) URL with a host, but got '\(urlText)'.")
        }
        var upstream = UpstreamConfig(name: name, baseURL: url)
        upstream.apiKey = try apiKey(table)
        if let models = try table.table("models") {
            for local in models.values.keys.sorted() {
                let value = models.values[local] as Any
                guard let remote = value as? String, !remote.isEmpty else {
                    throw models.typeError(local, "a non-empty upstream model name", value)
                }
                upstream.models[local] = remote
            }
        }
        upstream.timeoutSeconds = try table.double("timeout_seconds", "greater than 0") { $0 > 0 } ?? upstream.timeoutSeconds
        upstream.maxRetries = try table.int("max_retries", in: 0...10) ?? upstream.maxRetries
        if let breaker = try table.table("circuit_breaker") {
            try breaker.rejectUnknownKeys(allowing: ["failure_threshold", "cooldown_seconds"])
            var settings = upstream.circuitBreaker
            settings.failureThreshold = try breaker.int("failure_threshold", in: 1...1000) ?? settings.failureThreshold
            settings.cooldownSeconds = try breaker.double("cooldown_seconds", "greater than 0") { $0 > 0 }
                ?? settings.cooldownSeconds
            upstream.circuitBreaker = settings
        }
        return upstream
    }

    private static func apiKey(_ table: ConfigTable) throws(RoutingConfigError) -> APIKeySource {
        let literal = try table.string("api_key")
        let variable = try table.string("api_key_env")
        switch (literal, variable) {
        case (nil, nil): return .none
        case (let key?, nil): return .literal(key)
        case (nil, let name?):
            guard !name.isEmpty else {
                throw RoutingConfigError(.invalidValue, path: table.name("api_key_env"), "must not be empty.")
            }
            return .environment(name)
        case (_?, _?):
            throw RoutingConfigError(.invalidValue, path: table.name("api_key"),
                                     "set either 'api_key' or 'api_key_env', not both.")
        }
    }

    private static func budget(_ table: ConfigTable, upstreams: [UpstreamConfig]) throws(RoutingConfigError) -> BudgetSettings {
        try table.rejectUnknownKeys(allowing: [
            "daily_cloud_tokens", "daily_cost", "default_completion_tokens", "state_file", "prices",
        ])
        var budget = BudgetSettings()
        budget.dailyCloudTokens = try table.int("daily_cloud_tokens", in: 0...Int(Int32.max) * 1000)
        budget.dailyCost = try table.double("daily_cost", "at least 0") { $0 >= 0 }
        budget.defaultCompletionTokens = try table.int("default_completion_tokens", in: 1...1_000_000)
            ?? budget.defaultCompletionTokens
        budget.stateFile = try table.string("state_file")
        if let prices = try table.table("prices") {
            for name in prices.values.keys.sorted() {
                guard upstreams.contains(where: { $0.name == name }) else {
                    throw RoutingConfigError(.unknownKey, path: prices.name(name), "no upstream is named '\(name)'.")
                }
                guard let entry = try prices.table(name) else { continue }
                try entry.rejectUnknownKeys(allowing: ["prompt_per_1k", "completion_per_1k"])
                let prompt = try entry.double("prompt_per_1k", "at least 0") { $0 >= 0 } ?? 0
                let completion = try entry.double("completion_per_1k", "at least 0") { $0 >= 0 } ?? 0
                budget.prices[name] = TokenPrice(promptPer1K: prompt, completionPer1K: completion)
            }
        }
        return budget
    }

    private static func patterns(_ root: ConfigTable) throws(RoutingConfigError) -> [CustomPIIPattern] {
        guard let list = try root.array("pii_patterns") else { return [] }
        var patterns: [CustomPIIPattern] = []
        for (index, element) in list.enumerated() {
            let table = try ConfigTable(element, path: "pii_patterns[\(index)]")
            try table.rejectUnknownKeys(allowing: ["name", "regex"])
            let pattern = CustomPIIPattern(name: try table.requiredString("name"), regex: try table.requiredString("regex"))
            guard !patterns.contains(where: { $0.name == pattern.name }) else {
                throw RoutingConfigError(.invalidValue, path: table.name("name"), "duplicate pattern name '\(pattern.name)'.")
            }
            patterns.append(pattern)
        }
        return patterns
    }
}
