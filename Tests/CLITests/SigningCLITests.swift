import Foundation
import XCTest

/// `outpost keygen`, `sign` and `verify` as a user runs them: exit status and the specific reason.
final class SigningCLITests: XCTestCase {
    func testKeygenSignVerifyAndEachFailure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("fleet.key").path
        let other = dir.appendingPathComponent("other.key").path
        let artifact = dir.appendingPathComponent("artifact.bin").path
        let manifest = dir.appendingPathComponent("artifact.dsse.json").path
        try Data("weights".utf8).write(to: URL(fileURLWithPath: artifact))

        XCTAssertEqual(try CLI.run(["keygen", "--out", key]).status, 0)
        XCTAssertEqual(try CLI.run(["keygen", "--out", other]).status, 0)
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        // Refuses to overwrite a key.
        XCTAssertNotEqual(try CLI.run(["keygen", "--out", key]).status, 0)

        let signed = try CLI.run(["sign", "--key", key, "--name", "artifact", "--version", "1.0", "--expires-in", "30d", artifact, "--out", manifest])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        let envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifest))) as? [String: Any]
        XCTAssertEqual(envelope?["payloadType"] as? String, "application/vnd.in-toto+json")

        let ok = try CLI.run(["verify", "--trust-root", key + ".pub", "--manifest", manifest, artifact])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("verified: artifact 1.0"), ok.stdout)

        let wrongKey = try CLI.run(["verify", "--trust-root", other + ".pub", "--manifest", manifest, artifact])
        XCTAssertNotEqual(wrongKey.status, 0)
        XCTAssertTrue(wrongKey.stderr.contains("untrusted signer"), wrongKey.stderr)

        try Data("weighTs".utf8).write(to: URL(fileURLWithPath: artifact))
        let tampered = try CLI.run(["verify", "--trust-root", key + ".pub", "--manifest", manifest, artifact])
        XCTAssertNotEqual(tampered.status, 0)
        XCTAssertTrue(tampered.stderr.contains("digest mismatch for artifact.bin"), tampered.stderr)

        let badExpiry = try CLI.run(["sign", "--key", key, "--name", "a", "--version", "1", "--expires-in", "soon", artifact])
        XCTAssertNotEqual(badExpiry.status, 0)
        XCTAssertTrue(badExpiry.stderr.contains("--expires-in"), badExpiry.stderr)
    }
}
