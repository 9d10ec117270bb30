import FleetCore
import Foundation
import XCTest

/// Signed model manifests: in-toto statement layout, sha256 of the files, expiry, each rejection reason.
final class ManifestTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let day: TimeInterval = 86_400

    /// Two small files with known sha256 values (FIPS 180-2 "abc", and the empty string).
    func makeFiles() throws -> (URL, URL, URL) {
        let dir = try temporaryDirectory()
        let a = dir.appendingPathComponent("model.gguf")
        let b = dir.appendingPathComponent("empty.txt")
        try Data("abc".utf8).write(to: a)
        try Data().write(to: b)
        return (dir, a, b)
    }

    func testStatementLayoutAndRoundTrip() throws {
        let (_, a, b) = try makeFiles()
        let key = try SigningKey(seed: SigningTests.rfcSeed)
        let envelope = try ModelManifest.sign(files: [a, b], name: "smollm2", version: "1.0.0", key: key, now: now, validFor: 90 * day,
                                              quantization: "Q4_1", parameterCount: 134_515_008)
        XCTAssertEqual(envelope.payloadType, "application/vnd.in-toto+json")
        // The payload is an in-toto Statement v1 with the field names of the spec.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: envelope.payloadBytes()) as? [String: Any])
        XCTAssertEqual(json["_type"] as? String, "https://in-toto.io/Statement/v1")
        XCTAssertEqual(json["predicateType"] as? String, "https://outpost.dev/model-manifest/v1")
        let subjects = try XCTUnwrap(json["subject"] as? [[String: Any]])
        XCTAssertEqual(subjects.map { $0["name"] as? String }, ["model.gguf", "empty.txt"])
        XCTAssertEqual(subjects.map { ($0["digest"] as? [String: String])?["sha256"] }, [
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ])
        let predicate = try XCTUnwrap(json["predicate"] as? [String: Any])
        XCTAssertEqual(predicate["name"] as? String, "smollm2")
        XCTAssertEqual(predicate["created"] as? String, "2027-01-15T08:00:00Z")
        XCTAssertEqual(predicate["expires"] as? String, "2027-04-15T08:00:00Z")
        XCTAssertEqual(predicate["sizeBytes"] as? Int, 3)

        let manifest = try ManifestVerifier.verify(envelope, files: [b, a], trustRoot: TrustRoot(keys: [key.publicKey]), now: now + 89 * day)
        XCTAssertEqual(manifest.predicate.version, "1.0.0")
        XCTAssertEqual(manifest.predicate.quantization, "Q4_1")
    }

    func testEachRejectionHasItsReason() throws {
        let (dir, a, b) = try makeFiles()
        let key = SigningKey.generate()
        let root = TrustRoot(keys: [key.publicKey])
        let envelope = try ModelManifest.sign(files: [a, b], name: "m", version: "2", key: key, now: now, validFor: 30 * day)

        // A tampered byte in a file.
        try Data("abd".utf8).write(to: a)
        XCTAssertThrowsError(try ManifestVerifier.verify(envelope, files: [a, b], trustRoot: root, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .digestMismatch(file: "model.gguf",
                expected: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                actual: "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"))
        }
        try Data("abc".utf8).write(to: a)
        // A wrong key.
        XCTAssertThrowsError(try ManifestVerifier.verify(envelope, files: [a, b], trustRoot: TrustRoot(keys: [SigningKey.generate().publicKey]), now: now)) {
            XCTAssertEqual($0 as? SignatureError, .untrustedSigner(keyID: key.keyID))
        }
        // Expired, and not yet valid.
        XCTAssertThrowsError(try ManifestVerifier.verify(envelope, files: [a, b], trustRoot: root, now: now + 30 * day)) {
            XCTAssertEqual($0 as? SignatureError, .expired(at: now + 30 * day))
        }
        XCTAssertThrowsError(try ManifestVerifier.verify(envelope, files: [a, b], trustRoot: root, now: now - 3600)) {
            XCTAssertEqual($0 as? SignatureError, .notYetValid(validFrom: now))
        }
        // A listed file not given, and a given file not listed.
        XCTAssertThrowsError(try ManifestVerifier.verify(envelope, files: [a], trustRoot: root, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .subjectMissing(file: "empty.txt"))
        }
        let extra = dir.appendingPathComponent("extra.bin")
        try Data([1]).write(to: extra)
        XCTAssertThrowsError(try ManifestVerifier.verify(envelope, files: [a, b, extra], trustRoot: root, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .subjectMissing(file: "extra.bin"))
        }
        // A missing file.
        XCTAssertThrowsError(try ModelManifest.sign(files: [dir.appendingPathComponent("nope")], name: "m", version: "1", key: key, now: now, validFor: day)) {
            guard case SignatureError.unreadableFile = $0 else { return XCTFail("\($0)") }
        }
        // A manifest payload signed with the desired-state type is not a manifest.
        let state = DesiredState(deviceID: "d", sequence: 1, issuedAt: now, expiresAt: now + day)
        XCTAssertThrowsError(try ManifestVerifier.verify(state.signed(with: key), files: [a, b], trustRoot: root, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .wrongPayloadType(expected: ModelManifest.payloadType, actual: DesiredState.payloadType))
        }
    }

    func testStreamingDigestAcrossChunks() throws {
        // FIPS 180-2: one million "a" bytes; read in 4 KiB chunks so the digest spans many updates.
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("a.bin")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: url)
        let digest = try FileDigest.sha256(of: url, chunkBytes: 4096)
        XCTAssertEqual(digest.hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(digest.sizeBytes, 1_000_000)
    }
}

final class DesiredStateTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func state(_ device: String, _ sequence: UInt64, issued: Date? = nil, ttl: TimeInterval = 3600) throws -> DesiredState {
        let manifest = try SigningKey(seed: SigningTests.rfcSeed).sign(payload: Data("{}".utf8), payloadType: ModelManifest.payloadType)
        let model = ModelAssignment(name: "smollm2", version: "1.1", variant: "smollm2.Q4_1.gguf", artifactURL: "https://cp.example/artifacts/x",
                                    sha256: String(repeating: "ab", count: 32), sizeBytes: 98_362_432, manifest: manifest)
        let issuedAt = issued ?? now
        return DesiredState(deviceID: device, sequence: sequence, issuedAt: issuedAt, expiresAt: issuedAt + ttl, deployment: "dep-1", model: model)
    }

    func testAcceptsNewerAndRejectsReplaysStaleOthersAndForgeries() throws {
        let key = try SigningKey(seed: SigningTests.rfcSeed)
        let verifier = DesiredStateVerifier(trustRoot: TrustRoot(keys: [key.publicKey]), deviceID: "device-7")
        let s5 = try state("device-7", 5)
        let accepted = try verifier.verify(s5.signed(with: key), lastAcceptedSequence: 4, now: now + 60)
        XCTAssertEqual(accepted, s5)
        XCTAssertEqual(try verifier.verify(s5.signed(with: key), lastAcceptedSequence: nil, now: now).sequence, 5)

        // A replay of the same or an older state.
        XCTAssertThrowsError(try verifier.verify(s5.signed(with: key), lastAcceptedSequence: 5, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .staleSequence(got: 5, lastAccepted: 5))
        }
        XCTAssertThrowsError(try verifier.verify(state("device-7", 3).signed(with: key), lastAcceptedSequence: 5, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .staleSequence(got: 3, lastAccepted: 5))
        }
        // Another device's state.
        XCTAssertThrowsError(try verifier.verify(state("device-8", 9).signed(with: key), lastAcceptedSequence: 5, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .wrongDevice(expected: "device-7", actual: "device-8"))
        }
        // Expired.
        XCTAssertThrowsError(try verifier.verify(s5.signed(with: key), lastAcceptedSequence: 4, now: now + 3600)) {
            XCTAssertEqual($0 as? SignatureError, .expired(at: now + 3600))
        }
        // Issued in the future beyond the clock skew.
        XCTAssertThrowsError(try verifier.verify(state("device-7", 6, issued: now + 900).signed(with: key), lastAcceptedSequence: 5, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .notYetValid(validFrom: now + 900))
        }
        // Signed by someone else.
        let rogue = SigningKey.generate()
        XCTAssertThrowsError(try verifier.verify(state("device-7", 99).signed(with: rogue), lastAcceptedSequence: 5, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .untrustedSigner(keyID: rogue.keyID))
        }
        // A sequence number edited after signing.
        var edited = try s5.signed(with: key)
        let json = String(decoding: try edited.payloadBytes(), as: UTF8.self).replacingOccurrences(of: "\"sequence\":5", with: "\"sequence\":50")
        XCTAssertTrue(json.contains("\"sequence\":50"))
        edited.payload = Data(json.utf8).base64EncodedString()
        XCTAssertThrowsError(try verifier.verify(edited, lastAcceptedSequence: 5, now: now)) {
            XCTAssertEqual($0 as? SignatureError, .badSignature(keyID: key.keyID))
        }
    }
}
