import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File operations that survive power loss: data is fsynced before it is renamed into place, and the
/// directory is fsynced after, so a crash leaves either the old file or the new one, never a torn one.
enum DurableFile {
    /// Writes `data` to `url` atomically: a temporary file in the same directory, fsync, rename, fsync dir.
    static func write(_ data: Data, to url: URL) throws(AgentError) {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: tmp.path, reason: errnoText()) }
        var failure: AgentError?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .io(operation: "write", path: tmp.path, reason: errnoText())
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .io(operation: "fsync", path: tmp.path, reason: errnoText()) }
        close(fd)
        if let failure {
            unlink(tmp.path)
            throw failure
        }
        guard rename(tmp.path, url.path) == 0 else {
            let reason = errnoText()
            unlink(tmp.path)
            throw .io(operation: "rename", path: url.path, reason: reason)
        }
        try syncDirectory(dir)
    }

    /// fsync of a file already written (e.g. a finished download).
    static func sync(_ url: URL) throws(AgentError) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: url.path, reason: errnoText()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: url.path, reason: errnoText()) }
    }

    /// fsync of a directory, so that renames and creations inside it are durable.
    static func syncDirectory(_ url: URL) throws(AgentError) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open directory", path: url.path, reason: errnoText()) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync directory", path: url.path, reason: errnoText()) }
    }

    /// Creates a directory and its parents (no error when it exists).
    static func makeDirectory(_ url: URL) throws(AgentError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "mkdir", path: url.path, reason: "\(error)")
        }
    }

    /// Free bytes for an unprivileged writer on the file system holding `url`.
    static func availableBytes(at url: URL) throws(AgentError) -> Int64 {
        var st = statvfs()
        guard statvfs(url.path, &st) == 0 else { throw .io(operation: "statvfs", path: url.path, reason: errnoText()) }
        let (product, overflow) = Int64(st.f_bavail).multipliedReportingOverflow(by: Int64(st.f_frsize))
        return overflow ? Int64.max : product
    }

    /// Size of a regular file, or nil when it does not exist.
    static func size(of url: URL) -> Int64? {
        var st = stat()
        guard stat(url.path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Reads a small file whole.
    static func read(_ url: URL) throws(AgentError) -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw .io(operation: "read", path: url.path, reason: "\(error)")
        }
    }
}
