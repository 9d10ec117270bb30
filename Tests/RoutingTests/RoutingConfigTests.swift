import Foundation
import Routing
import XCTest

final class RoutingConfigTests: XCTestCase {
    /// The shape Yams produces: nested mappings as `[AnyHashable: Any]`, numbers as Int or Double.
    let full: [String: Any] = [
        "allow_cloud": true,
        "redaction": true,  // a bare YAML 1.1 `on`
        "default_latency_slo_ms": 1500,
        "audit_log": "/var/log/outpost/routing.jsonl",
        "complexity": ["threshold": 2.5, "weights": ["code": 2] as [AnyHashable: Any]] as [AnyHashable: Any],
        "budgets": [
            "daily_cloud_tokens": 500_000, "daily_cost": 2.5, "state_file": "/tmp/b.json",
            "prices": ["openai": ["prompt_per_1k": 0.15, "completion_per_1k": 0.6] as [AnyHashable: Any]] as [AnyHashable: Any],
        ] as [AnyHashable: Any],
        "pii_patterns": [["name": "employee_id", "regex": "EMP-[0-9]{6}"] as [AnyHashable: Any]],
        "upstreams": [
            [
                "name": "openai", "base_url": "https://api.openai.com/v1", "api_key_env": "OPENAI_API_KEY",
                "models": ["smollm2": "gpt-4o-mini"] as [AnyHashable: Any], "timeout_seconds": 20, "max_retries": 2,
                "circuit_breaker": ["failure_threshold": 3, "cooldown_seconds": 15.5] as [AnyHashable: Any],
            ] as [AnyHashable: Any],
            ["name": "vllm", "base_url": "http://10.0.0.2:8000/v1", "api_key": "sk-secret"] as [AnyHashable: Any],
        ],
    ]

    func testParsesEverySection() throws {
        let config = try RoutingConfig(dictionary: full)
        XCTAssertTrue(config.allowCloud)
        XCTAssertEqual(config.redaction, .on)
        XCTAssertEqual(config.defaultLatencySLOMs, 1500)
        XCTAssertEqual(config.auditLogPath, "/var/log/outpost/routing.jsonl")
        XCTAssertEqual(config.complexity.threshold, 2.5)
        XCTAssertEqual(config.complexity.weights.code, 2)
        XCTAssertEqual(config.complexity.weights.reasoning, ComplexityWeights().reasoning)
        XCTAssertEqual(config.budget.dailyCloudTokens, 500_000)
        XCTAssertEqual(config.budget.dailyCost, 2.5)
        XCTAssertEqual(config.budget.prices["openai"], TokenPrice(promptPer1K: 0.15, completionPer1K: 0.6))
        XCTAssertEqual(config.customPIIPatterns, [CustomPIIPattern(name: "employee_id", regex: "EMP-[0-9]{6}")])
        let openai = try XCTUnwrap(config.upstream(named: "openai"))
        XCTAssertEqual(openai.baseURL.absoluteString, "https://api.openai.com/v1")
        XCTAssertEqual(openai.apiKey, .environment("OPENAI_API_KEY"))
        XCTAssertEqual(openai.apiKey.resolve(in: ["OPENAI_API_KEY": "k"]), "k")
        XCTAssertEqual(openai.models, ["smollm2": "gpt-4o-mini"])
        XCTAssertEqual(openai.timeoutSeconds, 20)
        XCTAssertEqual(openai.maxRetries, 2)
        XCTAssertEqual(openai.circuitBreaker, CircuitBreakerSettings(failureThreshold: 3, cooldownSeconds: 15.5))
        let vllm = try XCTUnwrap(config.upstream(named: "vllm"))
        XCTAssertEqual(vllm.apiKey, .literal("sk-secret"))
        XCTAssertFalse("\(vllm.apiKey)".contains("sk-secret"))
        XCTAssertEqual(vllm.upstreamModel(for: "anything"), "anything")
    }

    func testEmptyConfigKeepsEverythingLocal() throws {
        let config = try RoutingConfig(dictionary: [:])
        XCTAssertEqual(config, RoutingConfig())
        XCTAssertFalse(config.allowCloud)
        XCTAssertEqual(config.redaction, .off)
    }

    func assertError(_ dictionary: [String: Any], _ kind: RoutingConfigError.Kind, _ path: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try RoutingConfig(dictionary: dictionary), file: file, line: line) { error in
            guard let error = error as? RoutingConfigError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
            XCTAssertEqual(error.path, path, "\(error)", file: file, line: line)
        }
    }

    func testUnknownKeysAreNamed() {
        assertError(["alow_cloud": true], .unknownKey, "alow_cloud")
        assertError(["complexity": ["weights": ["lenght": 1]]], .unknownKey, "complexity.weights.lenght")
        assertError(["upstreams": [["name": "a", "base_url": "https://x", "timeout": 3]]], .unknownKey, "upstreams[0].timeout")
        assertError(["upstreams": [["name": "a", "base_url": "https://x", "circuit_breaker": ["cooldown": 1]]]],
                    .unknownKey, "upstreams[0].circuit_breaker.cooldown")
        assertError(["budgets": ["prices": ["ghost": ["prompt_per_1k": 1]]]], .unknownKey, "budgets.prices.ghost")
        assertError(["pii_patterns": [["name": "x", "regex": "y", "flags": "i"]]], .unknownKey, "pii_patterns[0].flags")
    }

    func testTypeAndValueErrors() {
        assertError(["allow_cloud": "yes"], .invalidType, "allow_cloud")
        assertError(["redaction": "maybe"], .invalidValue, "redaction")
        assertError(["default_latency_slo_ms": 0], .invalidValue, "default_latency_slo_ms")
        assertError(["default_latency_slo_ms": 1.5], .invalidType, "default_latency_slo_ms")
        assertError(["upstreams": "openai"], .invalidType, "upstreams")
        assertError(["upstreams": [["base_url": "https://x"]]], .missingKey, "upstreams[0].name")
        assertError(["upstreams": [["name": "a", "base_url": "ftp://x"]]], .invalidValue, "upstreams[0].base_url")
        assertError(["upstreams": [["name": "a", "base_url": "https://x", "timeout_seconds": -1]]], .invalidValue,
                    "upstreams[0].timeout_seconds")
        assertError(["upstreams": [["name": "a", "base_url": "https://x", "max_retries": true]]], .invalidType,
                    "upstreams[0].max_retries")
        assertError(["upstreams": [["name": "a", "base_url": "https://x", "api_key": "k", "api_key_env": "K"]]],
                    .invalidValue, "upstreams[0].api_key")
        assertError(["upstreams": [["name": "a", "base_url": "https://x"], ["name": "a", "base_url": "https://y"]]],
                    .invalidValue, "upstreams[1].name")
        assertError(["upstreams": [["name": "a", "base_url": "https://x", "models": ["m": 3]]]], .invalidType,
                    "upstreams[0].models.m")
        assertError(["complexity": ["threshold": -1]], .invalidValue, "complexity.threshold")
        assertError(["budgets": ["daily_cost": "5"]], .invalidType, "budgets.daily_cost")
        assertError(["budgets": 5], .invalidType, "budgets")
    }
}
