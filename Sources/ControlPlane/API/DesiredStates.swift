import FleetCore
import Foundation

/// Stored experiment: FleetCore's definition plus the devices it applies to.
public struct ExperimentDefinition: Codable, Sendable, Equatable {
    public var experiment: Experiment
    /// Devices whose labels contain all of these take part (empty: every device).
    public var selector: [String: String]
    public init(experiment: Experiment, selector: [String: String]) { self.experiment = experiment; self.selector = selector }
}

/// What each device should run: the newest deployment whose selector matches it decides the version
/// (the new one once the device's ring is reached, else the previous one); an experiment on the same
/// model that also matches overrides it with the device's arm; placement picks the variant.
struct DesiredStates: Sendable {
    let server: ControlPlaneServer

    struct Target: Sendable, Equatable {
        var deployment: String?
        var model: String
        var version: String
        var policy: PlacementPolicy
    }

    static func matches(_ selector: [String: String], _ labels: [String: String]) -> Bool {
        selector.allSatisfy { labels[$0.key] == $0.value }
    }

    static func target(for device: DeviceRecord, deployments: [DeploymentRecord],
                       experiments: [ExperimentDefinition]) -> Target? {
        let decoder = FleetJSON.decoder()
        var target: Target?
        let newestFirst = deployments.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        for d in newestFirst where matches(d.selector, device.labels) {
            guard let state = try? decoder.decode(RolloutState.self, from: Data(d.stateJSON.utf8)) else { continue }
            let policy = (try? decoder.decode(PlacementPolicy.self, from: Data(d.policyJSON.utf8))) ?? PlacementPolicy()
            if state.runsNewVersion(deviceID: device.id) {
                target = Target(deployment: d.id, model: d.modelName, version: d.version, policy: policy)
            } else if let previous = d.previousVersion {
                target = Target(deployment: d.id, model: d.modelName, version: previous, policy: policy)
            }
            break
        }
        for e in experiments where matches(e.selector, device.labels) {
            guard target == nil || target?.model == e.experiment.modelName else { continue }
            let arm = e.experiment.arm(forDevice: device.id)
            target = Target(deployment: target?.deployment, model: e.experiment.modelName,
                            version: e.experiment.version(of: arm), policy: target?.policy ?? PlacementPolicy())
            break
        }
        return target
    }

    /// Loads what `target` needs from the store.
    func context() async throws(FleetAPIError) -> ([DeploymentRecord], [ExperimentDefinition]) {
        let store = server.store
        let deployments = try await stored { () async throws(StoreError) in try await store.deployments() }
        let records = try await stored { () async throws(StoreError) in try await store.experiments() }
        let decoder = FleetJSON.decoder()
        return (deployments, records.compactMap { try? decoder.decode(ExperimentDefinition.self, from: Data($0.definitionJSON.utf8)) })
    }

    /// The device's desired state, with a fresh sequence number from the database, signed.
    func signedState(for device: DeviceRecord) async throws(FleetAPIError) -> DSSEEnvelope {
        let (deployments, experiments) = try await context()
        var assignment: ModelAssignment?
        let target = Self.target(for: device, deployments: deployments, experiments: experiments)
        if let target, let inventory = device.inventory {
            let variants = try await server.variants(model: target.model, version: target.version)
            if case .assigned(let facts, _) = Placement.choose(device: inventory, variants: variants.map(\.facts), policy: target.policy),
               let chosen = variants.first(where: { $0.facts.fileName == facts.fileName }) {
                assignment = ModelAssignment(name: target.model, version: target.version, variant: facts.fileName,
                                             artifactURL: chosen.artifactURL, sha256: facts.sha256, sizeBytes: facts.sizeBytes,
                                             manifest: chosen.manifest)
            }
        }
        let store = server.store
        let sequence = try await stored { () async throws(StoreError) in try await store.nextDesiredSequence(deviceID: device.id) }
        let now = server.now()
        let state = DesiredState(deviceID: device.id, sequence: UInt64(max(0, sequence)), issuedAt: now,
                                 expiresAt: now.addingTimeInterval(server.configuration.desiredStateLifetime),
                                 deployment: target?.deployment, model: assignment)
        do {
            return try state.signed(with: server.configuration.signingKey)
        } catch {
            throw FleetAPIError(.internalServerError, "signing_failed", error.description)
        }
    }
}

extension DeviceRecord {
    /// The inventory from the last heartbeat (or enrollment).
    var inventory: DeviceInventory? {
        inventoryJSON.flatMap { try? FleetJSON.decoder().decode(DeviceInventory.self, from: Data($0.utf8)) }
    }
}

extension ControlPlaneServer {
    /// The published variants of one model version, decoded.
    func variants(model: String, version: String) async throws(FleetAPIError) -> [VariantView] {
        let store = self.store
        let records = try await stored { () async throws(StoreError) in try await store.variants(modelName: model) }
        return records.filter { $0.version == version }.compactMap { VariantView($0, publicURL: configuration.publicURL) }
    }
}

extension VariantView {
    init?(_ r: VariantRecord, publicURL: String) {
        let decoder = FleetJSON.decoder()
        guard let facts = try? decoder.decode(VariantFacts.self, from: Data(r.factsJSON.utf8)),
              let manifest = try? decoder.decode(DSSEEnvelope.self, from: Data(r.manifestJSON.utf8)) else { return nil }
        self.init(model: r.modelName, version: r.version, variant: r.variant, facts: facts, manifest: manifest,
                  artifactUploaded: r.artifactPath != nil,
                  artifactURL: "\(publicURL)/api/v1/models/\(r.modelName)/versions/\(r.version)/variants/\(r.variant)/artifact",
                  createdAt: r.createdAt)
    }
}
