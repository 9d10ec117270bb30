import ControlPlane
import FleetCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest

/// A clock the tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
}

/// A control plane on a fresh SQLite file with a new signing key and a manual clock.
struct FleetFixture {
    static let adminToken = "admin-secret-for-tests"
    let server: ControlPlaneServer
    let clock: ManualClock
    let key: SigningKey
    let directory: URL

    init(start: Date = Date(timeIntervalSince1970: 1_796_083_200)) async throws {   // 2026-12-01T00:00:00Z
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-cp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLFleetStore(.sqlite(path: directory.appendingPathComponent("fleet.db").path))
        try await store.migrate()
        key = SigningKey.generate()
        clock = ManualClock(start)
        let clock = self.clock
        server = ControlPlaneServer(
            store: store,
            configuration: ControlPlaneConfiguration(adminToken: Self.adminToken, signingKey: key,
                                                     artifactsDirectory: directory.appendingPathComponent("artifacts").path,
                                                     publicURL: "http://fleet.test"),
            now: { clock.now })
    }
}

/// JSON calls against a test client.
struct FleetClient {
    let client: any TestClientProtocol

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, token: String?, json: (any Encodable)? = nil,
              raw: ByteBuffer? = nil, headers extra: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: Data, headers: HTTPFields) {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body = raw
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try FleetJSON.encoder().encode(json))
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        let data = Data(response.body.readableBytesView)
        return (response.status, data, response.headers)
    }

    /// Calls and decodes the answer, failing the test on an unexpected status.
    func expect<T: Decodable>(_ type: T.Type, _ status: HTTPResponse.Status, _ method: HTTPRequest.Method, _ path: String,
                              token: String?, json: (any Encodable)? = nil,
                              file: StaticString = #filePath, line: UInt = #line) async throws -> T {
        let r = try await call(method, path, token: token, json: json)
        XCTAssertEqual(r.status, status, "\(method) \(path): \(String(decoding: r.body, as: UTF8.self))", file: file, line: line)
        return try FleetJSON.decoder().decode(T.self, from: r.body)
    }
}

enum Fleet {
    static func inventory(ramMiB: Int64, features: [String], cores: Int = 4) -> DeviceInventory {
        DeviceInventory(os: "Linux 6.1", cpuModel: "Test CPU", isaFeatures: features, cores: cores, ramBytes: ramMiB << 20,
                        freeDiskBytes: 20 << 30, accelerators: [], agentVersion: "0.1.0")
    }

    /// Facts of a synthetic variant: memory at 4096 context given, other contexts scaled around it.
    static func facts(_ fileName: String, version: String, memoryMiB: Int64, perplexity: Double, features: [String] = [],
                      sha: String) -> VariantFacts {
        let m = memoryMiB << 20
        return VariantFacts(name: "assistant", version: version, fileName: fileName, sizeBytes: m / 2, sha256: sha,
                            quantization: String(fileName.split(separator: ".").dropLast().last ?? "Q"),
                            parameterCount: 500_000_000,
                            memoryByContext: [512: m - (8 << 20), 2048: m - (6 << 20), 4096: m, 8192: m + (8 << 20)],
                            requiredFeatures: features, perplexity: perplexity)
    }

    /// A manifest for `facts` as `outpost fleet publish` makes it (subject: the file name and sha256).
    static func manifest(_ facts: VariantFacts, key: SigningKey, now: Date, validFor: TimeInterval = 86_400) throws -> DSSEEnvelope {
        let statement = ModelManifest(subject: [.init(name: facts.fileName, sha256: facts.sha256)],
                                      predicate: .init(name: facts.name, version: facts.version, created: now,
                                                       expires: now.addingTimeInterval(validFor), quantization: facts.quantization,
                                                       parameterCount: facts.parameterCount, sizeBytes: facts.sizeBytes))
        return try statement.signed(with: key)
    }

    /// One interval of `requests` requests at `latencyMs` each, `errors` of them failed, 50 tokens each.
    static func record(version: String, start: Date, requests: Int, errors: Int, latencyMs: Double, fallbacks: Int = 0) -> IntervalRecord {
        var buckets = [Int](repeating: 0, count: LatencyBuckets.count)
        buckets[LatencyBuckets.index(ofMs: latencyMs)] = requests
        return IntervalRecord(start: start, end: start.addingTimeInterval(30), modelName: "assistant", modelVersion: version,
                              requests: requests, errors: errors, fallbacks: fallbacks, promptTokens: requests * 20,
                              completionTokens: requests * 50, latencyMsSum: latencyMs * Double(requests),
                              latencyMsBuckets: buckets, ttftMsSum: 20 * Double(requests), peakMemoryBytes: 300 << 20)
    }
}
