import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// A man in the middle between an agent and the control plane: forwards every request, records the
/// desired states it sees, and on demand answers with the first one again (a replay attack).
final class ReplayProxy: @unchecked Sendable {
    let upstream: String
    private let lock = NSLock()
    private var recorded: Data?
    private var replaying = false
    private(set) var replays = 0

    init(upstream: String) { self.upstream = upstream }

    func startReplaying() { lock.withLock { replaying = true } }

    func application(port: Int) -> some ApplicationProtocol {
        let router = Router()
        let proxy = self
        router.on("**", method: .get) { request, _ in try await proxy.forward(request) }
        router.on("**", method: .post) { request, _ in try await proxy.forward(request) }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
    }

    func forward(_ request: Request) async throws -> Response {
        let path = request.uri.description
        let isDesired = request.method == .get && path.hasSuffix("/desired-state")
        if isDesired, let old = lock.withLock({ replaying ? recorded : nil }) {
            lock.withLock { replays += 1 }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: old)))
        }
        var out = HTTPClientRequest(url: upstream + path)
        out.method = request.method == .get ? .GET : .POST
        for field in request.headers where field.name == .authorization || field.name == .contentType {
            out.headers.add(name: field.name.rawName, value: field.value)
        }
        if request.method == .post {
            out.body = .bytes(try await request.body.collect(upTo: 16 << 20))
        }
        let response = try await HTTPClient.shared.execute(out, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 256 << 20)
        if isDesired, response.status == .ok {
            lock.withLock { if recorded == nil { recorded = Data(body.readableBytesView) } }
        }
        var headers = HTTPFields()
        if let type = response.headers.first(name: "Content-Type") { headers[.contentType] = type }
        return Response(status: .init(code: Int(response.status.code)), headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
