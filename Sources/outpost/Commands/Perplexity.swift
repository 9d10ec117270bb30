import ArgumentParser
import Bench
import Foundation
import Inference

extension Outpost {
    struct PerplexityCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "perplexity",
            abstract: "Perplexity of a text by llama-perplexity's method (second half of each chunk scored).")

        @OptionGroup var common: ModelOptionGroup

        @Option(help: "A UTF-8 text file.")
        var file: String

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read text file \(file)") }
            guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(file) is not valid UTF-8") }
            let engine = try common.loadEngine(contextSize: common.contextSize(default: 512))
            let result: PerplexityResult
            do {
                result = try Perplexity.run(engine: engine, text: text, contextSize: common.contextSize(default: 512)) { done, total, ppl in
                    printError("[\(done)/\(total)] running PPL = \(fixed(ppl, 4))")
                }
            } catch {
                throw CLIError(error.description)
            }
            printError("\(result.chunks) chunks of \(result.contextSize) tokens, \(result.scoredTokens) tokens scored in \(fixed(result.seconds, 1)) s (\(common.threads) threads, kernels \(Kernels.current))")
            print("PPL = \(fixed(result.perplexity, 4))")
        }
    }
}
