import ArgumentParser
import Bench
import Foundation
import Inference

extension Outpost {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every tokenize, chat and greedy case of a golden file (shared/golden format) against a model.",
            discussion: "Prints a line per section, then 'N passed, N failed'; exits non-zero on any failure.")

        @OptionGroup var common: ModelOptionGroup

        @Option(help: "A golden JSON file.")
        var golden: String

        @Option(help: "Largest allowed |Δ log-probability| of the reference token at a compared step.")
        var tolerance: Double = 0.05

        @Option(name: .customLong("tie-gap"), help: "Compare up to the first step whose reference top-1/top-2 gap is below this.")
        var tieGap: Double = 0.05

        @Flag(help: "Print every case, not only failures.")
        var verbose = false

        func run() throws {
            let file: GoldenFile
            do { file = try GoldenFile.load(path: golden) } catch { throw CLIError(error.description) }
            let engine = try common.loadEngine(contextSize: common.contextSize())
            let results: [GoldenCaseResult]
            do {
                results = try GoldenCheck(tolerance: tolerance, tieGap: tieGap).run(engine: engine, golden: file) { r in
                    if verbose || !r.passed { print("  \(r.passed ? "ok  " : "FAIL") \(r.section)[\(r.index)] \(r.detail)") }
                }
            } catch {
                throw CLIError(error.description)
            }
            for section in ["tokenize", "chat", "greedy"] {
                let rs = results.filter { $0.section == section }
                print("\(section): \(rs.filter(\.passed).count) passed, \(rs.filter { !$0.passed }.count) failed")
            }
            let agreement = GreedyAgreement(results)
            if agreement.steps > 0 {
                print("greedy agreement over \(agreement.steps) teacher-forced steps: mean |Δlogprob| \(fixed(agreement.meanDelta, 4)), p95 \(fixed(agreement.p95Delta, 4)), max \(fixed(agreement.maxDelta, 4)); top-1 differs at \(agreement.top1Mismatches) steps (largest reference gap there \(fixed(agreement.largestGapAtMismatch, 3)))")
            }
            let failed = results.filter { !$0.passed }.count
            print("\(results.count - failed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode.failure }
        }
    }
}
