import FleetCore
import Foundation

/// Everything `outpost fleet serve` configures, as a value (tests build it directly).
public struct ControlPlaneConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The bearer token for management endpoints.
    public var adminToken: String
    /// Signs desired states (and is the trust root manifests are checked against unless `trustedPublishers` is set).
    public var signingKey: SigningKey
    /// Keys whose manifests `publish` accepts; the control plane's own key when empty.
    public var trustedPublishers: [PublicKey]
    /// Where uploaded GGUF artifacts are kept.
    public var artifactsDirectory: String
    /// The URL devices reach this control plane at (artifact links in desired states).
    public var publicURL: String
    /// How long a signed desired state stays valid.
    public var desiredStateLifetime: TimeInterval
    /// How long an enrollment token stays valid unless the request says otherwise.
    public var enrollmentTokenLifetime: TimeInterval
    /// How often the rollout controller evaluates the deployments.
    public var controllerInterval: TimeInterval
    /// The largest JSON request body accepted, in bytes.
    public var maxJSONBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8090, adminToken: String, signingKey: SigningKey,
                trustedPublishers: [PublicKey] = [], artifactsDirectory: String, publicURL: String? = nil,
                desiredStateLifetime: TimeInterval = 3600, enrollmentTokenLifetime: TimeInterval = 24 * 3600,
                controllerInterval: TimeInterval = 15, maxJSONBodyBytes: Int = 4 << 20) {
        self.host = host; self.port = port; self.adminToken = adminToken; self.signingKey = signingKey
        self.trustedPublishers = trustedPublishers; self.artifactsDirectory = artifactsDirectory
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.desiredStateLifetime = desiredStateLifetime; self.enrollmentTokenLifetime = enrollmentTokenLifetime
        self.controllerInterval = controllerInterval; self.maxJSONBodyBytes = maxJSONBodyBytes
    }

    /// The keys manifests must be signed by.
    public var manifestTrustRoot: TrustRoot {
        TrustRoot(keys: trustedPublishers.isEmpty ? [signingKey.publicKey] : trustedPublishers)
    }
}
