import Foundation
import Inference

/// Result of a perplexity run.
public struct PerplexityResult: Sendable {
    public var perplexity: Double
    public var chunks: Int
    public var scoredTokens: Int
    public var contextSize: Int
    public var seconds: Double
    /// Running perplexity after each chunk, as llama-perplexity prints it.
    public var perChunk: [Double]
}

/// Perplexity by llama-perplexity's method: the text is tokenized once (with BOS where the model adds
/// one), cut into chunks of `contextSize` tokens, each chunk's first token replaced by BOS where the model
/// adds one, and only the second half of each chunk is scored, so every scored token has at least
/// `contextSize / 2` tokens of context.
public enum Perplexity {
    public static func run(engine: Engine, text: String, contextSize: Int,
                           progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws(EngineError) -> PerplexityResult {
        guard contextSize >= 8 else { throw .model(.invalidArgument("perplexity needs --ctx of at least 8 (got \(contextSize))")) }
        let model = engine.model
        let tokenizer = engine.tokenizer
        let tokens = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let chunks = tokens.count / contextSize
        guard chunks > 0 else {
            throw .model(.invalidArgument("the text has \(tokens.count) tokens, fewer than one chunk of \(contextSize); use a longer text or a smaller --ctx"))
        }
        let cache: KVCache
        do { cache = try model.makeCache(capacity: contextSize) } catch { throw .model(error) }
        let first = contextSize / 2
        let vocab = model.hyperparameters.vocabularySize
        let rowsPerBlock = max(1, min(64, (1 << 26) / max(vocab, 1)))
        var nll = 0.0
        var count = 0
        var perChunk: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        for c in 0..<chunks {
            var chunk = Array(tokens[(c * contextSize)..<((c + 1) * contextSize)])
            if tokenizer.addsBOS, let bos = tokenizer.bosID { chunk[0] = bos }
            cache.reset()
            // Forward the chunk in batches, scoring the rows each batch produced.
            var offset = 0
            while offset < contextSize {
                let end = min(contextSize, offset + model.options.maxBatch)
                let hidden: HiddenStates
                do { hidden = try model.forward(Array(chunk[offset..<end]), cache: cache) } catch { throw .model(error) }
                let lo = max(first, offset), hi = min(end, contextSize - 1)
                var row = lo
                while row < hi {
                    let blockEnd = min(hi, row + rowsPerBlock)
                    let logits = model.logits(hidden, rows: (row - offset)..<(blockEnd - offset))
                    for r in row..<blockEnd {
                        let target = Int(chunk[r + 1])
                        nll -= logits.withUnsafeBufferPointer { buf in
                            logProbability(UnsafeBufferPointer(rebasing: buf[((r - row) * vocab)..<((r - row + 1) * vocab)]), of: target)
                        }
                        count += 1
                    }
                    row = blockEnd
                }
                offset = end
            }
            let ppl = exp(nll / Double(count))
            perChunk.append(ppl)
            progress(c + 1, chunks, ppl)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return PerplexityResult(perplexity: exp(nll / Double(count)), chunks: chunks, scoredTokens: count,
                                contextSize: contextSize, seconds: seconds, perChunk: perChunk)
    }

    /// log softmax(logits)[target], accumulated in double.
    public static func logProbability(_ logits: UnsafeBufferPointer<Float>, of target: Int) -> Double {
        var maxLogit = -Float.infinity
        for v in logits where v > maxLogit { maxLogit = v }
        var sum = 0.0
        for v in logits { sum += exp(Double(v - maxLogit)) }
        return Double(logits[target] - maxLogit) - log(sum)
    }
}
