import FleetCore
import Foundation
import Logging
import ServiceLifecycle

/// Evaluates every progressing deployment with FleetCore's `RolloutEngine` against the telemetry of
/// its rings: the health of the devices on the new version (rings up to the current one) since the
/// current ring started, and as baseline the previous version's figures over the last day. Time comes
/// from the injected clock, so tests step through soak times instantly. Several instances may run it
/// at once: a state is written only over the revision it was computed from.
public struct RolloutController: Sendable {
    let store: any FleetStore
    let now: @Sendable () -> Date
    /// How far back the previous version's telemetry counts as the baseline.
    public var baselineWindow: TimeInterval = 86_400

    public init(store: any FleetStore, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.now = now
    }

    /// One pass over all deployments; returns the events recorded, per deployment id.
    @discardableResult
    public func evaluateAll() async throws(StoreError) -> [String: [RolloutEvent]] {
        var recorded: [String: [RolloutEvent]] = [:]
        for d in try await store.deployments() {
            let events = try await evaluate(d)
            if !events.isEmpty { recorded[d.id] = events }
        }
        return recorded
    }

    /// Evaluates one deployment; a concurrent writer (another instance) wins without error.
    public func evaluate(_ record: DeploymentRecord) async throws(StoreError) -> [RolloutEvent] {
        let state = try Self.state(record)
        guard state.status == .progressing else { return [] }
        let (health, baseline) = try await health(record, state)
        let (next, events) = RolloutEngine.evaluate(state: state, now: now(), ringHealth: health, baseline: baseline)
        guard !events.isEmpty else { return [] }
        do {
            _ = try await store.updateDeploymentState(id: record.id, expectedRevision: record.revision,
                                                      stateJSON: fleetJSON(next), at: now())
        } catch .conflict {
            return []
        }
        return events
    }

    /// The current ring's health (cumulative over the rings on the new version) and the baseline.
    public func health(_ record: DeploymentRecord, _ state: RolloutState) async throws(StoreError) -> (RingHealth, RingHealth?) {
        let devices = try await store.devices().filter { DesiredStates.matches(record.selector, $0.labels) }
        let onNew = Set(devices.filter { state.runsNewVersion(deviceID: $0.id) }.map(\.id))
        let since = TelemetryRow.intervalStart(of: state.ringStartedAt)
        let rows = try await store.telemetry(modelName: record.modelName, modelVersion: record.version, since: since)
        let health = TelemetryIngest.aggregate(rows.filter { onNew.contains($0.deviceID) }).ringHealth
        guard let previous = record.previousVersion else { return (health, nil) }
        let targeted = Set(devices.map(\.id))
        let baseRows = try await store.telemetry(modelName: record.modelName, modelVersion: previous,
                                                 since: now().addingTimeInterval(-baselineWindow))
        let base = TelemetryIngest.aggregate(baseRows.filter { targeted.contains($0.deviceID) })
        return (health, base.requests > 0 ? base.ringHealth : nil)
    }

    /// Applies a manual action (pause, resume, rollback) over the stored state, retrying on a concurrent write.
    public func apply(_ action: ManualAction, deploymentID: String, reason: String) async throws(ControlError) -> DeploymentRecord {
        for _ in 0..<5 {
            let record: DeploymentRecord?
            do { record = try await store.deployment(id: deploymentID) } catch { throw .store(error) }
            guard let record else { throw .store(.notFound(kind: "deployment", id: deploymentID)) }
            let state: RolloutState
            do { state = try Self.state(record) } catch { throw .store(error) }
            let next: RolloutState
            do {
                switch action {
                case .pause: next = try RolloutEngine.pause(state: state, now: now(), reason: reason)
                case .resume: next = try RolloutEngine.resume(state: state, now: now(), reason: reason)
                case .rollback: next = try RolloutEngine.rollback(state: state, now: now(), reason: reason)
                }
            } catch {
                throw .transition(error)
            }
            do {
                return try await store.updateDeploymentState(id: deploymentID, expectedRevision: record.revision,
                                                             stateJSON: fleetJSON(next), at: now())
            } catch .conflict {
                continue
            } catch {
                throw .store(error)
            }
        }
        throw .store(.conflict(kind: "deployment", id: deploymentID))
    }

    public enum ManualAction: String, Sendable, CaseIterable { case pause, resume, rollback }

    public enum ControlError: Error, Sendable {
        case store(StoreError)
        case transition(RolloutError)
    }

    static func state(_ record: DeploymentRecord) throws(StoreError) -> RolloutState {
        try JSONText.decode(RolloutState.self, record.stateJSON, table: "deployments", key: record.id, decoder: FleetJSON.decoder())
    }
}

/// Runs the controller every `interval` seconds until graceful shutdown.
struct RolloutControllerService: Service {
    let controller: RolloutController
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let events = try await controller.evaluateAll()
                    for (id, list) in events {
                        for e in list { logger.notice("rollout \(id): \(e.kind.rawValue) ring \(e.ring): \(e.detail)") }
                    }
                } catch {
                    logger.error("rollout controller: \(error)")
                }
                // Clamped to 0.1 s … 1 day so the conversion to nanoseconds cannot overflow.
                try? await Task.sleep(nanoseconds: UInt64(min(86_400, max(0.1, interval.isFinite ? interval : 15)) * 1e9))
            }
        }
    }
}
