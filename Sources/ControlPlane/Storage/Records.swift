import Foundation

// Rows of the fleet database. Domain documents (inventory, variant facts, manifests, rollout plans and
// states) are stored as JSON text: the store persists them, FleetCore gives them meaning.

/// A one-time enrollment token (only its sha256 is stored).
public struct EnrollmentTokenRecord: Sendable, Equatable {
    public var tokenHash: String
    /// Labels the enrolled device starts with.
    public var labels: [String: String]
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    public var deviceID: String?

    public init(tokenHash: String, labels: [String: String], createdAt: Date, expiresAt: Date,
                usedAt: Date? = nil, deviceID: String? = nil) {
        self.tokenHash = tokenHash; self.labels = labels; self.createdAt = createdAt
        self.expiresAt = expiresAt; self.usedAt = usedAt; self.deviceID = deviceID
    }
}

/// An enrolled device.
public struct DeviceRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    /// sha256 (hex) of the device credential; the credential itself is never stored.
    public var credentialHash: String
    public var labels: [String: String]
    /// FleetCore `DeviceInventory` as JSON, from enrollment or the last heartbeat.
    public var inventoryJSON: String?
    /// The model the device reported as active, JSON (`{"name","version","variant"}`), if any.
    public var activeModelJSON: String?
    /// The device's last reported health ("ok", "degraded", …).
    public var health: String?
    public var enrolledAt: Date
    public var lastSeen: Date?
    /// The last desired-state sequence number issued to this device (0: none yet).
    public var desiredSequence: Int64

    public init(id: String, name: String, credentialHash: String, labels: [String: String], inventoryJSON: String?,
                activeModelJSON: String? = nil, health: String? = nil, enrolledAt: Date, lastSeen: Date? = nil,
                desiredSequence: Int64 = 0) {
        self.id = id; self.name = name; self.credentialHash = credentialHash; self.labels = labels
        self.inventoryJSON = inventoryJSON; self.activeModelJSON = activeModelJSON; self.health = health
        self.enrolledAt = enrolledAt; self.lastSeen = lastSeen; self.desiredSequence = desiredSequence
    }
}

/// One published variant of a model version (a GGUF file) with its facts and signed manifest.
public struct VariantRecord: Sendable, Equatable {
    public var modelName: String
    public var version: String
    /// The variant's name within the version (e.g. the quantization, "Q4_K_M").
    public var variant: String
    /// FleetCore `VariantFacts` as JSON.
    public var factsJSON: String
    /// The DSSE envelope of the variant's manifest, JSON.
    public var manifestJSON: String
    /// Where the uploaded artifact lies on the control plane's disk, once uploaded.
    public var artifactPath: String?
    public var createdAt: Date

    public init(modelName: String, version: String, variant: String, factsJSON: String, manifestJSON: String,
                artifactPath: String? = nil, createdAt: Date) {
        self.modelName = modelName; self.version = version; self.variant = variant; self.factsJSON = factsJSON
        self.manifestJSON = manifestJSON; self.artifactPath = artifactPath; self.createdAt = createdAt
    }
}

/// A deployment of one model version to the devices its selector matches.
public struct DeploymentRecord: Sendable, Equatable {
    public var id: String
    public var modelName: String
    public var version: String
    /// The version it replaces (its telemetry is the baseline for the gates), if any.
    public var previousVersion: String?
    public var selector: [String: String]
    /// FleetCore `RolloutPlan`, JSON.
    public var planJSON: String
    /// FleetCore `PlacementPolicy`, JSON.
    public var policyJSON: String
    /// FleetCore `RolloutState`, JSON.
    public var stateJSON: String
    /// Bumped on every state change; updates name the revision they read (optimistic concurrency).
    public var revision: Int64
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, modelName: String, version: String, previousVersion: String?, selector: [String: String],
                planJSON: String, policyJSON: String, stateJSON: String, revision: Int64 = 1, createdAt: Date,
                updatedAt: Date) {
        self.id = id; self.modelName = modelName; self.version = version; self.previousVersion = previousVersion
        self.selector = selector; self.planJSON = planJSON; self.policyJSON = policyJSON; self.stateJSON = stateJSON
        self.revision = revision; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

/// An A/B experiment between two versions of one model.
public struct ExperimentRecord: Sendable, Equatable {
    public var id: String
    /// The experiment definition (FleetCore `Experiment`), JSON.
    public var definitionJSON: String
    public var createdAt: Date

    public init(id: String, definitionJSON: String, createdAt: Date) {
        self.id = id; self.definitionJSON = definitionJSON; self.createdAt = createdAt
    }
}

/// Telemetry of one device for one model version over one aggregation interval (a row of the
/// `telemetry` table; FleetCore's `TelemetryRow` gives the rates and quantiles).
public struct TelemetryRow: Sendable, Equatable, Codable {
    public var deviceID: String
    public var modelName: String
    public var modelVersion: String
    /// Start of the aggregation interval (aligned to `TelemetryRow.intervalSeconds`).
    public var intervalStart: Date
    public var requests: Int64
    public var errors: Int64
    public var fallbacks: Int64
    public var promptTokens: Int64
    public var completionTokens: Int64
    public var latencyMsSum: Double
    public var ttftMsSum: Double
    public var peakMemoryBytes: Int64
    /// Latency histogram counts, one per bucket of FleetCore's `LatencyBuckets` (merged index by index).
    public var latencyBuckets: [Int64]

    /// Telemetry is aggregated per minute.
    public static let intervalSeconds: Double = 60

    public init(deviceID: String, modelName: String, modelVersion: String, intervalStart: Date, requests: Int64 = 0,
                errors: Int64 = 0, fallbacks: Int64 = 0, promptTokens: Int64 = 0, completionTokens: Int64 = 0,
                latencyMsSum: Double = 0, ttftMsSum: Double = 0, peakMemoryBytes: Int64 = 0, latencyBuckets: [Int64] = []) {
        self.deviceID = deviceID; self.modelName = modelName; self.modelVersion = modelVersion
        self.intervalStart = intervalStart; self.requests = requests; self.errors = errors; self.fallbacks = fallbacks
        self.promptTokens = promptTokens; self.completionTokens = completionTokens; self.latencyMsSum = latencyMsSum
        self.ttftMsSum = ttftMsSum; self.peakMemoryBytes = peakMemoryBytes; self.latencyBuckets = latencyBuckets
    }

    /// The interval a timestamp falls in.
    public static func intervalStart(of date: Date) -> Date {
        let t = date.timeIntervalSince1970
        return Date(timeIntervalSince1970: (t / intervalSeconds).rounded(.down) * intervalSeconds)
    }

    /// Adds `other`'s counts (same device, model version and interval) to these.
    public mutating func merge(_ other: TelemetryRow) {
        requests &+= other.requests; errors &+= other.errors; fallbacks &+= other.fallbacks
        promptTokens &+= other.promptTokens; completionTokens &+= other.completionTokens
        latencyMsSum += other.latencyMsSum; ttftMsSum += other.ttftMsSum
        peakMemoryBytes = max(peakMemoryBytes, other.peakMemoryBytes)
        if latencyBuckets.count < other.latencyBuckets.count {
            latencyBuckets += [Int64](repeating: 0, count: other.latencyBuckets.count - latencyBuckets.count)
        }
        for (i, c) in other.latencyBuckets.enumerated() { latencyBuckets[i] &+= c }
    }
}

/// An update report from a device (download, verify, activate, rollback …).
public struct UpdateReportRecord: Sendable, Equatable {
    public var deviceID: String
    public var at: Date
    /// The report as the device sent it, JSON.
    public var reportJSON: String
    public init(deviceID: String, at: Date, reportJSON: String) {
        self.deviceID = deviceID; self.at = at; self.reportJSON = reportJSON
    }
}
