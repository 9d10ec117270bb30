import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where audit records go. Implementations are thread-safe.
public protocol AuditSink: Sendable {
    /// Appends one record.
    func append(_ record: AuditRecord) throws(AuditLogError)
}

/// The audit log could not be opened or written.
public struct AuditLogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The log file.
    public let path: String
    /// What went wrong.
    public let message: String

    /// Creates an error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "audit log \(path): \(message)" }
}

/// A JSON-lines file, opened in append mode (`O_APPEND`): each record is one `write` of one line, so
/// lines from concurrent writers — threads or processes — never interleave, and existing lines are
/// never rewritten. Created with mode 0640 when missing.
public final class FileAuditLog: AuditSink, @unchecked Sendable {
    /// The file path.
    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()

    /// Opens (or creates) the log for appending.
    public init(path: String) throws(AuditLogError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AuditLogError(path: path, message: "cannot open: \(String(cString: strerror(errno)))") }
        descriptor = fd
    }

    deinit { close(descriptor) }

    public func append(_ record: AuditRecord) throws(AuditLogError) {
        let line = Array((record.jsonLine() + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        var offset = 0
        while offset < line.count {
            let written = line.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return write(descriptor, base + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw AuditLogError(path: path, message: "write failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}

/// Keeps records and their JSON lines in memory, for tests and diagnostics.
public final class InMemoryAuditLog: AuditSink, @unchecked Sendable {
    private let lock = NSLock()
    private var storedRecords: [AuditRecord] = []
    private var storedLines: [String] = []

    /// Creates an empty log.
    public init() {}

    public func append(_ record: AuditRecord) {
        let line = record.jsonLine()
        lock.withLock {
            storedRecords.append(record)
            storedLines.append(line)
        }
    }

    /// The records appended so far.
    public var records: [AuditRecord] { lock.withLock { storedRecords } }

    /// Their JSON lines, exactly as a `FileAuditLog` would write them (without newlines).
    public var lines: [String] { lock.withLock { storedLines } }
}
