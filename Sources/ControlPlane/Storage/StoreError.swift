import Foundation

/// Why a storage operation failed, in words an operator can act on.
public enum StoreError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The `--db` value is neither `sqlite:PATH` nor a `postgres://` URL.
    case badDatabaseURL(String)
    /// The database could not be opened or reached.
    case unavailable(String)
    /// A query failed (constraint, syntax, connection lost).
    case queryFailed(String)
    /// A stored JSON document no longer decodes (written by another version?).
    case corruptRecord(table: String, key: String, reason: String)
    case notFound(kind: String, id: String)
    case alreadyExists(kind: String, id: String)
    /// The enrollment token is unknown, already used or expired.
    case enrollmentTokenRejected(String)
    /// Someone else changed the record first (optimistic concurrency); re-read and retry.
    case conflict(kind: String, id: String)

    public var description: String {
        switch self {
        case .badDatabaseURL(let s):
            return "unsupported database '\(s)': use sqlite:PATH (a file, created if missing) or postgres://user[:password]@host[:port]/database"
        case .unavailable(let s): return "the database is unavailable: \(s)"
        case .queryFailed(let s): return "a database query failed: \(s)"
        case .corruptRecord(let t, let k, let r): return "the stored \(t) record '\(k)' does not decode: \(r)"
        case .notFound(let kind, let id): return "no \(kind) '\(id)'"
        case .alreadyExists(let kind, let id): return "\(kind) '\(id)' already exists"
        case .enrollmentTokenRejected(let why): return "enrollment token rejected: \(why)"
        case .conflict(let kind, let id): return "\(kind) '\(id)' was changed concurrently; retry"
        }
    }
}
