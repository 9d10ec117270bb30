import FleetCore
import Foundation
import Hummingbird

public struct CreateExperimentRequest: Codable, Sendable {
    public var experiment: Experiment
    public var selector: [String: String]?
    public init(experiment: Experiment, selector: [String: String]? = nil) { self.experiment = experiment; self.selector = selector }
}

public struct ExperimentView: Codable, Sendable {
    public var experiment: Experiment
    public var selector: [String: String]
    public var createdAt: Date
}

/// The two arms side by side: telemetry of arm A's devices on version A and arm B's on version B, since
/// the experiment started, with sample counts.
public struct ExperimentReport: Codable, Sendable {
    public var experiment: Experiment
    public var devicesA: Int
    public var devicesB: Int
    public var comparison: ArmComparison
    /// Per aggregation interval, for the charts: (interval start, arm, p95 ms, tokens/s, requests).
    public var series: [ExperimentPoint]
}

public struct ExperimentPoint: Codable, Sendable {
    public var intervalStart: Date
    public var arm: Experiment.Arm
    public var p95LatencyMs: Double
    public var tokensPerSecond: Double
    public var requests: Int
}

extension FleetRoutes {
    func addExperimentRoutes(to router: Router<BasicRequestContext>) {
        let limit = server.configuration.maxJSONBodyBytes

        router.post("/api/v1/experiments") { request, _ -> Response in
            try auth.requireAdmin(request)
            let body = try await decodeBody(CreateExperimentRequest.self, request, limit: limit)
            let e = body.experiment
            try validated { () throws(FleetInputError) in try e.validate() }
            for (field, value) in [("id", e.id), ("modelName", e.modelName), ("versionA", e.versionA), ("versionB", e.versionB)]
            where !isIdentifier(value) {
                throw FleetAPIError.badRequest("experiment.\(field) must be 1 to 128 characters of A-Z a-z 0-9 . _ -")
            }
            let selector = body.selector ?? [:]
            try validateLabels(selector)
            let definition = ExperimentDefinition(experiment: e, selector: selector)
            let record = ExperimentRecord(id: e.id, definitionJSON: fleetJSON(definition), createdAt: server.now())
            try await stored { () async throws(StoreError) in try await store.createExperiment(record) }
            return jsonResponse(ExperimentView(experiment: e, selector: selector, createdAt: record.createdAt), status: .created)
        }

        router.get("/api/v1/experiments") { request, _ -> Response in
            try auth.requireAdmin(request)
            let records = try await stored { () async throws(StoreError) in try await store.experiments() }
            return jsonResponse(records.compactMap(ExperimentView.init))
        }

        router.get("/api/v1/experiments/:id/comparison") { request, context -> Response in
            try auth.requireAdmin(request)
            let id = try identifier(context, "id")
            return jsonResponse(try await experimentReport(id: id))
        }
    }

    func experimentReport(id: String) async throws(FleetAPIError) -> ExperimentReport {
        let store = self.store
        let record = try await stored { () async throws(StoreError) in try await store.experiment(id: id) }
        guard let record, let view = ExperimentView(record) else { throw FleetAPIError.notFound("no experiment '\(id)'") }
        let e = view.experiment
        let devices = try await stored { () async throws(StoreError) in try await store.devices() }
            .filter { DesiredStates.matches(view.selector, $0.labels) }
        let armB = Set(devices.filter { e.arm(forDevice: $0.id) == .b }.map(\.id))
        let armA = Set(devices.map(\.id)).subtracting(armB)
        let since = TelemetryRow.intervalStart(of: view.createdAt)
        let rowsA = try await stored { () async throws(StoreError) in try await store.telemetry(modelName: e.modelName, modelVersion: e.versionA, since: since) }
            .filter { armA.contains($0.deviceID) }
        let rowsB = try await stored { () async throws(StoreError) in try await store.telemetry(modelName: e.modelName, modelVersion: e.versionB, since: since) }
            .filter { armB.contains($0.deviceID) }
        var series: [ExperimentPoint] = []
        for (arm, rows) in [(Experiment.Arm.a, rowsA), (.b, rowsB)] {
            for (start, group) in Dictionary(grouping: rows, by: \.intervalStart).sorted(by: { $0.key < $1.key }) {
                let a = TelemetryIngest.aggregate(group)
                series.append(ExperimentPoint(intervalStart: start, arm: arm, p95LatencyMs: a.p95LatencyMs,
                                              tokensPerSecond: a.tokensPerSecond, requests: a.requests))
            }
        }
        return ExperimentReport(experiment: e, devicesA: armA.count, devicesB: armB.count,
                                comparison: ArmComparison(experiment: e, a: TelemetryIngest.aggregate(rowsA), b: TelemetryIngest.aggregate(rowsB)),
                                series: series)
    }
}

extension ExperimentView {
    init?(_ r: ExperimentRecord) {
        guard let d = try? FleetJSON.decoder().decode(ExperimentDefinition.self, from: Data(r.definitionJSON.utf8)) else { return nil }
        self.init(experiment: d.experiment, selector: d.selector, createdAt: r.createdAt)
    }
}
