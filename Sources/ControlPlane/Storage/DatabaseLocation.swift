import Foundation

/// Where the fleet database lives, parsed from `--db`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite file (created if missing), opened in WAL mode.
    case sqlite(path: String)
    /// A PostgreSQL server, e.g. `postgres://outpost@127.0.0.1:5432/fleet`.
    case postgres(url: String)

    /// Parses `sqlite:PATH`, a bare path ending in .db/.sqlite, or a `postgres://` / `postgresql://` URL.
    public init(parsing text: String) throws(StoreError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("sqlite:") {
            var path = String(t.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw .badDatabaseURL(text) }
            self = .sqlite(path: path)
        } else if t.hasPrefix("postgres://") || t.hasPrefix("postgresql://") {
            let url = t.hasPrefix("postgresql://") ? "postgres://" + t.dropFirst("postgresql://".count) : t
            guard URL(string: url)?.host != nil else { throw .badDatabaseURL(text) }
            self = .postgres(url: url)
        } else {
            throw .badDatabaseURL(text)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            // Never print a password.
            guard var c = URLComponents(string: url) else { return "postgres://…" }
            if c.password != nil { c.password = "***" }
            return c.string ?? "postgres://…"
        }
    }
}
