import Foundation

/// The public keys whose signatures a verifier accepts.
public struct TrustRoot: Sendable {
    /// Trusted keys by key ID.
    public let keys: [String: PublicKey]

    public init(keys: [PublicKey]) {
        var byID: [String: PublicKey] = [:]
        for key in keys { byID[key.keyID] = key }
        self.keys = byID
    }

    /// Every "PUBLIC KEY" PEM block in the file (or one line of base64 of a raw key).
    public init(publicKeyFile path: String) throws(SignatureError) {
        let text = try KeyEncoding.readText(path: path)
        var keys: [PublicKey] = []
        for raw in try KeyEncoding.rawKeys(in: text, kind: .publicKey) { keys.append(try PublicKey(rawRepresentation: raw)) }
        self.init(keys: keys)
    }

    /// The payload of `envelope` once a trusted key's signature over its PAE checks out and its type
    /// is `expectedPayloadType`.
    ///
    /// Signatures by unknown keys are ignored when a trusted one verifies; without any trusted signer
    /// the error names the first signer, and a trusted signer whose signature fails gives `.badSignature`.
    public func verify(_ envelope: DSSEEnvelope, expectedPayloadType: String) throws(SignatureError) -> Data {
        guard !envelope.signatures.isEmpty else { throw .malformedEnvelope("the envelope has no signatures") }
        let payload = try envelope.payloadBytes()
        let message = DSSE.pae(payloadType: envelope.payloadType, payload: payload)
        var failedTrusted: String?
        for signature in envelope.signatures {
            // The key ID is only a hint (DSSE): without one, every trusted key is tried.
            let candidates = signature.keyid.isEmpty ? Array(keys.values) : keys[signature.keyid].map { [$0] } ?? []
            guard !candidates.isEmpty else { continue }
            guard let sig = DSSE.base64Decode(signature.sig), sig.count == 64,
                  candidates.contains(where: { $0.isValidSignature(sig, for: message) }) else {
                failedTrusted = failedTrusted ?? signature.keyid
                continue
            }
            guard envelope.payloadType == expectedPayloadType else {
                throw .wrongPayloadType(expected: expectedPayloadType, actual: envelope.payloadType)
            }
            return payload
        }
        if let failedTrusted { throw .badSignature(keyID: failedTrusted) }
        throw .untrustedSigner(keyID: envelope.signatures[0].keyid)
    }
}
