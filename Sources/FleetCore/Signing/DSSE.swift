import Foundation

/// A signature inside a DSSE envelope.
public struct DSSESignature: Codable, Sendable, Equatable {
    /// Hex sha256 of the signer's raw Ed25519 public key.
    public var keyid: String
    /// Base64 of the 64-byte Ed25519 signature over `DSSE.pae(payloadType, payload)`.
    public var sig: String

    public init(keyid: String, sig: String) {
        self.keyid = keyid
        self.sig = sig
    }
}

/// A DSSE envelope (github.com/secure-systems-lab/dsse): a payload, its type, and signatures over both.
public struct DSSEEnvelope: Codable, Sendable, Equatable {
    public var payloadType: String
    /// Base64 (standard alphabet, padded) of the payload bytes.
    public var payload: String
    public var signatures: [DSSESignature]

    public init(payloadType: String, payload: String, signatures: [DSSESignature]) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// The decoded payload bytes.
    public func payloadBytes() throws(SignatureError) -> Data {
        guard let data = DSSE.base64Decode(payload) else { throw .malformedEnvelope("payload is not valid base64") }
        return data
    }

    /// The envelope as JSON (sorted keys), as written to a manifest file.
    public func jsonData() -> Data {
        // Encoding strings and arrays of strings cannot fail.
        (try? FleetJSON.encoder().encode(self)) ?? Data()
    }

    /// Parses an envelope from JSON, with a specific reason when it is not one.
    public static func decode(_ data: Data) throws(SignatureError) -> DSSEEnvelope {
        do {
            return try FleetJSON.decoder().decode(DSSEEnvelope.self, from: data)
        } catch {
            throw .malformedEnvelope("not a DSSE envelope (\(error))")
        }
    }
}

public enum DSSE {
    /// Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as
    /// ASCII decimal byte counts. The signature covers this, so the type cannot be swapped.
    public static func pae(payloadType: String, payload: Data) -> Data {
        let type = Data(payloadType.utf8)
        var out = Data("DSSEv1 \(type.count) ".utf8)
        out.append(type)
        out.append(Data(" \(payload.count) ".utf8))
        out.append(payload)
        return out
    }

    /// Decodes standard or URL-safe base64, padded or not (verifiers must accept either, says the spec).
    public static func base64Decode(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if s.count % 4 != 0 { s += String(repeating: "=", count: 4 - s.count % 4) }
        return Data(base64Encoded: s)
    }
}
