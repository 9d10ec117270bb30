import Foundation
import Inference

/// How far a candidate model's next-token distributions are from a reference's on the same tokens.
public struct QualityComparison: Sendable, Codable {
    public var referencePerplexity: Double
    public var candidatePerplexity: Double
    /// KL(reference ‖ candidate) per scored position, in nats: mean, median, 99th percentile, maximum.
    public var klMean: Double
    public var klMedian: Double
    public var klP99: Double
    public var klMax: Double
    /// Share of positions where both models' most likely token is the same (llama.cpp's "Same top p").
    public var sameTopTokenRate: Double
    /// Share of positions where each model's most likely token is the text's next token.
    public var referenceTop1Accuracy: Double
    public var candidateTop1Accuracy: Double
    public var scoredTokens: Int
    public var chunks: Int
    public var contextSize: Int
    public var seconds: Double
}

/// Perplexity of both models and the KL divergence between them, by llama-perplexity's chunking (see
/// `Perplexity`): the reference's tokenization of the text, chunks of `contextSize` tokens with BOS first,
/// the second half of each chunk scored. Both models see the same tokens; the full distributions of a
/// block of rows are held at a time, never the whole text's.
public enum Quality {
    public static func compare(
        reference: Engine, candidate: Engine, text: String, contextSize: Int,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws(EngineError) -> QualityComparison {
        guard contextSize >= 8 else { throw .model(.invalidArgument("quality needs --ctx of at least 8 (got \(contextSize))")) }
        let vocab = reference.model.hyperparameters.vocabularySize
        guard candidate.model.hyperparameters.vocabularySize == vocab,
              candidate.tokenizer.vocabularySize == reference.tokenizer.vocabularySize else {
            throw .model(.invalidArgument(
                "the models have different vocabularies (\(vocab) and \(candidate.model.hyperparameters.vocabularySize) tokens); compare variants of one model"))
        }
        let tokenizer = reference.tokenizer
        let tokens = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let chunks = tokens.count / contextSize
        guard chunks > 0 else {
            throw .model(.invalidArgument("the text has \(tokens.count) tokens, fewer than one chunk of \(contextSize); use a longer text or a smaller --ctx"))
        }
        let models = [reference.model, candidate.model]
        var caches: [KVCache] = []
        for model in models {
            do { caches.append(try model.makeCache(capacity: contextSize)) } catch { throw .model(error) }
        }
        let maxBatch = min(reference.model.options.maxBatch, candidate.model.options.maxBatch)
        let rowsPerBlock = max(1, min(32, (1 << 24) / max(vocab, 1)))
        var acc = Accumulator()
        let start = DispatchTime.now().uptimeNanoseconds
        for c in 0..<chunks {
            var chunk = Array(tokens[(c * contextSize)..<((c + 1) * contextSize)])
            if tokenizer.addsBOS, let bos = tokenizer.bosID { chunk[0] = bos }
            caches.forEach { $0.reset() }
            var offset = 0
            while offset < contextSize {
                let end = min(contextSize, offset + maxBatch)
                let lo = max(contextSize / 2, offset), hi = min(end, contextSize - 1)
                var hidden: [HiddenStates] = []
                for (m, model) in models.enumerated() {
                    do { hidden.append(try model.forward(Array(chunk[offset..<end]), cache: caches[m])) } catch { throw .model(error) }
                }
                var row = lo
                while row < hi {
                    let blockEnd = min(hi, row + rowsPerBlock)
                    let ref = models[0].logits(hidden[0], rows: (row - offset)..<(blockEnd - offset))  // (rows, vocab)
                    let cand = models[1].logits(hidden[1], rows: (row - offset)..<(blockEnd - offset)) // (rows, vocab)
                    for r in row..<blockEnd {
                        let range = ((r - row) * vocab)..<((r - row + 1) * vocab)
                        ref.withUnsafeBufferPointer { rb in
                            cand.withUnsafeBufferPointer { cb in
                                acc.add(reference: UnsafeBufferPointer(rebasing: rb[range]),
                                        candidate: UnsafeBufferPointer(rebasing: cb[range]), target: Int(chunk[r + 1]))
                            }
                        }
                    }
                    row = blockEnd
                }
                offset = end
            }
            progress(c + 1, chunks)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return acc.result(chunks: chunks, contextSize: contextSize, seconds: seconds)
    }

    /// KL(p ‖ q) = Σ p·(log p − log q) of the softmaxes of two logit rows, in nats, accumulated in double.
    public static func klDivergence(reference: UnsafeBufferPointer<Float>, candidate: UnsafeBufferPointer<Float>) -> Double {
        let lp = logSoftmax(reference), lq = logSoftmax(candidate)
        var kl = 0.0
        for i in 0..<min(lp.count, lq.count) where lp[i] > -.infinity { kl += exp(lp[i]) * (lp[i] - lq[i]) }
        return max(0, kl)
    }

    /// log softmax of a logit row, in double.
    public static func logSoftmax(_ logits: UnsafeBufferPointer<Float>) -> [Double] {
        var maxLogit = -Float.infinity
        for v in logits where v > maxLogit { maxLogit = v }
        var sum = 0.0
        for v in logits { sum += exp(Double(v - maxLogit)) }
        let logSum = log(sum)
        return logits.map { Double($0 - maxLogit) - logSum }
    }

    /// The `q`-quantile (0...1) of `values` by linear interpolation between closest ranks (numpy's default).
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = min(max(q, 0), 1) * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }
}

/// Running sums over scored positions; one KL value per position (a double each) is kept for the quantiles.
private struct Accumulator {
    var nllReference = 0.0, nllCandidate = 0.0
    var kl: [Double] = []
    var sameTop = 0, refHits = 0, candHits = 0

    mutating func add(reference: UnsafeBufferPointer<Float>, candidate: UnsafeBufferPointer<Float>, target: Int) {
        let lp = Quality.logSoftmax(reference), lq = Quality.logSoftmax(candidate)
        var d = 0.0
        var topP = 0, topQ = 0
        for i in 0..<lp.count {
            if lp[i] > -.infinity { d += exp(lp[i]) * (lp[i] - lq[i]) }
            if lp[i] > lp[topP] { topP = i }
            if lq[i] > lq[topQ] { topQ = i }
        }
        kl.append(max(0, d))
        nllReference -= lp[target]
        nllCandidate -= lq[target]
        if topP == topQ { sameTop += 1 }
        if topP == target { refHits += 1 }
        if topQ == target { candHits += 1 }
    }

    func result(chunks: Int, contextSize: Int, seconds: Double) -> QualityComparison {
        let n = Double(max(kl.count, 1))
        return QualityComparison(
            referencePerplexity: exp(nllReference / n), candidatePerplexity: exp(nllCandidate / n),
            klMean: kl.reduce(0, +) / n, klMedian: Quality.quantile(kl, 0.5), klP99: Quality.quantile(kl, 0.99),
            klMax: kl.max() ?? 0, sameTopTokenRate: Double(sameTop) / n,
            referenceTop1Accuracy: Double(refHits) / n, candidateTop1Accuracy: Double(candHits) / n,
            scoredTokens: kl.count, chunks: chunks, contextSize: contextSize, seconds: seconds)
    }
}
