import Foundation

/// The model a device should run: which variant, where to fetch it, what it must hash to, and its
/// signed manifest (which the agent verifies against the file it downloaded).
public struct ModelAssignment: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    /// The variant's file name, e.g. "smollm2-135m.Q4_1.gguf".
    public var variant: String
    public var artifactURL: String
    /// Lower-case hex sha256 of the artifact.
    public var sha256: String
    public var sizeBytes: Int64
    public var manifest: DSSEEnvelope

    public init(name: String, version: String, variant: String, artifactURL: String, sha256: String,
                sizeBytes: Int64, manifest: DSSEEnvelope) {
        self.name = name
        self.version = version
        self.variant = variant
        self.artifactURL = artifactURL
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.manifest = manifest
    }
}

/// What the control plane wants one device to run. Every document carries a sequence number that only
/// grows per device and an expiry, and is signed, so an agent can reject replays and stale states.
public struct DesiredState: Codable, Sendable, Equatable {
    public static let payloadType = "application/vnd.outpost.desired-state+json"

    public var deviceID: String
    public var sequence: UInt64
    public var issuedAt: Date
    public var expiresAt: Date
    /// The deployment this state comes from; nil when the device has no deployment.
    public var deployment: String?
    /// The model to run; nil means run none.
    public var model: ModelAssignment?

    public init(deviceID: String, sequence: UInt64, issuedAt: Date, expiresAt: Date,
                deployment: String? = nil, model: ModelAssignment? = nil) {
        self.deviceID = deviceID
        self.sequence = sequence
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.deployment = deployment
        self.model = model
    }

    /// This state as a DSSE envelope signed with `key`.
    public func signed(with key: SigningKey) throws(SignatureError) -> DSSEEnvelope {
        let payload: Data
        do { payload = try FleetJSON.encoder().encode(self) } catch { throw .malformedEnvelope("cannot encode the desired state: \(error)") }
        return key.sign(payload: payload, payloadType: Self.payloadType)
    }
}

/// The device side: accepts a desired state only when it is signed by the control plane, addressed to
/// this device, current, and newer than the last one accepted.
public struct DesiredStateVerifier: Sendable {
    public let trustRoot: TrustRoot
    public let deviceID: String
    /// Grace for clocks that disagree on the issue time.
    public let clockSkew: TimeInterval

    public init(trustRoot: TrustRoot, deviceID: String, clockSkew: TimeInterval = 300) {
        self.trustRoot = trustRoot
        self.deviceID = deviceID
        self.clockSkew = clockSkew
    }

    /// The state if it passes, in this order: signature and type, device, validity window, sequence
    /// strictly above `lastAcceptedSequence` (nil: nothing accepted yet).
    public func verify(_ envelope: DSSEEnvelope, lastAcceptedSequence: UInt64?, now: Date) throws(SignatureError) -> DesiredState {
        let payload = try trustRoot.verify(envelope, expectedPayloadType: DesiredState.payloadType)
        let state: DesiredState
        do { state = try FleetJSON.decoder().decode(DesiredState.self, from: payload) } catch {
            throw .malformedEnvelope("the payload is not a desired state: \(error)")
        }
        guard state.deviceID == deviceID else { throw .wrongDevice(expected: deviceID, actual: state.deviceID) }
        if now >= state.expiresAt { throw .expired(at: state.expiresAt) }
        if state.issuedAt > now.addingTimeInterval(clockSkew) { throw .notYetValid(validFrom: state.issuedAt) }
        if let last = lastAcceptedSequence, state.sequence <= last { throw .staleSequence(got: state.sequence, lastAccepted: last) }
        return state
    }
}
