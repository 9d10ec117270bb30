import Crypto
import FleetCore
import Foundation
import XCTest

/// DSSE envelopes and Ed25519 keys against the DSSE spec's example, RFC 8032 and OpenSSL-written keys.
final class SigningTests: XCTestCase {
    /// RFC 8032 section 7.1, TEST 2: a one-byte message 0x72.
    static let rfcSeed = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
    static let rfcPublic = hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    static let rfcSignature = hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
    /// The same seed as written by `openssl pkey` (PKCS#8) and its public half (SubjectPublicKeyInfo).
    static let opensslPrivatePEM = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7
        -----END PRIVATE KEY-----
        """
    static let opensslPublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAPUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=
        -----END PUBLIC KEY-----
        """

    func testPAEMatchesTheSpecExample() throws {
        let pae = DSSE.pae(payloadType: "http://example.com/HelloWorld", payload: Data("hello world".utf8))
        XCTAssertEqual(String(decoding: pae, as: UTF8.self), "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
        // The spec's envelope carries an ECDSA P-256 signature over that PAE; it must verify over ours.
        let x = decimalToBytes("46950820868899156662930047687818585632848591499744589407958293238635476079160")
        let y = decimalToBytes("5640078356564379163099075877009565129882514886557779369047442380624545832820")
        let key = try P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
        let sig = try P256.Signing.ECDSASignature(rawRepresentation: XCTUnwrap(Data(base64Encoded:
            "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==")))
        XCTAssertTrue(key.isValidSignature(sig, for: pae))
        XCTAssertFalse(key.isValidSignature(sig, for: DSSE.pae(payloadType: "http://example.com/HelloWorld", payload: Data("hello worle".utf8))))
    }

    func testEd25519AgainstRFC8032() throws {
        let key = try SigningKey(seed: Self.rfcSeed)
        XCTAssertEqual(key.publicKey.rawRepresentation, Self.rfcPublic)
        XCTAssertTrue(key.publicKey.isValidSignature(Self.rfcSignature, for: Data([0x72])))
        XCTAssertFalse(key.publicKey.isValidSignature(Self.rfcSignature, for: Data([0x73])))
        #if os(Linux)
        // BoringSSL's Ed25519 is the deterministic RFC 8032 scheme, so the signature is the RFC's bytes.
        XCTAssertEqual(key.signature(for: Data([0x72])), Self.rfcSignature)
        #endif
        XCTAssertEqual(key.keyID, SHA256.hash(data: Self.rfcPublic).map { String(format: "%02x", $0) }.joined())
    }

    func testReadsOpenSSLKeysAndWritesTheSameFormat() throws {
        let key = try SigningKey(pemOrBase64: Self.opensslPrivatePEM)
        XCTAssertEqual(key.seed, Self.rfcSeed)
        XCTAssertEqual(key.pemRepresentation.trimmingCharacters(in: .whitespacesAndNewlines), Self.opensslPrivatePEM)
        XCTAssertEqual(key.publicKey.pemRepresentation.trimmingCharacters(in: .whitespacesAndNewlines), Self.opensslPublicPEM)
        XCTAssertEqual(try SigningKey(pemOrBase64: Self.rfcSeed.base64EncodedString()).seed, Self.rfcSeed)

        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("fleet.key").path
        try key.write(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try SigningKey(pemOrBase64File: path).seed, Self.rfcSeed)
        let root = try TrustRoot(publicKeyFile: path + ".pub")
        XCTAssertEqual(Array(root.keys.keys), [key.keyID])
        XCTAssertThrowsError(try key.write(to: path)) { error in
            guard case SignatureError.unreadableFile = error else { return XCTFail("\(error)") }
        }
    }

    func testBadKeyFilesAreRejectedWithAReason() {
        for text in ["", "not base64!", Data(count: 31).base64EncodedString(),
                     "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----",
                     "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
                     "-----BEGIN PRIVATE KEY-----\n" + Self.opensslPrivatePEM] {
            XCTAssertThrowsError(try SigningKey(pemOrBase64: text), text) { error in
                guard case SignatureError.invalidKey = error else { return XCTFail("\(text): \(error)") }
            }
        }
        // A public key where a private one is expected.
        XCTAssertThrowsError(try SigningKey(pemOrBase64: Self.opensslPublicPEM))
    }

    func testRoundTripAndEachRejection() throws {
        let key = try SigningKey(seed: Self.rfcSeed)
        let root = TrustRoot(keys: [key.publicKey])
        let payload = Data(#"{"hello":"fleet"}"#.utf8)
        let envelope = key.sign(payload: payload, payloadType: "application/vnd.test+json")
        XCTAssertEqual(try root.verify(envelope, expectedPayloadType: "application/vnd.test+json"), payload)
        // The envelope survives JSON.
        let decoded = try DSSEEnvelope.decode(envelope.jsonData())
        XCTAssertEqual(try root.verify(decoded, expectedPayloadType: "application/vnd.test+json"), payload)

        // Wrong key: signed by a key the root does not hold.
        let other = SigningKey.generate()
        let foreign = other.sign(payload: payload, payloadType: "application/vnd.test+json")
        XCTAssertThrowsError(try root.verify(foreign, expectedPayloadType: "application/vnd.test+json")) {
            XCTAssertEqual($0 as? SignatureError, .untrustedSigner(keyID: other.keyID))
        }
        // One flipped bit in the signature.
        var flipped = envelope
        var sig = Data(base64Encoded: flipped.signatures[0].sig)!
        sig[10] ^= 0x01
        flipped.signatures[0].sig = sig.base64EncodedString()
        XCTAssertThrowsError(try root.verify(flipped, expectedPayloadType: "application/vnd.test+json")) {
            XCTAssertEqual($0 as? SignatureError, .badSignature(keyID: key.keyID))
        }
        // A changed payload byte.
        var tampered = envelope
        tampered.payload = Data(#"{"hello":"fleeT"}"#.utf8).base64EncodedString()
        XCTAssertThrowsError(try root.verify(tampered, expectedPayloadType: "application/vnd.test+json")) {
            XCTAssertEqual($0 as? SignatureError, .badSignature(keyID: key.keyID))
        }
        // A swapped payload type breaks the signature (PAE covers it); a right signature of another type is refused.
        var retyped = envelope
        retyped.payloadType = "application/vnd.other+json"
        XCTAssertThrowsError(try root.verify(retyped, expectedPayloadType: "application/vnd.other+json")) {
            XCTAssertEqual($0 as? SignatureError, .badSignature(keyID: key.keyID))
        }
        XCTAssertThrowsError(try root.verify(envelope, expectedPayloadType: "application/vnd.other+json")) {
            XCTAssertEqual($0 as? SignatureError, .wrongPayloadType(expected: "application/vnd.other+json", actual: "application/vnd.test+json"))
        }
        // No signatures, bad base64, not JSON.
        var unsigned = envelope
        unsigned.signatures = []
        XCTAssertThrowsError(try root.verify(unsigned, expectedPayloadType: "application/vnd.test+json")) {
            guard case SignatureError.malformedEnvelope = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try DSSEEnvelope.decode(Data("{\"payload\": 3}".utf8))) {
            guard case SignatureError.malformedEnvelope = $0 else { return XCTFail("\($0)") }
        }
    }

    func testURLSafeBase64IsAccepted() throws {
        // The spec: verifiers must accept standard and URL-safe base64.
        let key = try SigningKey(seed: Self.rfcSeed)
        var envelope = key.sign(payload: Data([0xfb, 0xff, 0xfe, 0x3e]), payloadType: "t")
        envelope.payload = envelope.payload.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        envelope.signatures[0].sig = envelope.signatures[0].sig.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        XCTAssertEqual(try TrustRoot(keys: [key.publicKey]).verify(envelope, expectedPayloadType: "t"), Data([0xfb, 0xff, 0xfe, 0x3e]))
        // The key ID is optional in DSSE: without one, the trusted keys are tried.
        envelope.signatures[0].keyid = ""
        let root = TrustRoot(keys: [SigningKey.generate().publicKey, key.publicKey])
        XCTAssertEqual(try root.verify(envelope, expectedPayloadType: "t"), Data([0xfb, 0xff, 0xfe, 0x3e]))
    }
}

func hex(_ s: String) -> Data {
    var out = Data()
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        out.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return out
}

/// A non-negative decimal integer as 32 big-endian bytes.
func decimalToBytes(_ decimal: String) -> Data {
    var bytes = [UInt8](repeating: 0, count: 32)
    for ch in decimal {
        var carry = Int(ch.wholeNumberValue!)
        for k in stride(from: 31, through: 0, by: -1) {
            let v = Int(bytes[k]) * 10 + carry
            bytes[k] = UInt8(v & 0xff)
            carry = v >> 8
        }
    }
    return Data(bytes)
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fleetcore-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
