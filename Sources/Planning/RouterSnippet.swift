/// The `serve --config` YAML that implements a placement with the router (`routing:` section).
enum RouterSnippet {
    static func yaml(recommendation: Placement, input: PlanInput, variant: LocalVariant?) -> String {
        var lines = ["# outpost serve --config router.yaml   (from outpost plan: \(recommendation.rawValue))", "models:"]
        lines.append("  - {name: local, path: \(quoted(variant?.path ?? "models/model.gguf"))}")
        lines.append("ctx: \(input.contextSize)")
        lines.append("routing:")
        let cloud = recommendation != .edge
        lines.append("  allow_cloud: \(cloud)")
        if let ms = input.latencySLOMilliseconds, cloud { lines.append("  default_latency_slo_ms: \(max(1, Int(ms.rounded())))") }
        guard cloud else {
            lines.append("  # no upstreams: every request runs on the device")
            return lines.joined(separator: "\n") + "\n"
        }
        // Hybrid keeps simple requests local and escalates complex ones; reasoning and code escalate sooner.
        // Cloud escalates every request (a score always reaches 0); restricted ones still stay local.
        let threshold: String
        switch recommendation {
        case .cloud: threshold = "0.0"
        default: threshold = input.task == .reasoning || input.task == .code ? "1.5" : "3.0"
        }
        lines.append("  complexity: {threshold: \(threshold)}")
        lines.append("  upstreams:")
        lines.append("    - name: cloud")
        lines.append("      base_url: \(quoted(input.cloudBaseURL))")
        lines.append("      api_key_env: CLOUD_API_KEY")
        lines.append("      timeout_seconds: 30")
        lines.append("      max_retries: 1")
        if input.tokensPerDay != nil || input.cloudPricePer1K != nil {
            lines.append("  budgets:")
            if let tpd = input.tokensPerDay, tpd.isFinite, tpd >= 1 {
                lines.append("    daily_cloud_tokens: \(Int(min(tpd.rounded(.up), 2_000_000_000_000)))")
            }
            if let price = input.cloudPricePer1K {
                let p = Economics.number(price)
                lines.append("    prices: {cloud: {prompt_per_1k: \(p), completion_per_1k: \(p)}}")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A double-quoted YAML scalar.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
