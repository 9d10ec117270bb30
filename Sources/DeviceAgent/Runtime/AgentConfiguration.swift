import FleetCore
import Foundation
import Server

/// Everything `outpost agent` needs, as a value.
public struct AgentConfiguration: Sendable {
    public var controlPlaneURL: String
    /// Needed only until the device is enrolled (its credential is kept in the data directory).
    public var enrollToken: String?
    public var dataDirectory: URL
    /// The pinned keys: the control plane's (desired states) and the publishers' (model manifests).
    public var trustRoot: TrustRoot
    /// The local server (host, port, threads, context, routing); its model list is managed by the agent.
    public var server: ServerConfiguration
    /// The model name clients use, whatever version serves it.
    public var servedName: String
    public var deviceID: String?
    public var deviceName: String?
    public var labels: [String: String]
    public var heartbeatSeconds: Double
    public var telemetrySeconds: Double
    public var telemetryCapBytes: Int64
    public var telemetryBatchRecords: Int
    public var backoff: Backoff
    public var faults: FaultPoints
    public var agentVersion: String

    public init(controlPlaneURL: String, enrollToken: String?, dataDirectory: URL, trustRoot: TrustRoot,
                server: ServerConfiguration, servedName: String = "default", deviceID: String? = nil,
                deviceName: String? = nil, labels: [String: String] = [:], heartbeatSeconds: Double = 30,
                telemetrySeconds: Double = 60, telemetryCapBytes: Int64 = 64 << 20, telemetryBatchRecords: Int = 500,
                backoff: Backoff = Backoff(), faults: FaultPoints = FaultPoints(), agentVersion: String = "0.1.0") {
        self.controlPlaneURL = controlPlaneURL
        self.enrollToken = enrollToken
        self.dataDirectory = dataDirectory
        self.trustRoot = trustRoot
        self.server = server
        self.servedName = servedName
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.labels = labels
        self.heartbeatSeconds = heartbeatSeconds
        self.telemetrySeconds = telemetrySeconds
        self.telemetryCapBytes = telemetryCapBytes
        self.telemetryBatchRecords = telemetryBatchRecords
        self.backoff = backoff
        self.faults = faults
        self.agentVersion = agentVersion
    }
}
