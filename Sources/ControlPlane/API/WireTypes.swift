import FleetCore
import Foundation

// Request and response bodies of the fleet API (JSON, ISO 8601 dates, see docs/fleet-openapi.yaml).

public struct CreateEnrollmentTokenRequest: Codable, Sendable {
    public var labels: [String: String]?
    public var ttlSeconds: Double?
    public init(labels: [String: String]? = nil, ttlSeconds: Double? = nil) { self.labels = labels; self.ttlSeconds = ttlSeconds }
}

public struct EnrollmentTokenResponse: Codable, Sendable {
    /// The one-time token (shown once; only its hash is stored).
    public var token: String
    public var expiresAt: Date
}

public struct EnrollRequest: Codable, Sendable {
    public var token: String
    /// The device's proposed id ([A-Za-z0-9._-], at most 64); a random one when absent.
    public var deviceID: String?
    public var name: String?
    public var labels: [String: String]?
    public var inventory: DeviceInventory
    public init(token: String, deviceID: String? = nil, name: String? = nil, labels: [String: String]? = nil,
                inventory: DeviceInventory) {
        self.token = token; self.deviceID = deviceID; self.name = name; self.labels = labels; self.inventory = inventory
    }
}

public struct EnrollResponse: Codable, Sendable {
    public var deviceID: String
    /// The device's bearer credential for its own endpoints (shown once).
    public var credential: String
    /// The control plane's public key (PEM), which signs desired states.
    public var controlPlanePublicKey: String
}

/// The model a device runs.
public struct ActiveModel: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var variant: String?
    public init(name: String, version: String, variant: String? = nil) { self.name = name; self.version = version; self.variant = variant }
}

public struct HeartbeatRequest: Codable, Sendable {
    public var inventory: DeviceInventory
    public var activeModel: ActiveModel?
    /// "ok", "degraded", "failing" or another short word.
    public var health: String
    public init(inventory: DeviceInventory, activeModel: ActiveModel? = nil, health: String) {
        self.inventory = inventory; self.activeModel = activeModel; self.health = health
    }
}

public struct HeartbeatResponse: Codable, Sendable {
    public var serverTime: Date
    /// Seconds until the next heartbeat is expected.
    public var nextHeartbeatSeconds: Double
}

public struct DeviceView: Codable, Sendable {
    public var id: String
    public var name: String
    public var labels: [String: String]
    public var inventory: DeviceInventory?
    public var activeModel: ActiveModel?
    public var health: String?
    public var enrolledAt: Date
    public var lastSeen: Date?
    public var desiredSequence: Int64
}

public struct SetLabelsRequest: Codable, Sendable {
    public var labels: [String: String]
}

/// A variant of `facts.name` version `facts.version`, identified by its file name (`facts.fileName`).
public struct PublishVariantRequest: Codable, Sendable {
    public var facts: VariantFacts
    /// The signed manifest (DSSE envelope of an in-toto Statement) naming the variant's file and sha256.
    public var manifest: DSSEEnvelope
    public init(facts: VariantFacts, manifest: DSSEEnvelope) { self.facts = facts; self.manifest = manifest }
}

public struct VariantView: Codable, Sendable {
    public var model: String
    public var version: String
    public var variant: String
    public var facts: VariantFacts
    public var manifest: DSSEEnvelope
    public var artifactUploaded: Bool
    public var artifactURL: String
    public var createdAt: Date
}

public struct CreateDeploymentRequest: Codable, Sendable {
    public var id: String?
    public var model: String
    public var version: String
    /// The version devices return to on rollback; its telemetry is the gates' baseline.
    public var previousVersion: String?
    /// Devices whose labels contain all of these (empty: every device).
    public var selector: [String: String]
    public var plan: RolloutPlan
    public var policy: PlacementPolicy?
    public init(id: String? = nil, model: String, version: String, previousVersion: String? = nil,
                selector: [String: String], plan: RolloutPlan, policy: PlacementPolicy? = nil) {
        self.id = id; self.model = model; self.version = version; self.previousVersion = previousVersion
        self.selector = selector; self.plan = plan; self.policy = policy
    }
}

public struct RolloutActionRequest: Codable, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}

public struct DeploymentView: Codable, Sendable {
    public var id: String
    public var model: String
    public var version: String
    public var previousVersion: String?
    public var selector: [String: String]
    public var policy: PlacementPolicy
    public var state: RolloutState
    public var percentOnNewVersion: Double
    public var revision: Int64
    public var createdAt: Date
    public var updatedAt: Date
}

public struct PlacementEntry: Codable, Sendable {
    public var deviceID: String
    public var deviceName: String
    /// The ring the device falls in (nil: outside every ring).
    public var ring: Int?
    /// Whether the device runs the deployment's version now (else the previous one).
    public var onNewVersion: Bool
    /// The variant of the deployment's version chosen for the device, or nil when none fits.
    public var variant: String?
    /// How the choice was made: the memory arithmetic, or why every variant was refused.
    public var arithmetic: [String]
}

public struct PlacementReport: Codable, Sendable {
    public var deployment: String
    public var entries: [PlacementEntry]
    /// Devices with no viable variant (reported, never skipped).
    public var unplaced: [String]
}

public struct TelemetryAccepted: Codable, Sendable {
    /// False when this batch's idempotency key was already ingested (nothing was counted again).
    public var accepted: Bool
    public var duplicate: Bool
    public var records: Int
}

public struct UpdateReportAccepted: Codable, Sendable {
    public var recorded: Bool
}
