import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore
import NIOHTTP1

/// The device side of the fleet API: JSON over HTTP with the device's bearer credential.
public struct ControlPlaneClient: Sendable {
    public let baseURL: String
    public let client: HTTPClient
    public var credential: String?
    public var timeout: TimeAmount = .seconds(15)

    public init(baseURL: String, client: HTTPClient, credential: String? = nil) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.client = client
        self.credential = credential
    }

    /// Sends `body` (JSON) and decodes the answer; non-2xx statuses become `ControlPlaneError.status`.
    public func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)?,
                                          as: Response.Type) async throws(ControlPlaneError) -> Response {
        let data = try await send(method, path, body: body)
        do { return try FleetJSON.decoder().decode(Response.self, from: data) } catch {
            throw .badResponse(path: path, reason: "\(error)")
        }
    }

    /// Sends `body` (JSON) and returns the raw answer.
    @discardableResult
    public func send(_ method: HTTPMethod, _ path: String, body: (some Encodable)?) async throws(ControlPlaneError) -> Data {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let credential { request.headers.add(name: "Authorization", value: "Bearer \(credential)") }
        if let body {
            do {
                let data = try FleetJSON.encoder().encode(body)
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: data))
            } catch {
                throw .badResponse(path: path, reason: "cannot encode the request: \(error)")
            }
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw .unreachable(url: baseURL + path, reason: "\(error)")
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw .status(Int(response.status.code), path: path, body: String(decoding: data.prefix(500), as: UTF8.self))
        }
        return data
    }
}

/// A control-plane call that failed.
public enum ControlPlaneError: Error, Sendable, CustomStringConvertible {
    case unreachable(url: String, reason: String)
    case status(Int, path: String, body: String)
    case badResponse(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): return "control plane unreachable at \(url): \(reason)"
        case .status(let code, let path, let body): return "control plane answered \(code) to \(path): \(body)"
        case .badResponse(let path, let reason): return "control plane answer to \(path) is not understood: \(reason)"
        }
    }

    /// True when the request may succeed later (network, 5xx, 429).
    public var isTransient: Bool {
        switch self {
        case .unreachable: return true
        case .status(let code, _, _): return code >= 500 || code == 429 || code == 408
        case .badResponse: return false
        }
    }
}

/// Exponential backoff with full jitter: the wait before attempt `n` (0-based) is uniform in
/// [0, min(cap, base × 2^n)].
public struct Backoff: Sendable {
    public var base: Double
    public var cap: Double

    public init(base: Double = 1, cap: Double = 60) {
        self.base = base
        self.cap = cap
    }

    public func delay(attempt: Int, random: Double = Double.random(in: 0...1)) -> Double {
        let exp = base * pow(2, Double(min(max(attempt, 0), 30)))
        return min(cap, exp) * min(max(random, 0), 1)
    }
}
