import AsyncHTTPClient
import Crypto
import DeviceAgent
import Foundation
import HummingbirdTesting
import XCTest

func hexSHA256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

func randomBytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<n).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

final class DownloaderTests: XCTestCase {
    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-dl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testResumesAPartialDownloadWithARangeRequest() async throws {
        let files = ArtifactFiles()
        let bytes = randomBytes(1_000_000, seed: 1)
        files.put("model.gguf", bytes)
        let dir = try tempDir()
        let digest = hexSHA256(bytes)
        // A download a previous run left half done.
        try Data(bytes[0..<400_000]).write(to: dir.appendingPathComponent("\(digest).partial"))
        try await artifactApplication(files).test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let downloader = ArtifactDownloader(client: .shared)
            let file = try await downloader.fetch(url: "http://127.0.0.1:\(port)/artifacts/model.gguf", sha256: digest,
                                                  size: Int64(bytes.count), into: dir)
            XCTAssertEqual([UInt8](try Data(contentsOf: file)), bytes)
            XCTAssertEqual(files.rangeRequests, ["bytes=400000-"])
        }
    }

    func testACutConnectionIsResumedOnTheNextAttempt() async throws {
        let files = ArtifactFiles()
        let bytes = randomBytes(700_000, seed: 2)
        files.put("m", bytes)
        let dir = try tempDir()
        let digest = hexSHA256(bytes)
        try await artifactApplication(files).test(.live) { client in
            let url = "http://127.0.0.1:\(try XCTUnwrap(client.port))/artifacts/m"
            let downloader = ArtifactDownloader(client: .shared)
            files.set(cutAfter: 300_000)
            do {
                _ = try await downloader.fetch(url: url, sha256: digest, size: Int64(bytes.count), into: dir)
                XCTFail("a cut transfer must not succeed")
            } catch let error as AgentError {
                XCTAssertTrue(["network_error", "truncated_download"].contains(error.code), "\(error)")
            }
            let partial = try XCTUnwrap(try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("\(digest).partial").path)[.size] as? Int)
            XCTAssertGreaterThan(partial, 0)
            files.set(cutAfter: nil)
            let file = try await downloader.fetch(url: url, sha256: digest, size: Int64(bytes.count), into: dir)
            XCTAssertEqual([UInt8](try Data(contentsOf: file)), bytes)
            XCTAssertEqual(files.rangeRequests.count, 1)
        }
    }

    func testAServerIgnoringRangesRestartsTheFile() async throws {
        let files = ArtifactFiles()
        let bytes = randomBytes(200_000, seed: 3)
        files.put("m", bytes)
        let dir = try tempDir()
        let digest = hexSHA256(bytes)
        try Data(repeating: 0xEE, count: 50_000).write(to: dir.appendingPathComponent("\(digest).partial"))
        files.set(cutAfter: nil, ignoreRange: true)
        try await artifactApplication(files).test(.live) { client in
            let url = "http://127.0.0.1:\(try XCTUnwrap(client.port))/artifacts/m"
            let file = try await ArtifactDownloader(client: .shared).fetch(url: url, sha256: digest, size: Int64(bytes.count), into: dir)
            XCTAssertEqual([UInt8](try Data(contentsOf: file)), bytes)
        }
    }

    func testTamperedBytesAreRejectedByDigest() async throws {
        let files = ArtifactFiles()
        var tampered = randomBytes(100_000, seed: 4)
        let digest = hexSHA256(tampered)
        tampered[12_345] ^= 1
        let bytes = tampered
        files.put("m", bytes)
        let dir = try tempDir()
        try await artifactApplication(files).test(.live) { client in
            let url = "http://127.0.0.1:\(try XCTUnwrap(client.port))/artifacts/m"
            do {
                _ = try await ArtifactDownloader(client: .shared).fetch(url: url, sha256: digest, size: Int64(bytes.count), into: dir)
                XCTFail("tampered bytes must be rejected")
            } catch let error as AgentError {
                guard case .digestMismatch(let expected, let actual) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(expected, digest)
                XCTAssertEqual(actual, hexSHA256(bytes))
            }
            // Nothing tampered is left to be picked up later.
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        }
    }

    func testAShorterFileThanAnnouncedIsATruncation() async throws {
        let files = ArtifactFiles()
        let bytes = randomBytes(10_000, seed: 5)
        files.put("m", bytes)
        let dir = try tempDir()
        try await artifactApplication(files).test(.live) { client in
            let url = "http://127.0.0.1:\(try XCTUnwrap(client.port))/artifacts/m"
            do {
                _ = try await ArtifactDownloader(client: .shared).fetch(url: url, sha256: hexSHA256(bytes), size: 20_000, into: dir)
                XCTFail("must fail")
            } catch let error as AgentError {
                XCTAssertEqual(error, .truncatedDownload(expected: 20_000, received: 10_000))
            }
        }
    }

    func testMissingArtifactIsAnHTTPError() async throws {
        let files = ArtifactFiles()
        let dir = try tempDir()
        try await artifactApplication(files).test(.live) { client in
            let url = "http://127.0.0.1:\(try XCTUnwrap(client.port))/artifacts/none"
            do {
                _ = try await ArtifactDownloader(client: .shared).fetch(url: url, sha256: String(repeating: "0", count: 64), size: 1, into: dir)
                XCTFail("must fail")
            } catch let error as AgentError {
                XCTAssertEqual(error, .http(status: 404, url: url))
            }
        }
    }
}
