import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Inference
import NIOCore
import Routing
import Server
import XCTest

/// The "cloud" of the routing tests: a real Outpost server (SmolLM2 under the name `cloud-model`) behind
/// a responder that records every byte it receives and injects the faults it is told to.
final class RecordingUpstream: @unchecked Sendable {
    enum Fault: Sendable { case none, status500, hang(seconds: Double) }

    private let lock = NSLock()
    private var bytes = Data()
    private var faults: [Fault] = []
    private var next = 0
    private(set) var requests = 0

    /// Faults applied to successive requests, cycling.
    func setFaults(_ f: [Fault]) { lock.withLock { faults = f; next = 0 } }

    var received: Data { lock.withLock { bytes } }

    fileprivate func record(_ data: ByteBuffer, head: String) -> Fault {
        lock.withLock {
            bytes.append(contentsOf: Array(head.utf8))
            bytes.append(contentsOf: data.readableBytesView)
            requests += 1
            guard !faults.isEmpty else { return .none }
            defer { next += 1 }
            return faults[next % faults.count]
        }
    }
}

struct RecordingResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    let inner: Inner
    let recorder: RecordingUpstream

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 24)
        let head = "\(request.method) \(request.uri) \(request.headers)\n"
        switch recorder.record(body, head: head) {
        case .none: return try await inner.respond(to: request, context: context)
        case .status500:
            return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"injected","type":"server_error","param":null,"code":null}}"#)))
        case .hang(let s):
            try await Task.sleep(nanoseconds: UInt64(s * 1e9))
            return try await inner.respond(to: request, context: context)
        }
    }
}

final class RouterFaultTests: XCTestCase {
    fileprivate func cloudApp(_ recorder: RecordingUpstream) throws -> (some ApplicationProtocol, OutpostServer) {
        let cloud = try TestServer.make {
            $0.models = [.init(name: "cloud-model", path: TestServer.modelPath)]
            $0.threads = 1
            $0.scheduler = SchedulerConfig(parallel: 2, contextSize: 1024, maxQueue: 64)
        }
        let router = buildRouter(host: cloud.host, metrics: cloud.metrics, configuration: cloud.configuration)
        let app = Application(responder: RecordingResponder(inner: router.buildResponder(), recorder: recorder),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return (app, cloud)
    }

    private static func edge(cloudPort: Int, audit: InMemoryAuditLog) throws -> OutpostServer {
        let yaml = """
        routing:
          allow_cloud: true
          upstreams:
            - name: cloud
              base_url: http://127.0.0.1:\(cloudPort)
              models: {local: cloud-model}
              timeout_seconds: 0.25
              max_retries: 1
              circuit_breaker: {failure_threshold: 3, cooldown_seconds: 0.3}
        """
        var c = ServerConfiguration()
        try c.apply(yaml: yaml, baseDirectory: "/")
        c.models = [.init(name: "local", path: TestServer.modelPath)]
        c.port = 0
        c.threads = 1
        c.scheduler = SchedulerConfig(parallel: 1, contextSize: 256, maxQueue: 0)
        let server = try OutpostServer(configuration: c, audit: audit)
        try server.loadModels()
        return server
    }

    /// A request of the mix: restricted ones carry a marker that must never reach the cloud.
    fileprivate struct Case {
        let body: String
        let headers: HTTPFields
        let restricted: Bool
        let stream: Bool
        let overflow: Bool
    }

    private static let pii = ["jane.roe@clinic.example.org", "123-45-6789", "4111 1111 1111 1111", "+44 20 7946 0958",
                              "DE89 3704 0044 0532 0130 00", "MRN: 884-221-907", "DOB: 12/03/1984", "10.24.191.7"]

    fileprivate static func makeCase(_ i: Int) -> Case {
        let stream = i % 2 == 0
        let filler = String(repeating: "The ward round notes continue with routine observations. ", count: 40)
        var headers: HTTPFields = [.contentType: "application/json"]
        let text: String
        var restricted = false
        var overflow = false
        switch i % 20 {
        case 0, 1, 2, 10, 11:   // personal data found by the detectors
            text = "zq-secret-\(i)-zq Please summarise the record for \(Self.pii[i % Self.pii.count]) briefly."
            restricted = true
        case 3, 12:             // marked restricted by the caller, nothing for a detector to find
            text = "zq-secret-\(i)-zq Draft a short internal memo about the quarterly plan."
            headers[HTTPField.Name("x-outpost-data-class")!] = "restricted"
            restricted = true
        case 13:                // restricted and too long for the device: refused, never sent anywhere
            text = "zq-secret-\(i)-zq \(filler) Summarise for \(Self.pii[i % Self.pii.count])."
            restricted = true
            overflow = true
        case 4:                 // too long for the local context: the cloud's
            text = "public-\(i) \(filler) Summarise."
            overflow = true
        case 5, 15:             // complex: the cloud's, the edge's on failure
            text = "public-\(i) Explain step by step why the proof holds, compare both approaches, and you must list at least three constraints exactly."
        default:
            text = "public-\(i) Name a colour."
        }
        let escaped = text.replacingOccurrences(of: "\"", with: "\\\"")
        let body = #"{"model":"local","messages":[{"role":"user","content":"\#(escaped)"}],"max_tokens":2,"temperature":0,"stream":\#(stream)}"#
        return Case(body: body, headers: headers, restricted: restricted, stream: stream, overflow: overflow)
    }

    /// 1,000 mixed requests (restricted and not, streaming and not, three at a time) under injected
    /// faults on both sides: local overload (one slot, no queue), local model failures, context overflow,
    /// upstream 500s, upstream timeouts and the open circuit they cause. The upstream must receive zero
    /// restricted content; everything else must be served wherever a target could serve it.
    func testRestrictedDataNeverReachesTheCloudUnderFaults() async throws {
        let recorder = RecordingUpstream()
        let (cloudApplication, cloudServer) = try cloudApp(recorder)
        defer { TestServer.stop(cloudServer) }
        // Upstream faults, cycling per received request: mostly healthy, 500s (a run of three opens the
        // circuit), and hangs past the edge's 0.25 s timeout.
        recorder.setFaults([.none, .none, .status500, .none, .hang(seconds: 0.4), .none, .none,
                            .status500, .status500, .status500, .none, .none, .none, .hang(seconds: 0.4), .none])
        try await cloudApplication.test(.live) { cloudClient in
            let audit = InMemoryAuditLog()
            let edge = try Self.edge(cloudPort: try XCTUnwrap(cloudClient.port), audit: audit)
            defer { TestServer.stop(edge) }
            // Local model failures: every 23rd forward pass fails as a model error would.
            let passes = Counter()
            edge.host.model(named: "local")!.scheduler.injectFailure = { passes.next() % 23 == 22 }

            let outcomes: [Outcome] = try await edge.buildApplication().test(.router) { client in
                var outcomes: [Outcome] = []
                for wave in stride(from: 0, to: 1000, by: 3) {
                    let results = try await withThrowingTaskGroup(of: Outcome.self) { group in
                        for i in wave..<min(wave + 3, 1000) {
                            let c = Self.makeCase(i)
                            group.addTask {
                                let r = try await client.execute(uri: "/v1/chat/completions", method: .post, headers: c.headers,
                                                                 body: ByteBuffer(string: c.body))
                                return Outcome(i: i, status: UInt(r.status.code), route: r.headers[HTTPField.Name("x-outpost-route")!] ?? "",
                                               reason: r.headers[HTTPField.Name("x-outpost-route-reason")!] ?? "", body: String(buffer: r.body))
                            }
                        }
                        var out: [Outcome] = []
                        for try await o in group { out.append(o) }
                        return out
                    }
                    outcomes += results
                }
                return outcomes
            }
            XCTAssertEqual(outcomes.count, 1000)

            // 1. Zero restricted content upstream, on any path.
            let received = String(decoding: recorder.received, as: UTF8.self)
            XCTAssertGreaterThan(recorder.requests, 100, "the cloud was hardly used; the test proves little")
            XCTAssertFalse(received.contains("zq-secret-"), "restricted content reached the upstream")
            for value in Self.pii { XCTAssertFalse(received.contains(value), "\(value) reached the upstream") }

            var fallbackSuccesses: [String: Int] = [:]
            var failedPublic = 0
            for o in outcomes {
                let c = Self.makeCase(o.i)
                if c.restricted {
                    XCTAssertNotEqual(o.route, "cloud", "restricted request \(o.i) was served by the cloud")
                    if o.status != 200 {
                        // Fail closed: refused (too long) or 503 with the reason, never a cloud attempt.
                        XCTAssertTrue([400, 503].contains(o.status), "restricted \(o.i): \(o.status) \(o.body)")
                    }
                    if c.overflow { XCTAssertEqual(o.status, 400); XCTAssertTrue(o.body.contains("context_length_exceeded")) }
                    continue
                }
                if o.status == 200 {
                    if o.reason.hasPrefix("fallback:") { fallbackSuccesses[o.reason, default: 0] += 1 }
                    if c.stream && !o.body.contains("data: [DONE]") {
                        // A model failure after the stream began is reported in-band; nothing else may cut a stream.
                        XCTAssertTrue(o.body.contains("\"error\""), "stream \(o.i) ended without [DONE] or an error")
                    }
                } else {
                    failedPublic += 1
                    // Only when no target could serve it: an overflowing prompt while the cloud failed, or
                    // both sides failing at once; the answer says so.
                    XCTAssertEqual(o.status, 503, "public \(o.i): \(o.status) \(o.body)")
                    XCTAssertTrue(o.body.contains("no_target_available") || o.body.contains("upstream_unavailable"), "public \(o.i): \(o.body)")
                }
            }
            let routes = Dictionary(grouping: outcomes, by: { "\($0.route) \($0.status)" }).mapValues(\.count)
            print("router under faults: upstream received \(recorder.requests) requests (\(recorder.received.count) bytes), " +
                  "restricted markers found upstream: 0; answers by route and status: \(routes.sorted { $0.key < $1.key }); " +
                  "successful fallbacks: \(fallbackSuccesses.sorted { $0.key < $1.key }); public requests without any target: \(failedPublic)")
            // Each kind of fallback happened and succeeded.
            for cause in ["fallback:local_overload", "fallback:upstream_error", "fallback:upstream_timeout"] {
                XCTAssertGreaterThan(fallbackSuccesses[cause] ?? 0, 0, "no successful \(cause); got \(fallbackSuccesses)")
            }
            XCTAssertTrue(outcomes.contains { $0.reason.contains("circuit_open") }, "the circuit never opened")
            XCTAssertLessThan(failedPublic, 200, "too many public requests failed: \(failedPublic)")
            // The audit log has a line per request and no prompt text.
            XCTAssertEqual(audit.lines.count, 1000 - outcomes.filter { $0.status == 400 && !Self.makeCase($0.i).restricted }.count)
            XCTAssertFalse(audit.lines.joined().contains("zq-secret-"))
        }
    }
}

extension RouterFaultTests {
    /// Redaction mode: a complex request with an e-mail address may go to the cloud, but the address is
    /// replaced by a placeholder before it leaves, and the answer comes back in the local shape.
    func testRedactionReplacesEntitiesBeforeTheCloud() async throws {
        let recorder = RecordingUpstream()
        let (cloudApplication, cloudServer) = try cloudApp(recorder)
        defer { TestServer.stop(cloudServer) }
        try await cloudApplication.test(.live) { cloudClient in
            let port = try XCTUnwrap(cloudClient.port)
            var c = ServerConfiguration()
            try c.apply(yaml: """
            routing:
              allow_cloud: true
              redaction: "on"
              upstreams:
                - {name: cloud, base_url: "http://127.0.0.1:\(port)", models: {local: cloud-model}, timeout_seconds: 30}
            """, baseDirectory: "/")
            c.models = [.init(name: "local", path: TestServer.modelPath)]
            c.scheduler = SchedulerConfig(parallel: 1, contextSize: 256)
            let edge = try OutpostServer(configuration: c)
            try edge.loadModels()
            defer { TestServer.stop(edge) }
            try await edge.buildApplication().test(.router) { client in
                let text = "Explain step by step why the proof holds, compare both approaches, and you must list at least three constraints exactly. Reply to maria.lopez@hospital.example.com."
                for stream in [false, true] {
                    let r = try await client.post("/v1/chat/completions", #"{"model":"local","messages":[{"role":"user","content":"\#(text)"}],"max_tokens":3,"temperature":0,"stream":\#(stream)}"#)
                    XCTAssertEqual(r.status, .ok, r.text)
                    XCTAssertEqual(r.headers[HTTPField.Name("x-outpost-route")!], "cloud")
                    XCTAssertTrue(r.text.contains("\"model\":\"local\""), "the answer is not in the local shape: \(r.text)")
                    if stream { XCTAssertTrue(r.text.hasSuffix("data: [DONE]\n\n")) }
                }
            }
            let received = String(decoding: recorder.received, as: UTF8.self)
            XCTAssertFalse(received.contains("maria.lopez"), "the address left the device")
            XCTAssertTrue(received.contains("[EMAIL_1]"), "no placeholder upstream: \(received.suffix(400))")
            XCTAssertTrue(received.contains("\"model\":\"cloud-model\""), "the model name was not mapped")
        }
    }
}

struct Outcome: Sendable { let i: Int; let status: UInt; let route: String; let reason: String; let body: String }

/// A thread-safe counter for fault schedules.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
}
