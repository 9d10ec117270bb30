import ArgumentParser
import Foundation
import OpenAIAPI
import Routing
import Server

extension Outpost {
    struct Route: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect edge/cloud routing without sending anything.",
            subcommands: [Explain.self, Bench.self])
    }
}

extension Outpost.Route {
    /// Loads the `routing:` section (and `ctx`) of a serve configuration.
    static func load(config path: String) throws -> (EdgeCloudRouter, ServerConfiguration) {
        var c = ServerConfiguration()
        do { try c.apply(file: path) } catch { throw CLIError(error.description) }
        guard let routing = c.routing else { throw CLIError("\(path) has no 'routing:' section") }
        do { return (try EdgeCloudRouter(config: routing, audit: nil), c) } catch { throw CLIError(error.description) }
    }

    /// Parses a chat or completion request body into what the policy reads.
    static func routingRequest(_ body: Data, headers: RoutingHeaders) throws -> RoutingRequest {
        guard case .object(let o)? = try? JSONParser.parse(body) else { throw CLIError("the request is not a JSON object") }
        do {
            if o["messages"] != nil { return try RoutingRequest(try ChatCompletionRequest(body: body), headers: headers) }
            return try RoutingRequest(try CompletionRequest(body: body), headers: headers)
        } catch let e as APIError {
            throw CLIError("the request is invalid: \(e.message)")
        } catch let e as RoutingRequestError {
            throw CLIError(e.description)
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the routing decision for a request and why; sends nothing.")

        @Option(help: "Server configuration YAML with a routing: section.")
        var config: String

        @Option(help: "A chat or completion request body (JSON file).")
        var request: String

        @Option(name: .customLong("data-class"), help: "As the x-outpost-data-class header.")
        var dataClass: String?

        @Option(name: .customLong("latency-slo-ms"), help: "As the x-outpost-latency-slo-ms header.")
        var latencySLO: String?

        @Option(name: .customLong("queue-wait-ms"), help: "Assume the local queue makes a request wait this long.")
        var queueWaitMs: Double = 0

        @Flag(name: .customLong("local-overloaded"), help: "Assume the local model is overloaded.")
        var localOverloaded = false

        func run() throws {
            let (router, c) = try Outpost.Route.load(config: config)
            guard let body = FileManager.default.contents(atPath: request) else { throw CLIError("cannot read \(request)") }
            let r = try Outpost.Route.routingRequest(body, headers: RoutingHeaders(dataClass: dataClass, latencySLO: latencySLO))
            let local = LocalState(contextSize: c.scheduler.contextSize, estimatedQueueWaitMs: queueWaitMs,
                                   isHealthy: true, isOverloaded: localOverloaded)
            let d = router.decide(r, local: local)
            var out: [String: Any] = [
                "target": d.target.description, "reason": d.reason.rawValue, "explanation": d.explanation,
                "data_class": d.classification.dataClass.rawValue, "entity_types": d.classification.entityTypeNames,
                "edge_only": d.edgeOnly, "redact": d.redact, "estimated_prompt_tokens": d.estimatedPromptTokens,
                "local_context": c.scheduler.contextSize,
                "complexity": ["score": d.complexity.score, "threshold": d.complexity.threshold,
                               "features": Dictionary(d.complexity.features.map { ($0.kind.rawValue, $0.contribution) }, uniquingKeysWith: +)],
                "fallback_plan": d.fallbackPlan.map(\.description),
            ]
            if let e = d.apiError { out["error"] = ["status": e.status, "code": e.code ?? "", "message": e.message] }
            let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the routing decision's overhead (parse, classify, decide) on a long prompt.",
            discussion: "Prints p50/p99/max over the timed iterations after a warm-up; nothing is sent.")

        @Option(help: "Server configuration YAML with a routing: section (default: a built-in one with a cloud upstream).")
        var config: String?

        @Option(help: "Approximate prompt length in tokens.")
        var tokens: Int = 2000

        @Option(help: "Timed iterations.")
        var iterations: Int = 2000

        func run() throws {
            let router: EdgeCloudRouter
            if let config { router = try Outpost.Route.load(config: config).0 } else {
                let upstream = UpstreamConfig(name: "cloud", baseURL: URL(string: "http://127.0.0.1:1")!)
                do { router = try EdgeCloudRouter(config: RoutingConfig(upstreams: [upstream], allowCloud: true), audit: nil) } catch {
                    throw CLIError(error.description)
                }
            }
            // A mixed clinical-style text with a few entities, repeated to the requested length (~4 chars/token).
            let unit = "Patient reviewed on the ward today; vitals stable, plan to continue the current medication and " +
                "review labs tomorrow. Contact the on-call team at oncall@clinic.example.org or +1 415 555 0134 if the " +
                "temperature rises above 38.5. Order ORD-2024-000123, version 1.2.3, logged at 2024-05-01T12:30:00Z. "
            var text = ""
            while text.utf8.count < tokens * 4 { text += unit }
            let body = try JSONSerialization.data(withJSONObject: [
                "model": "local", "max_tokens": 256,
                "messages": [["role": "system", "content": "You are a clinical assistant."], ["role": "user", "content": text]],
            ])
            let local = LocalState(contextSize: 4096)
            let clock = ContinuousClock()
            var samples: [Double] = []
            var decision: RoutingDecision?
            for i in 0..<(iterations + 100) {
                let elapsed = try clock.measure {
                    let r = try Outpost.Route.routingRequest(body, headers: RoutingHeaders())
                    decision = router.decide(r, local: local)
                }
                if i >= 100 { samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3) }
            }
            samples.sort()
            func q(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
            print("routing decision overhead: parse the request JSON, classify every message (PII detectors), decide")
            print("prompt: \(text.utf8.count) bytes (~\(text.utf8.count / 4) tokens), \(samples.count) timed iterations after 100 warm-up, one thread")
            print(String(format: "p50 %.3f ms   p99 %.3f ms   max %.3f ms", q(0.5), q(0.99), samples.last ?? 0))
            if let d = decision { print("decision: \(d.target) (\(d.reason.rawValue)), entities: \(d.classification.entityTypeNames.joined(separator: ", "))") }
        }
    }
}
