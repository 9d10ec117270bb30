import FleetCore
import Foundation
import Hummingbird

extension FleetRoutes {
    func addDeploymentRoutes(to router: Router<BasicRequestContext>) {
        let limit = server.configuration.maxJSONBodyBytes

        router.post("/api/v1/deployments") { request, _ -> Response in
            try auth.requireAdmin(request)
            let body = try await decodeBody(CreateDeploymentRequest.self, request, limit: limit)
            let id = body.id ?? "dep-" + String(UUID().uuidString.lowercased().prefix(8))
            for (field, value) in [("id", id), ("model", body.model), ("version", body.version)] where !isIdentifier(value) {
                throw FleetAPIError.badRequest("\(field) must be 1 to 128 characters of A-Z a-z 0-9 . _ -")
            }
            if let previous = body.previousVersion, !isIdentifier(previous) || previous == body.version {
                throw FleetAPIError.badRequest("previousVersion must be an identifier other than version")
            }
            try validateLabels(body.selector)
            let policy = body.policy ?? PlacementPolicy()
            try validated { () throws(FleetInputError) in try policy.validate() }
            let published = try await server.variants(model: body.model, version: body.version)
            guard !published.isEmpty else {
                throw FleetAPIError.unprocessable("\(body.model) version \(body.version) has no published variants (outpost fleet publish)")
            }
            let now = server.now()
            let state: RolloutState
            do { state = try RolloutState.start(deploymentID: id, plan: body.plan, now: now) } catch {
                throw FleetAPIError.badRequest("invalid plan: \(error)")
            }
            let record = DeploymentRecord(id: id, modelName: body.model, version: body.version, previousVersion: body.previousVersion,
                                          selector: body.selector, planJSON: fleetJSON(body.plan), policyJSON: fleetJSON(policy),
                                          stateJSON: fleetJSON(state), createdAt: now, updatedAt: now)
            try await stored { () async throws(StoreError) in try await store.createDeployment(record) }
            return jsonResponse(try DeploymentView(record), status: .created)
        }

        router.get("/api/v1/deployments") { request, _ -> Response in
            try auth.requireAdmin(request)
            let records = try await stored { () async throws(StoreError) in try await store.deployments() }
            return jsonResponse(try records.map { r throws(FleetAPIError) in try DeploymentView(r) })
        }

        router.get("/api/v1/deployments/:id") { request, context -> Response in
            try auth.requireAdmin(request)
            return jsonResponse(try DeploymentView(try await deployment(context)))
        }

        for action in RolloutController.ManualAction.allCases {
            router.post(RouterPath("/api/v1/deployments/:id/" + action.rawValue)) { request, context -> Response in
                try auth.requireAdmin(request)
                let id = try identifier(context, "id")
                let body = try await decodeBody(RolloutActionRequest.self, request, limit: limit)
                let record: DeploymentRecord
                do {
                    record = try await server.controller.apply(action, deploymentID: id, reason: body.reason ?? "manual \(action.rawValue)")
                } catch let error as RolloutController.ControlError {
                    switch error {
                    case .store(let e): throw FleetAPIError.from(e)
                    case .transition(let e): throw FleetAPIError.conflict(e.description)
                    }
                }
                return jsonResponse(try DeploymentView(record))
            }
        }

        router.get("/api/v1/deployments/:id/placement") { request, context -> Response in
            try auth.requireAdmin(request)
            return jsonResponse(try await placementReport(try await deployment(context)))
        }
    }

    func deployment(_ context: BasicRequestContext) async throws(FleetAPIError) -> DeploymentRecord {
        let id = try identifier(context, "id")
        let store = self.store
        let record = try await stored { () async throws(StoreError) in try await store.deployment(id: id) }
        guard let record else { throw FleetAPIError.notFound("no deployment '\(id)'") }
        return record
    }

    /// For every device the deployment targets: its ring, whether it runs the new version, and the
    /// variant of the new version placement chooses for it, with the arithmetic (or why none fits).
    func placementReport(_ record: DeploymentRecord) async throws(FleetAPIError) -> PlacementReport {
        let view = try DeploymentView(record)
        let store = self.store
        let devices = try await stored { () async throws(StoreError) in try await store.devices() }
            .filter { DesiredStates.matches(record.selector, $0.labels) }
        let variants = try await server.variants(model: record.modelName, version: record.version).map(\.facts)
        var entries: [PlacementEntry] = []
        var unplaced: [String] = []
        for d in devices {
            let ring = RingAssignment.ring(forDevice: d.id, deploymentID: record.id, plan: view.state.plan)
            var entry = PlacementEntry(deviceID: d.id, deviceName: d.name, ring: ring,
                                       onNewVersion: view.state.runsNewVersion(deviceID: d.id), variant: nil, arithmetic: [])
            if let inventory = d.inventory {
                switch Placement.choose(device: inventory, variants: variants, policy: view.policy) {
                case .assigned(let facts, let arithmetic):
                    entry.variant = facts.fileName
                    entry.arithmetic = [arithmetic]
                case .noViableVariant(let reasons):
                    entry.arithmetic = reasons
                    unplaced.append(d.id)
                }
            } else {
                entry.arithmetic = ["the device has reported no inventory"]
                unplaced.append(d.id)
            }
            entries.append(entry)
        }
        return PlacementReport(deployment: record.id, entries: entries, unplaced: unplaced)
    }
}

extension DeploymentView {
    init(_ r: DeploymentRecord) throws(FleetAPIError) {
        let decoder = FleetJSON.decoder()
        let state: RolloutState
        let policy: PlacementPolicy
        do {
            state = try decoder.decode(RolloutState.self, from: Data(r.stateJSON.utf8))
            policy = try decoder.decode(PlacementPolicy.self, from: Data(r.policyJSON.utf8))
        } catch {
            throw FleetAPIError(.internalServerError, "corrupt_record", "deployment '\(r.id)' does not decode: \(error)")
        }
        self.init(id: r.id, model: r.modelName, version: r.version, previousVersion: r.previousVersion, selector: r.selector,
                  policy: policy, state: state, percentOnNewVersion: state.percentOnNewVersion, revision: r.revision,
                  createdAt: r.createdAt, updatedAt: r.updatedAt)
    }
}
