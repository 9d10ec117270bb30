import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A real HTTP artifact server for the agent's tests: serves byte arrays with Range support, and can be
/// told to misbehave (ignore ranges, cut the body short) to inject faults into real transfers.
final class ArtifactFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [String: [UInt8]] = [:]
    private(set) var rangeRequests: [String] = []
    /// Bytes after which the next responses stop (the connection is closed mid-body).
    var cutAfter: Int?
    var ignoreRange = false

    func put(_ name: String, _ bytes: [UInt8]) {
        lock.lock()
        files[name] = bytes
        lock.unlock()
    }

    func get(_ name: String) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        return files[name]
    }

    func noteRange(_ r: String) {
        lock.lock()
        rangeRequests.append(r)
        lock.unlock()
    }

    var settings: (cut: Int?, ignore: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (cutAfter, ignoreRange)
    }

    func set(cutAfter: Int?, ignoreRange: Bool = false) {
        lock.lock()
        self.cutAfter = cutAfter
        self.ignoreRange = ignoreRange
        lock.unlock()
    }
}

struct CutShort: Error {}

func artifactApplication(_ files: ArtifactFiles) -> some ApplicationProtocol {
    let router = Router()
    router.get("artifacts/:name") { request, context -> Response in
        let name = try context.parameters.require("name")
        guard let bytes = files.get(name) else { return Response(status: .notFound) }
        let (cut, ignore) = files.settings
        var start = 0
        var status = HTTPResponse.Status.ok
        var headers = HTTPFields()
        if let range = request.headers[.range], !ignore {
            files.noteRange(range)
            guard range.hasPrefix("bytes="), range.hasSuffix("-"),
                  let from = Int(range.dropFirst(6).dropLast()) else { return Response(status: .badRequest) }
            if from >= bytes.count {
                headers[.contentRange] = "bytes */\(bytes.count)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            start = from
            status = .partialContent
            headers[.contentRange] = "bytes \(from)-\(bytes.count - 1)/\(bytes.count)"
        }
        headers[.contentLength] = "\(bytes.count - start)"
        let slice = Array(bytes[start...])
        let body = ResponseBody { writer in
            let limit = cut.map { min($0, slice.count) } ?? slice.count
            var offset = 0
            while offset < limit {
                let end = min(offset + 65536, limit)
                try await writer.write(ByteBuffer(bytes: slice[offset..<end]))
                offset = end
            }
            if limit < slice.count { throw CutShort() }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}
