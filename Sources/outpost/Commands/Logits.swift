import ArgumentParser
import Foundation
import Inference

extension Outpost {
    /// Prints the top log-probabilities after a sequence of token ids: a debugging aid for comparing
    /// the runtime with another engine position by position.
    struct Logits: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the top-k log-probabilities of the next token after the given token ids.",
            shouldDisplay: false)

        @OptionGroup var common: ModelOptionGroup

        @Option(help: "Comma-separated token ids.")
        var ids: String

        @Option(help: "How many candidates to print.")
        var top: Int = 5

        @Flag(help: "Feed the ids one at a time instead of as one batch.")
        var sequential = false

        func run() throws {
            let tokens = ids.split(separator: ",").compactMap { TokenID($0.trimmingCharacters(in: .whitespaces)) }
            guard !tokens.isEmpty else { throw ValidationError("--ids needs at least one token id") }
            let engine = try common.loadEngine(contextSize: common.contextSize())
            let model = engine.model
            do {
                let cache = try model.makeCache(capacity: tokens.count)
                var logits: [Float] = []
                if sequential {
                    for t in tokens {
                        let h = try model.forward([t], cache: cache)
                        logits = model.logits(h, rows: 0..<1)
                    }
                } else {
                    logits = try model.prefill(tokens, cache: cache)
                }
                let best = logits.withUnsafeBufferPointer { LogProbs.top($0, k: top) }
                for (id, lp) in best {
                    print("\(id)\t\(fixed(Double(lp), 4))\t\(String(decoding: engine.tokenizer.tokenBytes(id), as: UTF8.self).debugDescription)")
                }
            } catch {
                throw CLIError("\(error)")
            }
        }
    }
}
