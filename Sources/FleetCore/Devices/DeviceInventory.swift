import Foundation

/// What a device reports about itself at enrollment and in heartbeats.
public struct DeviceInventory: Codable, Sendable, Equatable {
    public var os: String
    public var cpuModel: String
    /// CPU features, lower-case as Linux /proc/cpuinfo names them: "avx2", "avx512_vnni", "neon"…
    public var isaFeatures: [String]
    public var cores: Int
    public var ramBytes: Int64
    public var freeDiskBytes: Int64
    public var accelerators: [String]
    public var agentVersion: String

    public init(os: String, cpuModel: String, isaFeatures: [String], cores: Int, ramBytes: Int64,
                freeDiskBytes: Int64, accelerators: [String] = [], agentVersion: String) {
        self.os = os
        self.cpuModel = cpuModel
        self.isaFeatures = isaFeatures
        self.cores = cores
        self.ramBytes = ramBytes
        self.freeDiskBytes = freeDiskBytes
        self.accelerators = accelerators
        self.agentVersion = agentVersion
    }

    /// Limits on reported values: anything outside is a bad report, not a device.
    public static let maxStringBytes = 256
    public static let maxListCount = 256

    /// Throws with the first field that is out of range, so a bad report is rejected with a reason.
    public func validate() throws(FleetInputError) {
        for (field, value) in [("os", os), ("cpuModel", cpuModel), ("agentVersion", agentVersion)] where value.utf8.count > Self.maxStringBytes {
            throw .invalid(field: field, reason: "longer than \(Self.maxStringBytes) bytes")
        }
        for (field, list) in [("isaFeatures", isaFeatures), ("accelerators", accelerators)] {
            guard list.count <= Self.maxListCount else { throw .invalid(field: field, reason: "more than \(Self.maxListCount) entries") }
            if let long = list.first(where: { $0.utf8.count > Self.maxStringBytes }) {
                throw .invalid(field: field, reason: "entry \(long.prefix(32))… longer than \(Self.maxStringBytes) bytes")
            }
        }
        guard (1...4096).contains(cores) else { throw .invalid(field: "cores", reason: "must be 1…4096, got \(cores)") }
        guard ramBytes > 0 else { throw .invalid(field: "ramBytes", reason: "must be positive, got \(ramBytes)") }
        guard freeDiskBytes >= 0 else { throw .invalid(field: "freeDiskBytes", reason: "must not be negative, got \(freeDiskBytes)") }
    }

    /// Whether the device reports `feature` (case-insensitive).
    public func has(feature: String) -> Bool {
        isaFeatures.contains { $0.caseInsensitiveCompare(feature) == .orderedSame }
    }
}

/// A fleet document with a field outside its allowed range.
public enum FleetInputError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(field: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): return "invalid \(field): \(reason)"
        }
    }
}
