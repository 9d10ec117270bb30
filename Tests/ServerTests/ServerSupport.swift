import Foundation
import Hummingbird
import HummingbirdTesting
import Inference
import NIOCore
import Server
import TestSupport
import XCTest

/// A real server over the real SmolLM2 file, small enough to start in a test.
enum TestServer {
    static var modelPath: String { TestPaths.Reference.smollm2.modelPath }

    static func make(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> OutpostServer {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw XCTSkip("SmolLM2 absent; run scripts/fetch-models")
        }
        Kernels.initialize(forceGeneric: false)
        var c = ServerConfiguration()
        c.models = [.init(name: "smollm2", path: modelPath)]
        c.port = 0
        c.threads = 2
        c.scheduler = SchedulerConfig(parallel: 2, contextSize: 512, maxQueue: 4)
        adjust(&c)
        let server = try OutpostServer(configuration: c)
        try server.loadModels()
        return server
    }

    static func stop(_ server: OutpostServer) {
        for m in server.host.all {
            m.scheduler.cancelAll()
            m.scheduler.stop()
        }
    }
}

extension TestClientProtocol {
    /// POSTs a JSON string.
    func post(_ uri: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var h = headers
        h[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: json))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object (fails the test if it is not one).
    func json(file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] else {
            XCTFail("not a JSON object: \(text)", file: file, line: line)
            return [:]
        }
        return obj
    }

    /// The OpenAI error envelope's inner object.
    var error: [String: Any] { (json()["error"] as? [String: Any]) ?? [:] }

    /// `data:` payloads of a server-sent-event body, in order.
    var events: [String] {
        text.components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
        }
    }
}

/// JSON text → object, for events.
func object(_ s: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any] ?? [:]
}

/// A raw HTTP/1.1 client on a socket: lets a test walk away mid-stream, as a real client does.
final class RawHTTPClient {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { _ = Glibc.close(fd); throw XCTSkip("cannot connect to the test server") }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            sent += n
        }
    }

    /// Reads until `marker` appears (or the peer closes / `timeout` passes); returns what was read.
    func read(until marker: String, timeout: Double = 30) -> String {
        var data = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = Glibc.read(fd, &buf, buf.count)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
            if String(decoding: data, as: UTF8.self).contains(marker) { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    func close() { _ = Glibc.close(fd) }

    static func post(path: String, json: String, port: Int) -> String {
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
    }
}

/// Everything a sequence's event stream delivered: its text (tokens, then the summary's trailing text),
/// the summary, and each token's log-probability as raw bits (0 when not asked for).
struct CollectedSequence {
    var text = ""
    var summary: SequenceSummary?
    var logprobs: [UInt32] = []

    static func of(_ handle: SequenceHandle) async -> CollectedSequence {
        var c = CollectedSequence()
        for await e in handle.events {
            switch e {
            case .token(let token, let t):
                c.text += t
                c.logprobs.append(token.logprob?.bitPattern ?? 0)
            case .finished(let s):
                c.text += s.trailingText
                c.summary = s
            case .admitted: break
            }
        }
        return c
    }
}
