import Foundation
import GGUF
import TestSupport
import XCTest

/// Every malformed-file class makes the CLI fail cleanly: a typed error message, exit status 1, no crash.
final class MalformedFileCLITests: XCTestCase {
    func testEveryMalformedClassIsRejectedByTheReaderAndTheCLI() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-malformed-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = MalformedGGUF.catalogue
        XCTAssertGreaterThanOrEqual(cases.count, 28)
        for (index, c) in cases.enumerated() {
            XCTAssertThrowsError(try GGUFFile(bytes: c.bytes), c.name) { error in
                XCTAssertTrue(error is GGUFError, "\(c.name): \(error)")
            }
            let path = dir.appendingPathComponent("case\(index).gguf").path
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(c.bytes)))
            for command in [["inspect", "--model", path], ["run", "--model", path, "--prompt", "hi", "--max-tokens", "1"]] {
                let r = try CLI.run(command)
                XCTAssertFalse(r.terminatedBySignal, "\(c.name): outpost \(command[0]) crashed")
                XCTAssertEqual(r.status, 1, "\(c.name): outpost \(command[0]) exit status")
                XCTAssertTrue(r.stderr.contains("malformed GGUF"), "\(c.name): stderr was \(r.stderr)")
            }
        }
    }

    func testTruncatedRealModelIsRejected() throws {
        let model = TestPaths.Reference.smollm2.modelPath
        guard FileManager.default.fileExists(atPath: model) else { throw XCTSkip("reference model absent; run scripts/fetch-models") }
        let data = try Data(contentsOf: URL(fileURLWithPath: model), options: .mappedIfSafe)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-truncated-\(getpid()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data.prefix(data.count - 1)))
        let r = try CLI.run(["run", "--model", path, "--prompt", "hi"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("malformed GGUF") && r.stderr.contains("tensor"), r.stderr)
    }

    func testMissingFileAndUnsupportedArchitecture() throws {
        let missing = try CLI.run(["inspect", "--model", "/nonexistent/model.gguf"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertFalse(missing.terminatedBySignal)
        var w = GGUFWriter()
        w.set("general.architecture", .string("mamba"))
        let path = try SyntheticModel.temporaryFile(try w.serialize(), name: "mamba")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLI.run(["run", "--model", path, "--prompt", "hi"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("unsupported model architecture 'mamba'") && r.stderr.contains("gemma3, llama, qwen2"), r.stderr)
    }
}
