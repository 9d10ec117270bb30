import Foundation
import SQLKit

extension SQLFleetStore {
    public func ingestTelemetry(deviceID: String, idempotencyKey: String, aggregates: [TelemetryRow],
                                receivedAt: Date) async throws(StoreError) -> Bool {
        let lockRows = pool.backend == .postgres ? " FOR UPDATE" : ""
        return try await pool.transaction { db in
            // The primary key (device, key) makes a second copy of a batch insert nothing, also when two copies
            // race on two instances: the loser waits for the winner's commit and then sees the conflict.
            let fresh = try await db.raw("""
                INSERT INTO telemetry_batches (device_id, idempotency_key, received_at)
                VALUES (\(bind: deviceID), \(bind: idempotencyKey), \(bind: receivedAt.seconds))
                ON CONFLICT (device_id, idempotency_key) DO NOTHING RETURNING device_id
                """).first()
            guard fresh != nil else { return false }
            for var a in Self.combined(aggregates) {
                let existing = try await db.raw("""
                    SELECT * FROM telemetry WHERE device_id = \(bind: a.deviceID) AND model_name = \(bind: a.modelName)
                      AND model_version = \(bind: a.modelVersion) AND interval_start = \(bind: a.intervalStart.seconds)\(unsafeRaw: lockRows)
                    """).first()
                if let existing {
                    var merged = try Self.aggregate(existing)
                    merged.merge(a)
                    a = merged
                    try await db.raw("""
                        UPDATE telemetry SET requests = \(bind: a.requests), errors = \(bind: a.errors),
                            fallbacks = \(bind: a.fallbacks), prompt_tokens = \(bind: a.promptTokens),
                            completion_tokens = \(bind: a.completionTokens), latency_ms_sum = \(bind: a.latencyMsSum),
                            ttft_ms_sum = \(bind: a.ttftMsSum),
                            peak_memory_bytes = \(bind: a.peakMemoryBytes), latency_buckets = \(bind: JSONText.encode(a.latencyBuckets))
                        WHERE device_id = \(bind: a.deviceID) AND model_name = \(bind: a.modelName)
                          AND model_version = \(bind: a.modelVersion) AND interval_start = \(bind: a.intervalStart.seconds)
                        """).run()
                } else {
                    try await db.raw("""
                        INSERT INTO telemetry (device_id, model_name, model_version, interval_start, requests, errors,
                            fallbacks, prompt_tokens, completion_tokens, latency_ms_sum, ttft_ms_sum,
                            peak_memory_bytes, latency_buckets)
                        VALUES (\(bind: a.deviceID), \(bind: a.modelName), \(bind: a.modelVersion), \(bind: a.intervalStart.seconds),
                            \(bind: a.requests), \(bind: a.errors), \(bind: a.fallbacks), \(bind: a.promptTokens),
                            \(bind: a.completionTokens), \(bind: a.latencyMsSum), \(bind: a.ttftMsSum),
                            \(bind: a.peakMemoryBytes), \(bind: JSONText.encode(a.latencyBuckets)))
                        """).run()
                }
            }
            return true
        }
    }

    public func telemetry(modelName: String, modelVersion: String, since: Date?) async throws(StoreError) -> [TelemetryRow] {
        let from = since?.seconds ?? -Double.greatestFiniteMagnitude
        let rows = try await pool.withConnection { db in
            try await db.raw("""
                SELECT * FROM telemetry WHERE model_name = \(bind: modelName) AND model_version = \(bind: modelVersion)
                  AND interval_start >= \(bind: from) ORDER BY interval_start, device_id
                """).all()
        }
        return try Self.rows(rows)
    }

    public func telemetry(deviceID: String) async throws(StoreError) -> [TelemetryRow] {
        let rows = try await pool.withConnection { db in
            try await db.raw("SELECT * FROM telemetry WHERE device_id = \(bind: deviceID) ORDER BY interval_start").all()
        }
        return try Self.rows(rows)
    }

    /// Records of one batch that share (model version, interval) summed first, so each row is written once.
    static func combined(_ aggregates: [TelemetryRow]) -> [TelemetryRow] {
        var order: [String] = []
        var byKey: [String: TelemetryRow] = [:]
        for a in aggregates {
            let key = "\(a.deviceID)\u{0}\(a.modelName)\u{0}\(a.modelVersion)\u{0}\(a.intervalStart.seconds)"
            if byKey[key] == nil { order.append(key); byKey[key] = a } else { byKey[key]!.merge(a) }
        }
        return order.map { byKey[$0]! }
    }

    static func rows(_ rows: [any SQLRow]) throws(StoreError) -> [TelemetryRow] {
        var result: [TelemetryRow] = []
        result.reserveCapacity(rows.count)
        for r in rows { result.append(try aggregate(r)) }
        return result
    }

    static func aggregate(_ r: any SQLRow) throws(StoreError) -> TelemetryRow {
        do {
            let device = try r.string("device_id")
            return TelemetryRow(
                deviceID: device, modelName: try r.string("model_name"), modelVersion: try r.string("model_version"),
                intervalStart: Date(seconds: try r.double("interval_start")), requests: try r.int64("requests"),
                errors: try r.int64("errors"), fallbacks: try r.int64("fallbacks"),
                promptTokens: try r.int64("prompt_tokens"), completionTokens: try r.int64("completion_tokens"),
                latencyMsSum: try r.double("latency_ms_sum"), ttftMsSum: try r.double("ttft_ms_sum"), peakMemoryBytes: try r.int64("peak_memory_bytes"),
                latencyBuckets: try JSONText.decode([Int64].self, try r.string("latency_buckets"),
                                                    table: "telemetry", key: device))
        } catch let e as StoreError {
            throw e
        } catch {
            throw .corruptRecord(table: "telemetry", key: "?", reason: String(describing: error))
        }
    }
}
