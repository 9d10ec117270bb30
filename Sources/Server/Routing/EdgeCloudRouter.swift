import Foundation
import OpenAIAPI
import Routing

/// Everything the server needs to route: the policy with its live breakers and budget, the detectors,
/// the upstream clients and the audit log.
public final class EdgeCloudRouter: Sendable {
    public let config: RoutingConfig
    public let policy: RoutingPolicy
    public let detector: PIIDetector
    let upstreams: [String: OpenAIUpstream]
    let audit: (any AuditSink)?

    /// Builds the router; API keys named by `api_key_env` are read from `environment`.
    public init(config: RoutingConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                audit: (any AuditSink)? = nil) throws(ConfigurationError) {
        self.config = config
        do {
            detector = try PIIDetector(customPatterns: config.customPIIPatterns.map { CustomPattern(name: $0.name, regex: $0.regex) })
        } catch {
            throw .invalid("routing.custom_pii_patterns: \(error)")
        }
        let budget: BudgetTracker
        do { budget = try BudgetTracker(settings: config.budget) } catch { throw .invalid("routing.budget: \(error)") }
        policy = RoutingPolicy(config: config, breakers: CircuitBreakerRegistry(upstreams: config.upstreams), budget: budget)
        var clients: [String: OpenAIUpstream] = [:]
        for u in config.upstreams {
            clients[u.name] = OpenAIUpstream(name: u.name, baseURL: u.baseURL.absoluteString,
                                             apiKey: u.apiKey.resolve(in: environment), timeoutSeconds: u.timeoutSeconds)
        }
        upstreams = clients
        if let audit {
            self.audit = audit
        } else if let path = config.auditLogPath {
            do { self.audit = try FileAuditLog(path: path) } catch { throw .invalid(error.description) }
        } else {
            self.audit = nil
        }
    }

    /// The classification of every text of a request (union of entities; the strictest class).
    public func classify(_ texts: [String]) -> ClassificationSummary {
        var types = Set<EntityType>()
        var level = DataClass.public
        for t in texts {
            let c = detector.classify(t)
            types.formUnion(c.entityTypes)
            level = max(level, c.dataClass)
        }
        return ClassificationSummary(dataClass: level, entityTypes: types)
    }

    /// Decides without sending anything (also `outpost route explain`).
    public func decide(_ request: RoutingRequest, local: LocalState, now: Date = Date()) -> RoutingDecision {
        policy.decide(request: request, classification: classify(request.input.texts), local: local, now: now)
    }

    func upstreamModel(_ upstream: String, for model: String) -> String {
        config.upstream(named: upstream)?.upstreamModel(for: model) ?? model
    }

    func maxRetries(_ upstream: String) -> Int { config.upstream(named: upstream)?.maxRetries ?? 0 }

    func breaker(_ upstream: String) -> CircuitBreaker? { policy.breakers.breakers[upstream] }

    func recordAudit(_ record: AuditRecord) {
        try? audit?.append(record)
    }
}
