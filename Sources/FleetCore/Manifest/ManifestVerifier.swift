import Foundation

/// Checks a signed model manifest and the files it describes.
public enum ManifestVerifier {
    /// The manifest, once the envelope is signed by a trusted key, is an Outpost model manifest, is
    /// within its validity window at `now` (with `clockSkew` of grace for the creation time), and every
    /// file in `files` is a subject whose sha256 (streamed from disk) matches — and every subject is given.
    public static func verify(_ envelope: DSSEEnvelope, files: [URL], trustRoot: TrustRoot, now: Date,
                              clockSkew: TimeInterval = 300) throws(SignatureError) -> ModelManifest {
        let manifest = try verifySignature(envelope, trustRoot: trustRoot, now: now, clockSkew: clockSkew)
        var given = Set<String>()
        for url in files {
            let name = url.lastPathComponent
            guard let expected = manifest.sha256(of: name) else { throw .subjectMissing(file: name) }
            let (actual, _) = try FileDigest.sha256(of: url)
            guard actual == expected.lowercased() else { throw .digestMismatch(file: name, expected: expected, actual: actual) }
            given.insert(name)
        }
        if let missing = manifest.subject.first(where: { !given.contains($0.name) }) { throw .subjectMissing(file: missing.name) }
        return manifest
    }

    /// The manifest's signature, type and validity window, without reading files.
    public static func verifySignature(_ envelope: DSSEEnvelope, trustRoot: TrustRoot, now: Date,
                                       clockSkew: TimeInterval = 300) throws(SignatureError) -> ModelManifest {
        let payload = try trustRoot.verify(envelope, expectedPayloadType: ModelManifest.payloadType)
        let manifest: ModelManifest
        do { manifest = try FleetJSON.decoder().decode(ModelManifest.self, from: payload) } catch {
            throw .malformedEnvelope("the payload is not an in-toto statement: \(error)")
        }
        guard manifest.type == ModelManifest.statementType else {
            throw .malformedEnvelope("_type is \(manifest.type), expected \(ModelManifest.statementType)")
        }
        guard manifest.predicateType == ModelManifest.predicateTypeURI else {
            throw .malformedEnvelope("predicateType is \(manifest.predicateType), expected \(ModelManifest.predicateTypeURI)")
        }
        guard !manifest.subject.isEmpty else { throw .malformedEnvelope("the manifest lists no subjects") }
        for s in manifest.subject {
            guard let hex = s.digest["sha256"], hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw .malformedEnvelope("subject \(s.name) has no valid sha256 digest")
            }
        }
        if now >= manifest.predicate.expires { throw .expired(at: manifest.predicate.expires) }
        if manifest.predicate.created > now.addingTimeInterval(clockSkew) { throw .notYetValid(validFrom: manifest.predicate.created) }
        return manifest
    }
}
