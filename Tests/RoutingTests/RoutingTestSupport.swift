import Foundation
import Routing

/// A clock tests move by hand.
final class ManualClock: RoutingClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_764_460_800)) {  // 2025-11-30T00:00:00Z
        current = start
    }

    func now() -> Date { lock.withLock { current } }

    func advance(_ seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    func set(_ date: Date) { lock.withLock { current = date } }
}

enum Fixtures {
    static let url = URL(string: "https://api.example.com/v1")!

    static func upstream(_ name: String, models: [String: String] = [:]) -> UpstreamConfig {
        UpstreamConfig(name: name, baseURL: url, apiKey: .environment("KEY"), models: models)
    }

    /// Cloud allowed, two upstreams serving every model, no caps.
    static func config(allowCloud: Bool = true, redaction: RedactionMode = .off, sloMs: Int? = nil,
                       budget: BudgetSettings = BudgetSettings()) -> RoutingConfig {
        RoutingConfig(upstreams: [upstream("primary"), upstream("secondary")], allowCloud: allowCloud,
                      redaction: redaction, defaultLatencySLOMs: sloMs, budget: budget)
    }

    static func policy(_ config: RoutingConfig = config()) -> RoutingPolicy {
        RoutingPolicy(config: config, breakers: CircuitBreakerRegistry(upstreams: config.upstreams),
                      budget: try! BudgetTracker(settings: config.budget))
    }

    static let idle = LocalState(contextSize: 4096)
    static let freeCloud = CloudState(budget: .unlimited())

    static func request(_ text: String, maxTokens: Int? = 64, caller: DataClass? = nil, sloMs: Int? = nil) -> RoutingRequest {
        RoutingRequest(model: "smollm2", input: .messages([text]), maxTokens: maxTokens, callerDataClass: caller,
                       latencySLOMs: sloMs)
    }

    static let simple = "What is the capital of France?"
    static let complex = "Prove step by step that the square root of 2 is irrational, and explain why the proof works."
    /// About 2,000 tokens of mixed prose, constraints and code.
    static let longPrompt: String = {
        let block = "You must summarise the report below. It should be short, at least three bullets, without jargon.\n"
            + "1. Read the data carefully.\n2. Compare the two quarters.\n"
            + "```swift\nlet total = values.reduce(0, +);\nif total == 0 { return }\n```\n"
            + "The quarterly revenue grew while costs stayed flat across most regions and product lines.\n"
        return String(repeating: block, count: 8000 / block.utf8.count + 1)
    }()
}
