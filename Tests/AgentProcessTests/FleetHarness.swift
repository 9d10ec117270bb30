import AsyncHTTPClient
import ControlPlane
import FleetCore
import Foundation
import GGUF
import Hummingbird
import NIOCore
import NIOHTTP1
import TestSupport
import XCTest

/// A real control plane (SQLite, its own signing key) on a fixed loopback port, driven over HTTP, and
/// real `outpost agent` processes around it.
final class FleetHarness: @unchecked Sendable {
    static let adminToken = "agent-tests-admin-token"
    let directory: URL
    let key: SigningKey
    let port: Int
    let store: SQLFleetStore
    let server: ControlPlaneServer
    let trustRootFile: URL
    private var task: Task<Void, any Error>?
    let http = HTTPClient.shared

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The run's directory (model copies, device data, snapshots: about a gigabyte) goes with the harness;
    /// left behind, every run of the suite would keep its own.
    deinit { try? FileManager.default.removeItem(at: directory) }

    init(controllerInterval: TimeInterval = 0.5, extraPublisher: SigningKey? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let signing = SigningKey.generate()
        key = signing
        port = try Self.freePort()
        store = try SQLFleetStore(.sqlite(path: directory.appendingPathComponent("fleet.db").path))
        try await store.migrate()
        server = ControlPlaneServer(store: store, configuration: ControlPlaneConfiguration(
            port: port, adminToken: Self.adminToken, signingKey: key,
            trustedPublishers: extraPublisher.map { [signing.publicKey, $0.publicKey] } ?? [],
            artifactsDirectory: directory.appendingPathComponent("artifacts").path,
            controllerInterval: controllerInterval))
        trustRootFile = directory.appendingPathComponent("trust.pem")
        try key.publicKey.pemRepresentation.write(to: trustRootFile, atomically: true, encoding: .utf8)
    }

    /// A port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw CocoaError(.featureUnsupported) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    func start() async throws {
        let server = self.server
        try FileManager.default.createDirectory(atPath: server.configuration.artifactsDirectory, withIntermediateDirectories: true)
        task = Task { try await server.run() }
        for _ in 0..<200 {
            if (try? await get("/health")) != nil { return }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        XCTFail("the control plane did not start")
    }

    /// Stops listening (open keep-alive connections are not waited for: an outage is abrupt).
    func stop() async {
        task?.cancel()
        task = nil
        // Wait until the port is closed.
        for _ in 0..<100 {
            if (try? await get("/health")) == nil { return }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    // MARK: - Admin API

    @discardableResult
    func request(_ method: HTTPMethod, _ path: String, json: (some Encodable)? = Optional<String>.none, body: Data? = nil,
                 token: String? = FleetHarness.adminToken, expect: ClosedRange<Int> = 200...299) async throws -> Data {
        var r = HTTPClientRequest(url: baseURL + path)
        r.method = method
        if let token { r.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: try FleetJSON.encoder().encode(json)))
        } else if let body {
            r.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(r, timeout: .seconds(60))
        let data = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        guard expect.contains(Int(response.status.code)) else {
            throw HarnessError("\(method) \(path): \(response.status.code) \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    func get(_ path: String) async throws -> Data { try await request(.GET, path) }

    func enrollmentToken(labels: [String: String] = [:]) async throws -> String {
        struct Body: Encodable { let labels: [String: String] }
        let data = try await request(.POST, "/api/v1/enrollment-tokens", json: Body(labels: labels))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try XCTUnwrap(object?["token"] as? String)
    }

    /// Publishes `file` as model `name` version `version`, signed by `signer` (the harness key by default),
    /// with `probe` in the manifest, and uploads the artifact.
    func publish(_ file: URL, name: String, version: String, probe: HealthProbe?, signer: SigningKey? = nil,
                 validFor: TimeInterval = 86_400) async throws {
        let facts = try VariantFacts.read(modelAt: file, name: name, version: version)
        var manifest = try ModelManifest.make(files: [file], name: name, version: version, now: Date(), validFor: validFor)
        manifest.predicate.healthProbe = probe
        let envelope = try manifest.signed(with: signer ?? key)
        try await request(.POST, "/api/v1/models", json: PublishVariantRequest(facts: facts, manifest: envelope))
        try await request(.PUT, "/api/v1/models/\(name)/versions/\(version)/variants/\(facts.fileName)/artifact",
                          body: try Data(contentsOf: file))
    }

    /// Deploys `version` to every device at once (one ring, no soak), or with the given plan.
    func deploy(_ id: String, name: String, version: String, previous: String? = nil, plan: RolloutPlan? = nil) async throws {
        let one = RolloutPlan(rings: [RingSpec(name: "all", percent: 100, soakSeconds: 0, gates: Gates(minSamples: 0))])
        try await request(.POST, "/api/v1/deployments", json: CreateDeploymentRequest(
            id: id, model: name, version: version, previousVersion: previous, selector: [:], plan: plan ?? one,
            policy: PlacementPolicy(contextSize: 256)))
    }

    /// Changes the stored artifact of `version` behind the control plane's back.
    func tamperArtifact(version: String, fileName: String, _ change: (inout Data) -> Void) throws {
        let path = "\(server.configuration.artifactsDirectory)/m--\(version)--\(fileName)"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        change(&data)
        try data.write(to: URL(fileURLWithPath: path))
    }

    func updateReports(device: String) async throws -> [[String: Any]] {
        try await store.updateReports(deviceID: device, limit: 100).compactMap {
            try JSONSerialization.jsonObject(with: Data($0.reportJSON.utf8)) as? [String: Any]
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Model files for the tests: A is the reference SmolLM2; B has the same weights and a different name in
/// its metadata (a new sha256); Bad has its output norm zeroed (valid file, wrong answers).
enum TestModels {
    static var a: URL { TestPaths.modelsDir.appendingPathComponent(TestPaths.Reference.smollm2.modelFile) }

    static func variant(of source: URL, into dir: URL, named: String, damage: Bool) throws -> URL {
        var bytes = try Data(contentsOf: source)
        if damage {
            let gguf = try GGUFFile(path: source.path)
            let norm = try XCTUnwrap(gguf.tensor(named: "output_norm.weight"))
            let start = gguf.dataOffset + norm.offset
            bytes.replaceSubrange(start..<(start + norm.byteCount), with: Data(count: norm.byteCount))
        } else {
            let needle = Data("Mix1 Ep2".utf8)
            let r = try XCTUnwrap(bytes.range(of: needle))
            bytes.replaceSubrange(r, with: Data("Mix1 Ep3".utf8))
        }
        // Same file name in a new directory: the variant name stays, the digest changes.
        let sub = dir.appendingPathComponent(named)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let out = sub.appendingPathComponent(source.lastPathComponent)
        try bytes.write(to: out)
        return out
    }

    /// The golden continuation of the first SmolLM2 prompt (llama.cpp's), as the health probe.
    static func goldenProbe() throws -> HealthProbe {
        let url = TestPaths.goldenDir.appendingPathComponent(TestPaths.Reference.smollm2.goldenFile)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let first = try XCTUnwrap((json["greedy"] as? [[String: Any]])?.first)
        return HealthProbe(prompt: try XCTUnwrap(first["prompt"] as? String),
                           expectedPrefix: String(try XCTUnwrap(first["text"] as? String).prefix(6)),
                           maxTokens: 4, maxLatencyMs: 30_000)
    }
}
