import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore
import NIOHTTP1

/// A small JSON client of the fleet API (used by `outpost fleet publish` and the load tool).
public final class FleetHTTPClient: Sendable {
    public let baseURL: String
    let http: HTTPClient

    public init(baseURL: String, maxConnections: Int = 8) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(600))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async { try? await http.shutdown() }

    public struct Failure: Error, CustomStringConvertible {
        public let status: Int
        public let message: String
        public var description: String { status == 0 ? message : "HTTP \(status): \(message)" }
    }

    /// Sends `body` (JSON bytes, or a raw stream via `rawFile`) and returns the status and body.
    public func send(_ method: HTTPMethod, _ path: String, token: String?, json: Data? = nil,
                     timeout: TimeInterval = 30) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Data(body.readableBytesView))
    }

    /// Decodes a 2xx JSON answer as `T`, or throws the API's error message.
    public func call<T: Decodable>(_ type: T.Type, _ method: HTTPMethod, _ path: String, token: String?,
                                   body: (some Encodable)?) async throws -> T {
        let data = try body.map { try FleetJSON.encoder().encode($0) }
        let (status, answer) = try await send(method, path, token: token, json: data)
        guard (200..<300).contains(status) else { throw Failure(status: status, message: Self.errorMessage(answer)) }
        return try FleetJSON.decoder().decode(T.self, from: answer)
    }

    /// Uploads a file as the request body, streamed from disk.
    public func upload(file: URL, to path: String, token: String) async throws -> Int {
        let size = try file.resourceValues(forKeys: [.fileSizeKey]).fileSize
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .PUT
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(FileChunks(url: file), length: size.map { .known(Int64($0)) } ?? .unknown)
        let response = try await http.execute(request, timeout: .seconds(3600))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(status: Int(response.status.code), message: Self.errorMessage(Data(body.readableBytesView)))
        }
        return Int(response.status.code)
    }

    /// A file read 1 MiB at a time, as the request body asks for it.
    struct FileChunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let url: URL
        struct AsyncIterator: AsyncIteratorProtocol {
            let handle: FileHandle?
            mutating func next() async throws -> ByteBuffer? {
                guard let handle, let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                    try? handle?.close()
                    return nil
                }
                return ByteBuffer(bytes: data)
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: try? FileHandle(forReadingFrom: url)) }
    }

    static func errorMessage(_ data: Data) -> String {
        struct Envelope: Decodable { struct Body: Decodable { let message: String }; let error: Body }
        if let e = try? JSONDecoder().decode(Envelope.self, from: data) { return e.error.message }
        return String(decoding: data.prefix(500), as: UTF8.self)
    }
}
