import FleetCore
import Foundation
import Hummingbird

extension FleetRoutes {
    func addDeviceRoutes(to router: Router<BasicRequestContext>) {
        let limit = server.configuration.maxJSONBodyBytes

        // Admin: a one-time enrollment token.
        router.post("/api/v1/enrollment-tokens") { request, _ -> Response in
            try auth.requireAdmin(request)
            let body = try await decodeBody(CreateEnrollmentTokenRequest.self, request, limit: limit)
            let labels = body.labels ?? [:]
            try validateLabels(labels)
            let ttl = body.ttlSeconds ?? server.configuration.enrollmentTokenLifetime
            guard ttl > 0, ttl <= 365 * 86_400 else { throw FleetAPIError.badRequest("ttlSeconds must be in (0, 31536000]") }
            let token = Authenticator.newSecret()
            let now = server.now()
            let record = EnrollmentTokenRecord(tokenHash: Authenticator.hash(token), labels: labels, createdAt: now,
                                               expiresAt: now.addingTimeInterval(ttl))
            try await stored { () async throws(StoreError) in try await store.createEnrollmentToken(record) }
            return jsonResponse(EnrollmentTokenResponse(token: token, expiresAt: record.expiresAt), status: .created)
        }

        // A device enrolls with a token and gets its credential.
        router.post("/api/v1/enroll") { request, _ -> Response in
            let body = try await decodeBody(EnrollRequest.self, request, limit: limit)
            try validated { () throws(FleetInputError) in try body.inventory.validate() }
            let id = body.deviceID ?? UUID().uuidString.lowercased()
            guard isIdentifier(id, maxLength: 64) else {
                throw FleetAPIError.badRequest("deviceID must be 1 to 64 characters of A-Z a-z 0-9 . _ -")
            }
            let name = body.name ?? id
            guard !name.isEmpty, name.utf8.count <= 128 else { throw FleetAPIError.badRequest("name must be 1 to 128 bytes") }
            let labels = body.labels ?? [:]
            try validateLabels(labels)
            let credential = Authenticator.newSecret()
            let now = server.now()
            let device = DeviceRecord(id: id, name: name, credentialHash: Authenticator.hash(credential), labels: labels,
                                      inventoryJSON: fleetJSON(body.inventory), health: "enrolled", enrolledAt: now, lastSeen: now)
            let enrolled = try await stored { () async throws(StoreError) in
                try await store.enroll(tokenHash: Authenticator.hash(body.token), device: device, now: now)
            }
            return jsonResponse(EnrollResponse(deviceID: enrolled.id, credential: credential,
                                               controlPlanePublicKey: server.configuration.signingKey.publicKey.pemRepresentation),
                                status: .created)
        }

        router.post("/api/v1/devices/:id/heartbeat") { request, context -> Response in
            let id = try identifier(context, "id")
            _ = try await auth.requireDevice(request, id: id)
            let body = try await decodeBody(HeartbeatRequest.self, request, limit: limit)
            try validated { () throws(FleetInputError) in try body.inventory.validate() }
            guard !body.health.isEmpty, body.health.utf8.count <= 64 else { throw FleetAPIError.badRequest("health must be 1 to 64 bytes") }
            let now = server.now()
            try await stored { () async throws(StoreError) in
                try await store.recordHeartbeat(deviceID: id, inventoryJSON: fleetJSON(body.inventory),
                                                activeModelJSON: body.activeModel.map { fleetJSON($0) }, health: body.health, at: now)
            }
            return jsonResponse(HeartbeatResponse(serverTime: now, nextHeartbeatSeconds: 30))
        }

        router.get("/api/v1/devices/:id/desired-state") { request, context -> Response in
            let id = try identifier(context, "id")
            let device = try await auth.requireDevice(request, id: id)
            let envelope = try await DesiredStates(server: server).signedState(for: device)
            return jsonResponse(envelope)
        }

        router.post("/api/v1/devices/:id/update-reports") { request, context -> Response in
            let id = try identifier(context, "id")
            _ = try await auth.requireDevice(request, id: id)
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: 64 << 10) } catch {
                throw FleetAPIError(.contentTooLarge, "body_too_large", "an update report is at most 65536 bytes")
            }
            let data = Data(buffer.readableBytesView)
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw FleetAPIError.badRequest("an update report is a JSON object")
            }
            let report = UpdateReportRecord(deviceID: id, at: server.now(), reportJSON: String(decoding: data, as: UTF8.self))
            try await stored { () async throws(StoreError) in try await store.recordUpdateReport(report) }
            return jsonResponse(UpdateReportAccepted(recorded: true), status: .created)
        }

        router.post("/api/v1/devices/:id/telemetry") { request, context -> Response in
            let id = try identifier(context, "id")
            _ = try await auth.requireDevice(request, id: id)
            let batch = try await decodeBody(TelemetryBatch.self, request, limit: limit)
            try validated { () throws(FleetInputError) in try batch.validate() }
            guard batch.deviceID == id else {
                throw FleetAPIError.forbidden("the batch names device '\(batch.deviceID)', not '\(id)'")
            }
            let rows = TelemetryIngest.rows(deviceID: id, records: batch.records)
            let fresh = try await stored { () async throws(StoreError) in
                try await store.ingestTelemetry(deviceID: id, idempotencyKey: batch.idempotencyKey, aggregates: rows,
                                                receivedAt: server.now())
            }
            return jsonResponse(TelemetryAccepted(accepted: fresh, duplicate: !fresh, records: batch.records.count),
                                status: fresh ? .created : .ok)
        }

        // Admin: inventory.
        router.get("/api/v1/devices") { request, _ -> Response in
            try auth.requireAdmin(request)
            let devices = try await stored { () async throws(StoreError) in try await store.devices() }
            return jsonResponse(devices.map(DeviceView.init))
        }

        router.get("/api/v1/devices/:id") { request, context -> Response in
            let id = try identifier(context, "id")
            try auth.requireAdmin(request)
            let device = try await stored { () async throws(StoreError) in try await store.device(id: id) }
            guard let device else { throw FleetAPIError.notFound("no device '\(id)'") }
            return jsonResponse(DeviceView(device))
        }

        router.put("/api/v1/devices/:id/labels") { request, context -> Response in
            let id = try identifier(context, "id")
            try auth.requireAdmin(request)
            let body = try await decodeBody(SetLabelsRequest.self, request, limit: limit)
            try validateLabels(body.labels)
            try await stored { () async throws(StoreError) in try await store.setLabels(deviceID: id, labels: body.labels) }
            let device = try await stored { () async throws(StoreError) in try await store.device(id: id) }
            guard let device else { throw FleetAPIError.notFound("no device '\(id)'") }
            return jsonResponse(DeviceView(device))
        }
    }
}

extension DeviceView {
    init(_ d: DeviceRecord) {
        let decoder = FleetJSON.decoder()
        self.init(id: d.id, name: d.name, labels: d.labels,
                  inventory: d.inventoryJSON.flatMap { try? decoder.decode(DeviceInventory.self, from: Data($0.utf8)) },
                  activeModel: d.activeModelJSON.flatMap { try? decoder.decode(ActiveModel.self, from: Data($0.utf8)) },
                  health: d.health, enrolledAt: d.enrolledAt, lastSeen: d.lastSeen, desiredSequence: d.desiredSequence)
    }
}

/// `value` as the JSON FleetCore signs and stores (sorted keys, ISO 8601 dates).
func fleetJSON(_ value: some Encodable) -> String {
    (try? FleetJSON.encoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}

/// Runs a FleetCore validation, turning its error into a 400 that names the field.
func validated(_ body: () throws(FleetInputError) -> Void) throws(FleetAPIError) {
    do { try body() } catch { throw FleetAPIError.badRequest(error.description) }
}

/// Telemetry interval records as rows of the telemetry table: one per (model version, interval).
enum TelemetryIngest {
    static func rows(deviceID: String, records: [IntervalRecord]) -> [TelemetryRow] {
        records.map { r in
            TelemetryRow(deviceID: deviceID, modelName: r.modelName, modelVersion: r.modelVersion,
                         intervalStart: TelemetryRow.intervalStart(of: r.start), requests: Int64(r.requests),
                         errors: Int64(r.errors), fallbacks: Int64(r.fallbacks), promptTokens: Int64(r.promptTokens),
                         completionTokens: Int64(r.completionTokens), latencyMsSum: r.latencyMsSum, ttftMsSum: r.ttftMsSum,
                         peakMemoryBytes: r.peakMemoryBytes, latencyBuckets: r.latencyMsBuckets.map(Int64.init))
        }
    }

    /// Rows summed into FleetCore's aggregate (rates, quantiles, tokens/s).
    static func aggregate(_ rows: [TelemetryRow]) -> TelemetryAggregate {
        var total = TelemetryAggregate()
        for r in rows {
            var a = TelemetryAggregate()
            a.requests = Int(clamping: r.requests); a.errors = Int(clamping: r.errors); a.fallbacks = Int(clamping: r.fallbacks)
            a.promptTokens = Int(clamping: r.promptTokens); a.completionTokens = Int(clamping: r.completionTokens)
            a.latencyMsSum = r.latencyMsSum; a.ttftMsSum = r.ttftMsSum; a.peakMemoryBytes = r.peakMemoryBytes
            for (i, c) in r.latencyBuckets.prefix(a.latencyMsBuckets.count).enumerated() { a.latencyMsBuckets[i] = Int(clamping: c) }
            total.merge(a)
        }
        return total
    }
}
