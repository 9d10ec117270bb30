import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Why an upstream call failed. Each is a reason to fall back (or, for a 4xx that is the caller's
/// fault, to pass the upstream's answer on).
public enum UpstreamError: Error, Sendable, CustomStringConvertible {
    /// The upstream answered with an error status; `body` is its (truncated) answer.
    case status(Int, body: String)
    case timeout(seconds: Double)
    case transport(String)
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .status(let code, let body): return "upstream answered \(code): \(body.prefix(300))"
        case .timeout(let s): return "upstream did not answer within \(s) s"
        case .transport(let m): return "upstream unreachable: \(m)"
        case .invalidResponse(let m): return "upstream sent an invalid response: \(m)"
        }
    }

    /// Server-side failures and unavailability (worth a retry or a fallback), as opposed to a request the
    /// upstream rejected on its merits (4xx other than 408/429).
    public var isRetryable: Bool {
        switch self {
        case .status(let code, _): return code >= 500 || code == 408 || code == 429
        case .timeout, .transport, .invalidResponse: return true
        }
    }
}

/// An OpenAI-compatible endpoint reached over HTTP(S): any URL with an API key.
public final class OpenAIUpstream: Sendable {
    public let name: String
    public let baseURL: String
    private let apiKey: String?
    public let timeoutSeconds: Double
    private let client: HTTPClient

    /// - baseURL: up to and excluding `/v1/...`, e.g. `https://api.example.com` or `http://127.0.0.1:9000`.
    public init(name: String, baseURL: String, apiKey: String?, timeoutSeconds: Double, client: HTTPClient = .shared) {
        self.name = name
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        self.baseURL = base
        self.apiKey = apiKey
        self.timeoutSeconds = timeoutSeconds
        self.client = client
    }

    private func request(path: String, body: Data) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: baseURL + path)
        r.method = .POST
        r.headers.add(name: "Content-Type", value: "application/json")
        r.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let apiKey { r.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        r.body = .bytes(ByteBuffer(bytes: body))
        return r
    }

    /// POSTs `body` to `path` and returns the whole JSON answer (non-streaming).
    public func send(path: String, body: Data, maxBytes: Int = 16 << 20) async throws(UpstreamError) -> Data {
        do {
            let response = try await client.execute(request(path: path, body: body), timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
            let buffer = try await response.body.collect(upTo: maxBytes)
            let data = Data(buffer.readableBytesView)
            guard (200..<300).contains(Int(response.status.code)) else {
                throw UpstreamError.status(Int(response.status.code), body: String(decoding: data.prefix(2048), as: UTF8.self))
            }
            return data
        } catch let e as UpstreamError {
            throw e
        } catch {
            throw Self.classify(error, timeout: timeoutSeconds)
        }
    }

    /// POSTs a streaming request and yields the `data:` payload of each server-sent event (without
    /// `[DONE]`, which ends the stream). The status is checked before the first event is yielded, so a
    /// failed call throws here and a fallback is still possible; a failure mid-stream ends the sequence
    /// with an error.
    public func stream(path: String, body: Data) async throws(UpstreamError) -> AsyncThrowingStream<Data, any Error> {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request(path: path, body: body), timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
        } catch {
            throw Self.classify(error, timeout: timeoutSeconds)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let text = (try? await response.body.collect(upTo: 65536)).map { String(buffer: $0) } ?? ""
            throw .status(Int(response.status.code), body: text)
        }
        let body = response.body
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = SSEParser()
                do {
                    for try await buffer in body {
                        for payload in parser.feed(Array(buffer.readableBytesView)) {
                            if payload == Data("[DONE]".utf8) { continuation.finish(); return }
                            continuation.yield(payload)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: Self.classify(error, timeout: self.timeoutSeconds))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func classify(_ error: any Error, timeout: Double) -> UpstreamError {
        if let e = error as? HTTPClientError, e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            return .timeout(seconds: timeout)
        }
        return .transport("\(error)")
    }
}

/// Splits a server-sent-event byte stream into the payloads of its `data:` lines (events separated by a
/// blank line; several `data:` lines of one event joined by newlines; comments and other fields ignored).
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false

    public init() {}

    public mutating func feed(_ bytes: [UInt8]) -> [Data] {
        var out: [Data] = []
        for b in bytes {
            if b == 0x0A {
                if line.last == 0x0D { line.removeLast() }
                if line.isEmpty {
                    if hasData { out.append(Data(data)) }
                    data.removeAll(keepingCapacity: true)
                    hasData = false
                } else if line.starts(with: Array("data:".utf8)) {
                    var payload = line.dropFirst(5)
                    if payload.first == 0x20 { payload = payload.dropFirst() }
                    if hasData { data.append(0x0A) }
                    data.append(contentsOf: payload)
                    hasData = true
                }
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(b)
            }
        }
        return out
    }
}
