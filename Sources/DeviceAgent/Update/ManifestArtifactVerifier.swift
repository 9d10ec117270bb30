import FleetCore
import Foundation

/// Verifies a downloaded artifact against its signed manifest with the agent's pinned trust root: the
/// signature is by a trusted key, the manifest is current, it names this model and version, and it signs
/// the digest the desired state carried. The bytes were already checked against that digest (and size) by
/// `ArtifactDownloader.fetch`, which returns no file that does not match, so they are not hashed again.
public struct ManifestArtifactVerifier: ArtifactVerifier {
    public let trustRoot: TrustRoot

    public init(trustRoot: TrustRoot) { self.trustRoot = trustRoot }

    public func verify(file: URL, update: ModelUpdate, now: Date) throws(UpdateRejection) {
        do {
            let envelope = try DSSEEnvelope.decode(update.manifest)
            let manifest = try ManifestVerifier.verifySignature(envelope, trustRoot: trustRoot, now: now)
            guard manifest.predicate.name == update.name, manifest.predicate.version == update.version else {
                throw UpdateRejection(code: "manifest_mismatch",
                                      reason: "the manifest signs \(manifest.predicate.name) \(manifest.predicate.version), not \(update.name) \(update.version)")
            }
            let digests = manifest.subject.compactMap { $0.digest["sha256"]?.lowercased() }
            guard digests.contains(update.sha256.lowercased()) else {
                throw UpdateRejection(code: "digest_mismatch",
                                      reason: "the desired state's sha256 \(update.sha256) is not a subject of the signed manifest")
            }
        } catch let error as SignatureError {
            throw UpdateRejection(code: error.reportCode, reason: error.description)
        } catch let error as UpdateRejection {
            throw error
        } catch {
            throw UpdateRejection(code: "verification_failed", reason: "\(error)")
        }
    }
}

extension SignatureError {
    /// A stable snake-case code for reports to the control plane.
    public var reportCode: String {
        switch self {
        case .malformedEnvelope: return "malformed_envelope"
        case .wrongPayloadType: return "wrong_payload_type"
        case .untrustedSigner: return "untrusted_signer"
        case .badSignature: return "bad_signature"
        case .digestMismatch: return "digest_mismatch"
        case .subjectMissing: return "subject_missing"
        case .unreadableFile: return "unreadable_file"
        case .expired: return "expired"
        case .notYetValid: return "not_yet_valid"
        case .staleSequence: return "stale_sequence"
        case .wrongDevice: return "wrong_device"
        case .invalidKey: return "invalid_key"
        }
    }
}
