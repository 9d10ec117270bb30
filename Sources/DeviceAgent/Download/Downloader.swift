import AsyncHTTPClient
import FleetCore
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a download, for logs and reports.
public struct DownloadProgress: Sendable {
    public var received: Int64
    public var total: Int64
    public var resumedFrom: Int64
}

/// Downloads an artifact into the staging directory, resuming a partial file with an HTTP Range
/// request, and checks size and sha256 before handing the file on. Nothing here activates anything.
public struct ArtifactDownloader: Sendable {
    public let client: HTTPClient
    public let faults: FaultPoints
    public let headers: [(String, String)]

    public init(client: HTTPClient, faults: FaultPoints = FaultPoints(), headers: [(String, String)] = []) {
        self.client = client
        self.faults = faults
        self.headers = headers
    }

    /// Downloads `url` to `staging/<sha256>.partial`, resuming it if present; returns the complete file
    /// (`staging/<sha256>.download`) once its size and digest match.
    public func fetch(url: String, sha256: String, size: Int64, into staging: URL, headers extra: [String: String] = [:],
                      progress: @Sendable (DownloadProgress) -> Void = { _ in }) async throws(AgentError) -> URL {
        let digest = sha256.lowercased()
        guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
            throw .corruptState(path: url, reason: "the desired state names an invalid sha256 '\(sha256)'")
        }
        let done = staging.appendingPathComponent("\(digest).download")
        if DurableFile.size(of: done) == size, (try? Self.sha256(of: done)) == digest { return done }
        let partial = staging.appendingPathComponent("\(digest).partial")
        var have = DurableFile.size(of: partial) ?? 0
        if have > size {
            unlink(partial.path)
            have = 0
        }
        faults.hit("download-start")
        if have < size {
            try await transfer(url: url, to: partial, have: have, size: size, headers: extra, progress: progress)
        }
        try DurableFile.sync(partial)
        faults.hit("download-done")
        let received = DurableFile.size(of: partial) ?? 0
        guard received == size else { throw .truncatedDownload(expected: size, received: received) }
        faults.hit("verify-start")
        let actual = try Self.sha256(of: partial)
        guard actual == digest else {
            unlink(partial.path)
            throw .digestMismatch(expected: digest, actual: actual)
        }
        guard rename(partial.path, done.path) == 0 else { throw .io(operation: "rename", path: done.path, reason: errnoText()) }
        try DurableFile.syncDirectory(staging)
        faults.hit("verify-done")
        return done
    }

    private func transfer(url: String, to partial: URL, have: Int64, size: Int64, headers extra: [String: String],
                          progress: @Sendable (DownloadProgress) -> Void) async throws(AgentError) {
        var request = HTTPClientRequest(url: url)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        for (k, v) in extra { request.headers.add(name: k, value: v) }
        if have > 0 { request.headers.add(name: "Range", value: "bytes=\(have)-") }
        let response: HTTPClientResponse
        do { response = try await client.execute(request, timeout: .seconds(60)) } catch {
            throw .network(url: url, reason: "\(error)")
        }
        var offset = have
        switch response.status.code {
        case 206:
            break
        case 200:
            offset = 0   // the server ignored the range: start over
        case 416 where have == size:
            return
        case 416:
            // The server's file is shorter than our partial one: it is not the signed artifact.
            unlink(partial.path)
            throw .truncatedDownload(expected: size, received: have)
        default:
            throw .http(status: Int(response.status.code), url: url)
        }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (offset == 0 ? O_TRUNC : 0)
        let fd = open(partial.path, flags, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: partial.path, reason: errnoText()) }
        defer { close(fd) }
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else {
            throw .io(operation: "seek", path: partial.path, reason: errnoText())
        }
        var halfReported = offset >= size / 2
        do {
            for try await chunk in response.body {
                let count = Int64(chunk.readableBytes)
                guard offset + count <= size else { throw AgentError.truncatedDownload(expected: size, received: offset + count) }
                try chunk.withUnsafeReadableBytes { (raw) throws(AgentError) in
                    var done = 0
                    while done < raw.count {
                        let n = write(fd, raw.baseAddress! + done, raw.count - done)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw AgentError.io(operation: "write", path: partial.path, reason: errnoText())
                        }
                        done += n
                    }
                }
                offset += count
                progress(DownloadProgress(received: offset, total: size, resumedFrom: have))
                if !halfReported && offset >= size / 2 {
                    halfReported = true
                    fsync(fd)
                    faults.hit("download-half")
                }
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw .network(url: url, reason: "download interrupted at \(offset) of \(size) bytes: \(error)")
        }
        if offset < size { throw .truncatedDownload(expected: size, received: offset) }
    }

    /// Hex sha256 of a file (FleetCore's streamed digest), as an agent error.
    static func sha256(of url: URL) throws(AgentError) -> String {
        do { return try FileDigest.sha256(of: url).hex } catch {
            throw .io(operation: "sha256", path: url.path, reason: error.description)
        }
    }
}
