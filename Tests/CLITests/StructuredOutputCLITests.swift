import Foundation
import TestSupport
import XCTest

/// `outpost run --json-schema / --grammar / --json` on SmolLM2.
final class StructuredOutputCLITests: XCTestCase {
    private func model() throws -> String {
        let r = TestPaths.Reference.smollm2
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        return r.modelPath
    }

    private func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testSchemaAndGrammarConstrainTheOutput() throws {
        let path = try model()
        let schema = try file(#"{"type":"object","properties":{"city":{"type":"string","maxLength":20},"population":{"type":"integer","minimum":0}},"required":["city","population"]}"#)
        let run = try CLI.run(["run", "--model", path, "--chat", "Give the largest city of France and its population.",
                               "--json-schema", schema, "--temperature", "0", "--max-tokens", "64", "--ctx", "512"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("finish stop"), run.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        XCTAssertNotNil(object?["city"] as? String, run.stdout)
        XCTAssertGreaterThanOrEqual(object?["population"] as? Int ?? -1, 0, run.stdout)

        let grammar = try file("root ::= (\"yes\" | \"no\") \".\"\n")
        let answer = try CLI.run(["run", "--model", path, "--chat", "Is Paris in France?", "--grammar", grammar,
                                  "--temperature", "0", "--max-tokens", "8", "--ctx", "512"])
        XCTAssertEqual(answer.status, 0, answer.stderr)
        XCTAssertTrue(["yes.", "no."].contains(answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), answer.stdout)
    }

    func testBadGrammarAndSchemaAreClearErrors() throws {
        let path = try model()
        let grammar = try file("root ::= missing\n")
        let r = try CLI.run(["run", "--model", path, "--prompt", "x", "--grammar", grammar])
        XCTAssertEqual(r.status, 1)
        XCTAssertFalse(r.terminatedBySignal)
        XCTAssertTrue(r.stderr.contains("undefined rule 'missing'"), r.stderr)
        let schema = try file(#"{"type":"string","format":"hostname"}"#)
        let s = try CLI.run(["run", "--model", path, "--prompt", "x", "--json-schema", schema])
        XCTAssertEqual(s.status, 1)
        XCTAssertTrue(s.stderr.contains("unsupported JSON schema feature 'format'"), s.stderr)
        let both = try CLI.run(["run", "--model", path, "--prompt", "x", "--json", "--grammar", grammar])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("at most one of"), both.stderr)
    }
}
