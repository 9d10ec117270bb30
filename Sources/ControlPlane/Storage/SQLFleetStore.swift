import Foundation
import SQLKit

/// `FleetStore` over SQLKit: the same SQL on SQLite (a file, WAL mode) and PostgreSQL.
public final class SQLFleetStore: FleetStore {
    let pool: SQLConnectionPool
    public let location: DatabaseLocation

    /// Opens (does not yet migrate) the database at `location`.
    public init(_ location: DatabaseLocation, postgresConnectionsPerLoop: Int = 8) throws(StoreError) {
        self.location = location
        pool = try SQLConnectionPool(location, postgresConnections: postgresConnectionsPerLoop)
    }

    public func migrate() async throws(StoreError) {
        let backend = pool.backend
        try await pool.withConnection { db in
            if backend == .sqlite {
                // WAL: readers never block the writer; NORMAL sync is durable across application crashes.
                try await db.raw("PRAGMA journal_mode=WAL").run()
                try await db.raw("PRAGMA synchronous=NORMAL").run()
                try await db.raw("PRAGMA busy_timeout=5000").run()
            } else {
                // Two instances migrating at once: serialise on an advisory lock for this transaction.
                try await db.raw("BEGIN").run()
                try await db.raw("SELECT pg_advisory_xact_lock(7412089)").run()
            }
            do {
                for statement in FleetSchema.statements { try await db.raw("\(unsafeRaw: statement)").run() }
                let rows = try await db.raw("SELECT version FROM fleet_schema").all()
                if rows.isEmpty {
                    try await db.raw("INSERT INTO fleet_schema (version) VALUES (\(bind: FleetSchema.version))").run()
                }
                if backend == .postgres { try await db.raw("COMMIT").run() }
            } catch {
                if backend == .postgres { try? await db.raw("ROLLBACK").run() }
                throw error
            }
        }
    }

    public func shutdown() async { await pool.shutdown() }

    /// Deletes every row (tests only: each test starts from an empty database).
    public func deleteEverything() async throws(StoreError) {
        try await pool.transaction { db in
            for table in ["update_reports", "telemetry_batches", "telemetry", "variants", "deployments", "experiments",
                          "devices", "enrollment_tokens"] {
                try await db.raw("DELETE FROM \(unsafeRaw: table)").run()
            }
        }
    }
}

// MARK: - row helpers

extension Date {
    var seconds: Double { timeIntervalSince1970 }
    init(seconds: Double) { self.init(timeIntervalSince1970: seconds) }
}

enum JSONText {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding our own plain value types cannot fail; an empty object keeps the column non-null regardless.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, table: String, key: String,
                                     decoder: JSONDecoder = JSONDecoder()) throws(StoreError) -> T {
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw .corruptRecord(table: table, key: key, reason: String(describing: error))
        }
    }
}

extension SQLRow {
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func double(_ column: String) throws -> Double { try decode(column: column, as: Double.self) }
    func optionalDouble(_ column: String) throws -> Double? { try decode(column: column, as: Double?.self) }
    func int64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
}
