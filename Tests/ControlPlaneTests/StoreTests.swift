import ControlPlane
import XCTest

/// The storage suite on a SQLite file.
final class SQLiteStoreTests: XCTestCase {
    func testEnrollmentTokensEnrollOnce() async throws {
        let s = try await TestDatabases.sqlite(); defer { Task { await s.shutdown() } }
        try await StoreSuite.enrollmentTokensEnrollOnce(s)
    }
    func testConcurrentEnrollmentUsesTokenOnce() async throws {
        let s = try await TestDatabases.sqlite(); defer { Task { await s.shutdown() } }
        try await StoreSuite.concurrentEnrollmentUsesTokenOnce(s)
    }
    func testDesiredSequencesAreUniqueAndIncreasing() async throws {
        let s = try await TestDatabases.sqlite(); defer { Task { await s.shutdown() } }
        try await StoreSuite.desiredSequencesAreUniqueAndIncreasing(s, s)
    }
    func testTelemetryBatchesCountOnce() async throws {
        let s = try await TestDatabases.sqlite(); defer { Task { await s.shutdown() } }
        try await StoreSuite.telemetryBatchesCountOnce(s, s)
    }
    func testDeploymentsUseOptimisticConcurrency() async throws {
        let s = try await TestDatabases.sqlite(); defer { Task { await s.shutdown() } }
        try await StoreSuite.deploymentsUseOptimisticConcurrency(s)
    }
    func testVariantsUpsertAndExperimentsPersist() async throws {
        let s = try await TestDatabases.sqlite(); defer { Task { await s.shutdown() } }
        try await StoreSuite.variantsUpsertAndExperimentsPersist(s)
    }
    func testHeartbeatsAndReports() async throws {
        let s = try await TestDatabases.sqlite(); defer { Task { await s.shutdown() } }
        try await StoreSuite.heartbeatsAndReports(s)
    }
    func testDatabaseLocations() throws {
        XCTAssertEqual(try DatabaseLocation(parsing: "sqlite:/tmp/f.db"), .sqlite(path: "/tmp/f.db"))
        XCTAssertEqual(try DatabaseLocation(parsing: "postgresql://u@h:5/db"), .postgres(url: "postgres://u@h:5/db"))
        XCTAssertEqual(try DatabaseLocation(parsing: "postgres://u:secret@h/db").description, "postgres://u:***@h/db")
        XCTAssertThrowsError(try DatabaseLocation(parsing: "mysql://x")) { error in
            XCTAssertTrue(String(describing: error).contains("sqlite:PATH"))
        }
        XCTAssertThrowsError(try SQLFleetStore(.sqlite(path: "/no/such/dir/fleet.db")))
    }
}

/// The same suite on PostgreSQL (`OUTPOST_TEST_POSTGRES_URL`), with two store instances where the
/// behaviour concerns several control planes on one database.
final class PostgresStoreTests: XCTestCase {
    func testEnrollmentTokensEnrollOnce() async throws {
        let s = try await TestDatabases.postgres(); defer { Task { await s.shutdown() } }
        try await StoreSuite.enrollmentTokensEnrollOnce(s)
    }
    func testConcurrentEnrollmentUsesTokenOnce() async throws {
        let s = try await TestDatabases.postgres(); defer { Task { await s.shutdown() } }
        try await StoreSuite.concurrentEnrollmentUsesTokenOnce(s)
    }
    func testDesiredSequencesAreUniqueAcrossTwoInstances() async throws {
        let a = try await TestDatabases.postgres(); defer { Task { await a.shutdown() } }
        let b = try await TestDatabases.postgres(fresh: false); defer { Task { await b.shutdown() } }
        try await StoreSuite.desiredSequencesAreUniqueAndIncreasing(a, b)
    }
    func testTelemetryBatchesCountOnceAcrossTwoInstances() async throws {
        let a = try await TestDatabases.postgres(); defer { Task { await a.shutdown() } }
        let b = try await TestDatabases.postgres(fresh: false); defer { Task { await b.shutdown() } }
        try await StoreSuite.telemetryBatchesCountOnce(a, b)
    }
    func testDeploymentsUseOptimisticConcurrency() async throws {
        let s = try await TestDatabases.postgres(); defer { Task { await s.shutdown() } }
        try await StoreSuite.deploymentsUseOptimisticConcurrency(s)
    }
    func testVariantsUpsertAndExperimentsPersist() async throws {
        let s = try await TestDatabases.postgres(); defer { Task { await s.shutdown() } }
        try await StoreSuite.variantsUpsertAndExperimentsPersist(s)
    }
    func testHeartbeatsAndReports() async throws {
        let s = try await TestDatabases.postgres(); defer { Task { await s.shutdown() } }
        try await StoreSuite.heartbeatsAndReports(s)
    }
}
