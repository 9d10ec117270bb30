import Foundation
import SQLKit

extension SQLFleetStore {
    public func createEnrollmentToken(_ token: EnrollmentTokenRecord) async throws(StoreError) {
        let labels = JSONText.encode(token.labels)
        try await pool.withConnection { db in
            try await db.raw("""
                INSERT INTO enrollment_tokens (token_hash, labels, created_at, expires_at)
                VALUES (\(bind: token.tokenHash), \(bind: labels), \(bind: token.createdAt.seconds), \(bind: token.expiresAt.seconds))
                """).run()
        }
    }

    public func enroll(tokenHash: String, device: DeviceRecord, now: Date) async throws(StoreError) -> DeviceRecord {
        try await pool.transaction { db in
            // Claim the token first: the UPDATE matches only an unused, unexpired token, so of two concurrent
            // enrollments with one token exactly one gets a row back.
            let claimed = try await db.raw("""
                UPDATE enrollment_tokens SET used_at = \(bind: now.seconds), device_id = \(bind: device.id)
                WHERE token_hash = \(bind: tokenHash) AND used_at IS NULL AND expires_at > \(bind: now.seconds)
                RETURNING labels
                """).first()
            guard let claimed else {
                let row = try await db.raw("SELECT used_at, expires_at FROM enrollment_tokens WHERE token_hash = \(bind: tokenHash)").first()
                guard let row else { throw StoreError.enrollmentTokenRejected("unknown token") }
                if try row.optionalDouble("used_at") != nil {
                    throw StoreError.enrollmentTokenRejected("the token was already used (tokens enroll one device)")
                }
                let expiry = Date(seconds: try row.double("expires_at"))
                throw StoreError.enrollmentTokenRejected("the token expired at \(expiry)")
            }
            var enrolled = device
            let tokenLabels = try JSONText.decode([String: String].self, try claimed.string("labels"),
                                                  table: "enrollment_tokens", key: "token")
            enrolled.labels = tokenLabels.merging(device.labels) { _, own in own }
            try await Self.insert(enrolled, db)
            return enrolled
        }
    }

    private static func insert(_ d: DeviceRecord, _ db: any SQLDatabase) async throws {
        if try await db.raw("SELECT id FROM devices WHERE id = \(bind: d.id)").first() != nil {
            throw StoreError.alreadyExists(kind: "device", id: d.id)
        }
        try await db.raw("""
            INSERT INTO devices (id, name, credential_hash, labels, inventory, active_model, health, enrolled_at,
                                 last_seen, desired_sequence)
            VALUES (\(bind: d.id), \(bind: d.name), \(bind: d.credentialHash), \(bind: JSONText.encode(d.labels)),
                    \(bind: d.inventoryJSON), \(bind: d.activeModelJSON), \(bind: d.health), \(bind: d.enrolledAt.seconds),
                    \(bind: d.lastSeen?.seconds), \(bind: d.desiredSequence))
            """).run()
    }

    public func device(id: String) async throws(StoreError) -> DeviceRecord? {
        let row = try await pool.withConnection { db in
            try await db.raw("SELECT * FROM devices WHERE id = \(bind: id)").first()
        }
        return try row.map { r throws(StoreError) in try Self.deviceRecord(r) }
    }

    public func device(credentialHash: String) async throws(StoreError) -> DeviceRecord? {
        let row = try await pool.withConnection { db in
            try await db.raw("SELECT * FROM devices WHERE credential_hash = \(bind: credentialHash)").first()
        }
        return try row.map { r throws(StoreError) in try Self.deviceRecord(r) }
    }

    public func devices() async throws(StoreError) -> [DeviceRecord] {
        let rows = try await pool.withConnection { db in try await db.raw("SELECT * FROM devices ORDER BY id").all() }
        var result: [DeviceRecord] = []
        result.reserveCapacity(rows.count)
        for r in rows { result.append(try Self.deviceRecord(r)) }
        return result
    }

    public func recordHeartbeat(deviceID: String, inventoryJSON: String, activeModelJSON: String?, health: String,
                                at: Date) async throws(StoreError) {
        let updated = try await pool.withConnection { db in
            try await db.raw("""
                UPDATE devices SET inventory = \(bind: inventoryJSON), active_model = \(bind: activeModelJSON),
                       health = \(bind: health), last_seen = \(bind: at.seconds)
                WHERE id = \(bind: deviceID) RETURNING id
                """).first()
        }
        if updated == nil { throw .notFound(kind: "device", id: deviceID) }
    }

    public func setLabels(deviceID: String, labels: [String: String]) async throws(StoreError) {
        let updated = try await pool.withConnection { db in
            try await db.raw("UPDATE devices SET labels = \(bind: JSONText.encode(labels)) WHERE id = \(bind: deviceID) RETURNING id").first()
        }
        if updated == nil { throw .notFound(kind: "device", id: deviceID) }
    }

    public func nextDesiredSequence(deviceID: String) async throws(StoreError) -> Int64 {
        // One statement: the increment and the read are atomic in both databases.
        let row = try await pool.withConnection { db in
            try await db.raw("""
                UPDATE devices SET desired_sequence = desired_sequence + 1 WHERE id = \(bind: deviceID)
                RETURNING desired_sequence
                """).first()
        }
        guard let row else { throw .notFound(kind: "device", id: deviceID) }
        do { return try row.int64("desired_sequence") } catch { throw SQLConnectionPool.storeError(error) }
    }

    public func recordUpdateReport(_ report: UpdateReportRecord) async throws(StoreError) {
        try await pool.withConnection { db in
            try await db.raw("""
                INSERT INTO update_reports (id, device_id, at, report)
                VALUES (\(bind: UUID().uuidString), \(bind: report.deviceID), \(bind: report.at.seconds), \(bind: report.reportJSON))
                """).run()
        }
    }

    public func updateReports(deviceID: String, limit: Int) async throws(StoreError) -> [UpdateReportRecord] {
        let n = Int64(max(0, min(limit, 10_000)))
        let rows = try await pool.withConnection { db in
            try await db.raw("""
                SELECT device_id, at, report FROM update_reports WHERE device_id = \(bind: deviceID)
                ORDER BY at DESC LIMIT \(bind: n)
                """).all()
        }
        do {
            return try rows.map { UpdateReportRecord(deviceID: try $0.string("device_id"), at: Date(seconds: try $0.double("at")),
                                                     reportJSON: try $0.string("report")) }
        } catch { throw SQLConnectionPool.storeError(error) }
    }

    static func deviceRecord(_ r: any SQLRow) throws(StoreError) -> DeviceRecord {
        do {
            let id = try r.string("id")
            return DeviceRecord(
                id: id, name: try r.string("name"), credentialHash: try r.string("credential_hash"),
                labels: try JSONText.decode([String: String].self, try r.string("labels"), table: "devices", key: id),
                inventoryJSON: try r.optionalString("inventory"), activeModelJSON: try r.optionalString("active_model"),
                health: try r.optionalString("health"), enrolledAt: Date(seconds: try r.double("enrolled_at")),
                lastSeen: try r.optionalDouble("last_seen").map(Date.init(seconds:)),
                desiredSequence: try r.int64("desired_sequence"))
        } catch let e as StoreError {
            throw e
        } catch {
            throw .corruptRecord(table: "devices", key: "?", reason: String(describing: error))
        }
    }
}
