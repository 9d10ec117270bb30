import Foundation

// Device-side bodies of the fleet API, shared by the control plane and the device agent (JSON, ISO 8601 dates).

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
    public init(deviceID: String, credential: String, controlPlanePublicKey: String) {
        self.deviceID = deviceID; self.credential = credential; self.controlPlanePublicKey = controlPlanePublicKey
    }
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
    public init(serverTime: Date, nextHeartbeatSeconds: Double) {
        self.serverTime = serverTime; self.nextHeartbeatSeconds = nextHeartbeatSeconds
    }
}
