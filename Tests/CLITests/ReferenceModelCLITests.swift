import Foundation
import TestSupport
import XCTest

/// The CLI on the three reference models: memory estimate against measured peak RSS, context errors.
final class ReferenceModelCLITests: XCTestCase {
    private func model(_ r: TestPaths.Reference) throws -> String {
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        return r.modelPath
    }

    /// `outpost inspect` estimates memory within 10% of the peak RSS `outpost run` reaches at the same context.
    func testMemoryEstimateWithinTenPercentOfMeasuredPeak() throws {
        for reference in TestPaths.Reference.allCases {
            let path = try model(reference)
            for ctx in [512, 4096] {
                let inspect = try CLI.run(["inspect", "--model", path, "--ctx", "\(ctx)", "--json"])
                XCTAssertEqual(inspect.status, 0, inspect.stderr)
                let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
                let memory = json?["memory"] as? [String: Any]
                let estimate = try XCTUnwrap(memory?["total_bytes"] as? Int)
                let run = try CLI.run(["run", "--model", path, "--ctx", "\(ctx)", "--prompt", "The capital of France is",
                                       "--max-tokens", "8", "--temperature", "0"])
                XCTAssertEqual(run.status, 0, run.stderr)
                let peak = try XCTUnwrap(Self.peakMiB(run.stderr), "no peak RSS in: \(run.stderr)") * 1_048_576
                let ratio = Double(estimate) / peak
                XCTAssertEqual(ratio, 1, accuracy: 0.10, "\(reference) ctx \(ctx): estimate \(estimate) bytes, measured peak \(Int(peak)) bytes")
            }
        }
    }

    func testPromptBeyondContextIsAClearError() throws {
        let path = try model(.smollm2)
        let prompt = String(repeating: "word ", count: 200)
        let r = try CLI.run(["run", "--model", path, "--ctx", "64", "--prompt", prompt, "--max-tokens", "4"])
        XCTAssertEqual(r.status, 1)
        XCTAssertFalse(r.terminatedBySignal)
        XCTAssertTrue(r.stderr.contains("context holds 64"), r.stderr)
    }

    /// `bench --sequences S` adds the batched decode figure (S sequences, one pass per step) next to tg; a
    /// count outside 1...64 is refused before any model is loaded.
    func testBenchReportsBatchedDecodeOfSeveralSequences() throws {
        let path = try model(.smollm2)
        let r = try CLI.run(["bench", "--model", path, "-p", "0", "-n", "6", "--sequences", "3", "--repetitions", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let tests = try XCTUnwrap(json["tests"] as? [[String: Any]])
        XCTAssertEqual(tests.compactMap { $0["test"] as? String }, ["tg6", "tg6x3"])
        let batched = try XCTUnwrap(tests.last)
        XCTAssertEqual(batched["n_gen"] as? Int, 18)
        XCTAssertEqual((batched["samples_ts"] as? [Double])?.count, 1)
        XCTAssertGreaterThan(batched["avg_ts"] as? Double ?? 0, 0)
        let bad = try CLI.run(["bench", "--model", path, "--sequences", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertFalse(bad.terminatedBySignal)
        XCTAssertTrue(bad.stderr.contains("--sequences must be 1...64"), bad.stderr)
    }

    func testRunIsDeterministicForASeed() throws {
        let path = try model(.smollm2)
        let args = ["run", "--model", path, "--prompt", "Once upon a time", "--max-tokens", "24", "--temperature", "0.9", "--seed", "7"]
        let a = try CLI.run(args), b = try CLI.run(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertFalse(a.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let c = try CLI.run(["run", "--model", path, "--prompt", "Once upon a time", "--max-tokens", "24", "--temperature", "0.9", "--seed", "8"])
        XCTAssertNotEqual(a.stdout, c.stdout, "different seeds gave the same 24 tokens")
    }

    func testChatUsesTheModelTemplateAndStopsAtEndOfTurn() throws {
        let path = try model(.qwen25)
        let r = try CLI.run(["run", "--model", path, "--chat", "Reply with the single word: yes", "--max-tokens", "40", "--temperature", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.lowercased().contains("yes"), r.stdout)
        XCTAssertTrue(r.stderr.contains("finish stop"), r.stderr)
        XCTAssertFalse(r.stdout.contains("<|im_end|>"))
    }

    static func peakMiB(_ stderr: String) -> Double? {
        guard let range = stderr.range(of: #"peak RSS ([0-9.]+) MiB"#, options: .regularExpression) else { return nil }
        let text = stderr[range].dropFirst("peak RSS ".count).dropLast(" MiB".count)
        return Double(text)
    }
}
