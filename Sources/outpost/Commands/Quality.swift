import ArgumentParser
import Bench
import Foundation
import Inference

extension Outpost {
    struct QualityCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quality",
            abstract: "Perplexity of a candidate and a reference model, and the KL divergence between them, on a text.",
            discussion: "Chunks as llama-perplexity (second half of each chunk scored); KL(reference ‖ candidate) per scored token, in nats.")

        @OptionGroup var common: ModelOptionGroup

        @Option(help: "The reference model (e.g. the unquantized or Q8_0 file).")
        var reference: String

        @Option(help: "A UTF-8 text file.")
        var file: String

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard FileManager.default.fileExists(atPath: reference) else { throw ValidationError("reference model not found: \(reference)") }
        }

        func run() throws {
            let text = try readText(file)
            let ctx = common.contextSize(default: 512)
            let candidate = try common.loadEngine(contextSize: ctx)
            let referenceEngine: Engine
            do { referenceEngine = try Engine(path: reference, options: common.modelOptions(contextSize: ctx)) } catch {
                throw CLIError(error.description)
            }
            let result: QualityComparison
            do {
                result = try Quality.compare(reference: referenceEngine, candidate: candidate, text: text, contextSize: ctx) { done, total in
                    printError("[\(done)/\(total)] chunks")
                }
            } catch {
                throw CLIError(error.description)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            print("""
                reference  \(reference): PPL = \(fixed(result.referencePerplexity, 4)), top-1 accuracy \(percent(result.referenceTop1Accuracy))
                candidate  \(common.model): PPL = \(fixed(result.candidatePerplexity, 4)), top-1 accuracy \(percent(result.candidateTop1Accuracy))
                PPL ratio  \(fixed(result.candidatePerplexity / result.referencePerplexity, 4))
                KL divergence (nats): mean \(fixed(result.klMean, 6)), median \(fixed(result.klMedian, 6)), p99 \(fixed(result.klP99, 6)), max \(fixed(result.klMax, 6))
                same top token: \(percent(result.sameTopTokenRate)) of positions
                \(result.scoredTokens) tokens scored in \(result.chunks) chunks of \(result.contextSize) (\(fixed(result.seconds, 1)) s, \(common.threads) threads, kernels \(Kernels.current))
                """)
        }
    }
}

func percent(_ x: Double) -> String { fixed(100 * x, 2) + "%" }

/// The UTF-8 text of `path`, or a CLI error naming the problem.
func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read text file \(path)") }
    guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(path) is not valid UTF-8") }
    return text
}
