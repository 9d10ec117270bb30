import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// Pooled connections to SQLite or PostgreSQL, each handed out as an `SQLDatabase` for the length of
/// a closure (a transaction runs on one connection).
///
/// SQLite gets a single connection: its writers serialise anyway, and queueing in the pool is cheaper
/// and fairer than `SQLITE_BUSY` retries. PostgreSQL gets `postgresConnections` per event loop.
/// Unchecked: AsyncKit's pools lock their own state but are not annotated `Sendable`.
final class SQLConnectionPool: @unchecked Sendable {
    enum Backend: Sendable { case sqlite, postgres }
    let backend: Backend
    private let sqlite: EventLoopGroupConnectionPool<SQLiteConnectionSource>?
    private let postgres: EventLoopGroupConnectionPool<PostgresConnectionSource>?
    private let logger: Logger

    init(_ location: DatabaseLocation, postgresConnections: Int = 8) throws(StoreError) {
        var logger = Logger(label: "outpost.fleet.db")
        logger.logLevel = .warning
        self.logger = logger
        switch location {
        case .sqlite(let path):
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: dir) else {
                throw .unavailable("the directory of the SQLite file does not exist: \(dir)")
            }
            backend = .sqlite
            let source = SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: true))
            sqlite = EventLoopGroupConnectionPool(source: source, maxConnectionsPerEventLoop: 1,
                                                  requestTimeout: .seconds(30), pruneInterval: nil, logger: logger,
                                                  on: MultiThreadedEventLoopGroup.singleton.next())
            postgres = nil
        case .postgres(let url):
            let configuration: SQLPostgresConfiguration
            do {
                var c = try SQLPostgresConfiguration(url: url)
                if !url.contains("tlsmode=") && !url.contains("sslmode=") { c.coreConfiguration.tls = .disable }
                configuration = c
            } catch {
                throw .badDatabaseURL(url)
            }
            backend = .postgres
            postgres = EventLoopGroupConnectionPool(source: PostgresConnectionSource(sqlConfiguration: configuration),
                                                    maxConnectionsPerEventLoop: max(1, postgresConnections),
                                                    requestTimeout: .seconds(30), pruneInterval: nil, logger: logger,
                                                    on: MultiThreadedEventLoopGroup.singleton)
            sqlite = nil
        }
    }

    /// Runs `body` with one connection of the pool.
    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        do {
            if let sqlite {
                let connection = try await sqlite.requestConnection(logger: logger).get()
                defer { sqlite.releaseConnection(connection, logger: logger) }
                return try await body(connection.sql())
            }
            guard let postgres else { throw StoreError.unavailable("no database configured") }
            let connection = try await postgres.requestConnection(logger: logger).get()
            defer { postgres.releaseConnection(connection, logger: logger) }
            return try await body(connection.sql())
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Runs `body` in a transaction (SQLite: `BEGIN IMMEDIATE`, so the write lock is taken up front).
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws(StoreError) -> T {
        let begin = backend == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await withConnection { db in
            try await db.raw("\(unsafeRaw: begin)").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    func shutdown() async {
        try? await sqlite?.shutdownAsync()
        try? await postgres?.shutdownAsync()
    }

    /// A driver error as a `StoreError`, with the database's own message where there is one.
    static func storeError(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return .queryFailed(message) }
            return .unavailable(String(reflecting: e.code))
        }
        return .queryFailed(String(describing: error))
    }
}
