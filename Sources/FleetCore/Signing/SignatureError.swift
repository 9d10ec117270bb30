import Foundation

/// Why a signed artifact, manifest or desired state was rejected. Each case names one specific reason.
public enum SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The envelope, payload or key material could not be decoded.
    case malformedEnvelope(String)
    /// The envelope carries a different kind of document than the caller expects.
    case wrongPayloadType(expected: String, actual: String)
    /// No signature was made by a key in the trust root; the key IDs that did sign.
    case untrustedSigner(keyID: String)
    /// A trusted key's signature does not match the payload (tampered payload or signature).
    case badSignature(keyID: String)
    /// A file's sha256 differs from the manifest's subject digest.
    case digestMismatch(file: String, expected: String, actual: String)
    /// A file was given that the manifest does not list, or a listed subject was not given.
    case subjectMissing(file: String)
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The document expired at this instant.
    case expired(at: Date)
    /// The document claims to be issued (or valid from) after `now`, beyond the allowed clock skew.
    case notYetValid(validFrom: Date)
    /// A desired state whose sequence number is not above the last one the device accepted (a replay).
    case staleSequence(got: UInt64, lastAccepted: UInt64)
    /// A desired state addressed to another device.
    case wrongDevice(expected: String, actual: String)
    /// A key file or key bytes that are not an Ed25519 key in a supported format.
    case invalidKey(String)

    public var description: String {
        switch self {
        case .malformedEnvelope(let why): return "malformed envelope: \(why)"
        case .wrongPayloadType(let expected, let actual):
            return "wrong payload type: expected \(expected), got \(actual)"
        case .untrustedSigner(let keyID): return "untrusted signer: key \(keyID) is not in the trust root"
        case .badSignature(let keyID): return "bad signature: key \(keyID)'s signature does not match the payload"
        case .digestMismatch(let file, let expected, let actual):
            return "digest mismatch for \(file): manifest says sha256 \(expected), file has \(actual)"
        case .subjectMissing(let file): return "subject missing: \(file) is not both listed in the manifest and given"
        case .unreadableFile(let path, let reason): return "cannot read \(path): \(reason)"
        case .expired(let at): return "expired at \(FleetJSON.iso8601(at))"
        case .notYetValid(let from): return "not yet valid: issued at \(FleetJSON.iso8601(from)), later than now beyond the allowed clock skew"
        case .staleSequence(let got, let last):
            return "stale sequence: got \(got), last accepted \(last) (replayed or older desired state)"
        case .wrongDevice(let expected, let actual):
            return "wrong device: desired state is for \(actual), this device is \(expected)"
        case .invalidKey(let why): return "invalid key: \(why)"
        }
    }
}
