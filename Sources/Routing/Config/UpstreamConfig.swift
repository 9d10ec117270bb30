import Foundation

/// One OpenAI-compatible endpoint requests may be sent to.
public struct UpstreamConfig: Sendable, Equatable {
    /// Unique name, used in decisions, budgets, breakers and the audit log.
    public var name: String
    /// Base URL, e.g. `https://api.openai.com/v1`.
    public var baseURL: URL
    /// Where the API key comes from.
    public var apiKey: APIKeySource
    /// Local model name -> upstream model name. Empty means every model is accepted under its own name;
    /// otherwise only the listed local models are sent to this upstream.
    public var models: [String: String]
    /// Timeout for one attempt, in seconds.
    public var timeoutSeconds: Double
    /// Further attempts after the first one fails (0 = no retry).
    public var maxRetries: Int
    /// When this upstream's circuit opens and for how long.
    public var circuitBreaker: CircuitBreakerSettings

    /// Creates an upstream.
    public init(name: String, baseURL: URL, apiKey: APIKeySource = .none, models: [String: String] = [:],
                timeoutSeconds: Double = 30, maxRetries: Int = 1,
                circuitBreaker: CircuitBreakerSettings = CircuitBreakerSettings()) {
        self.name = name
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.models = models
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
        self.circuitBreaker = circuitBreaker
    }

    /// The upstream's name for a local model, or nil when this upstream does not serve it.
    public func upstreamModel(for localModel: String) -> String? {
        models.isEmpty ? localModel : models[localModel]
    }
}

/// Where an upstream's API key comes from. The library never reads the environment itself:
/// the server resolves `.environment` with `resolve(in:)` at start-up.
public enum APIKeySource: Sendable, Equatable, CustomStringConvertible {
    /// No key (e.g. a local vLLM without auth).
    case none
    /// The key itself, from `api_key`.
    case literal(String)
    /// The name of an environment variable holding the key, from `api_key_env`.
    case environment(String)

    /// The key, looking variables up in `environment` (e.g. `ProcessInfo.processInfo.environment`).
    public func resolve(in environment: [String: String]) -> String? {
        switch self {
        case .none: return nil
        case .literal(let key): return key
        case .environment(let variable): return environment[variable]
        }
    }

    /// Never shows a literal key, so configurations can be logged.
    public var description: String {
        switch self {
        case .none: return "none"
        case .literal: return "literal(<redacted>)"
        case .environment(let variable): return "env(\(variable))"
        }
    }
}

/// Circuit breaker settings for one upstream.
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Consecutive failures that open the circuit.
    public var failureThreshold: Int
    /// Seconds the circuit stays open before one probe is allowed.
    public var cooldownSeconds: Double

    /// Creates settings; defaults: 5 failures, 30 s cooldown.
    public init(failureThreshold: Int = 5, cooldownSeconds: Double = 30) {
        self.failureThreshold = failureThreshold
        self.cooldownSeconds = cooldownSeconds
    }
}
