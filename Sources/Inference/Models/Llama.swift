import Foundation
import GGUF
import Synchronization

/// Llama-family decoder (`llama`, e.g. SmolLM2) and its close relative `qwen2` (Qwen2.5), which adds
/// biases to the q/k/v projections and rotates with the NeoX pairing.
///
/// Per layer: x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x)); x += Wd·(silu(Wg·n(x)) ⊙ Wu·n(x)).
final class LlamaModel: LanguageModel, @unchecked Sendable {
    enum Variant { case llama, qwen2 }

    private struct Layer {
        let attnNorm: [Float]                 // (embd)
        let wq, wk, wv, wo: WeightMatrix
        let bq, bk, bv: [Float]?              // (qDim), (kvDim), (vDim): qwen2 only
        let ffnNorm: [Float]                  // (embd)
        let gate, up, down: WeightMatrix
    }

    let hyperparameters: Hyperparameters
    let options: ModelOptions
    let weightBytes: Int
    /// Owner of the mapping every `WeightMatrix` points into; held so the weights outlive any caller's handle.
    private let file: GGUFFile
    private let tokenEmbedding: WeightMatrix  // (vocab, embd)
    private let output: WeightMatrix          // (vocab, embd); the embedding when tied
    private let outputNorm: [Float]           // (embd)
    private let layers: [Layer]
    private let neoxRope: Bool
    private let ropeFactors: [Float]?         // (ropeDims / 2): Llama 3.1+ long-context frequency factors
    private let compute: ComputeContext
    private let work: DecoderWorkspace
    private let exclusive = Mutex<Void>(())

    init(file: GGUFFile, options: ModelOptions, variant: Variant) throws(ModelError) {
        let arch = variant == .llama ? "llama" : "qwen2"
        let t = TensorLoader(file: file)
        guard let embInfo = file.tensor(named: "token_embd.weight"), embInfo.dimensions.count >= 2 else {
            throw .missingTensor("token_embd.weight")
        }
        let hp = try Hyperparameters(file: file, architecture: arch, vocabularySize: embInfo.dimensions[1])
        let d = hp.embeddingLength
        tokenEmbedding = try t.matrix("token_embd.weight", rows: hp.vocabularySize, columns: d)
        output = t.has("output.weight") ? try t.matrix("output.weight", rows: hp.vocabularySize, columns: d) : tokenEmbedding
        outputNorm = try t.vector("output_norm.weight", count: d)
        ropeFactors = try t.optionalVector("rope_freqs.weight", count: hp.ropeDimensions / 2)
        if let f = ropeFactors, f.contains(where: { !($0 > 0) || !$0.isFinite }) {
            throw .badShape(tensor: "rope_freqs.weight", expected: "positive finite factors", got: [f.count])
        }
        var layers: [Layer] = []
        for l in 0..<hp.layerCount {
            let p = "blk.\(l)."
            let biased = variant == .qwen2
            layers.append(Layer(
                attnNorm: try t.vector(p + "attn_norm.weight", count: d),
                wq: try t.matrix(p + "attn_q.weight", rows: hp.qDim, columns: d),
                wk: try t.matrix(p + "attn_k.weight", rows: hp.kvDim, columns: d),
                wv: try t.matrix(p + "attn_v.weight", rows: hp.vDim, columns: d),
                wo: try t.matrix(p + "attn_output.weight", rows: d, columns: hp.headCount * hp.valueHeadDim),
                bq: biased ? try t.vector(p + "attn_q.bias", count: hp.qDim) : try t.optionalVector(p + "attn_q.bias", count: hp.qDim),
                bk: biased ? try t.vector(p + "attn_k.bias", count: hp.kvDim) : try t.optionalVector(p + "attn_k.bias", count: hp.kvDim),
                bv: biased ? try t.vector(p + "attn_v.bias", count: hp.vDim) : try t.optionalVector(p + "attn_v.bias", count: hp.vDim),
                ffnNorm: try t.vector(p + "ffn_norm.weight", count: d),
                gate: try t.matrix(p + "ffn_gate.weight", rows: hp.feedForwardLength, columns: d),
                up: try t.matrix(p + "ffn_up.weight", rows: hp.feedForwardLength, columns: d),
                down: try t.matrix(p + "ffn_down.weight", rows: d, columns: hp.feedForwardLength)))
        }
        self.layers = layers
        hyperparameters = hp
        self.options = options
        self.file = file
        neoxRope = variant == .qwen2
        weightBytes = t.totalTensorBytes
        compute = ComputeContext(threads: options.threads)
        work = DecoderWorkspace(hp: hp, maxBatch: options.maxBatch)
    }

    var scratchBytes: Int { work.byteCount }

    func forward(_ batch: [BatchSegment]) throws(ModelError) -> HiddenStates {
        let hp = hyperparameters
        let layout = try BatchLayout(batch, hp: hp, maxBatch: options.maxBatch)
        let n = layout.rows, d = hp.embeddingLength
        return exclusive.withLock { _ in
            let w = work
            compute.columnExact = layout.rowExact || options.batchInvariant
            // x = embedding(tokens)                                       (n, embd)
            for (i, id) in layout.tokens.enumerated() { tokenEmbedding.dequantizeRow(Int(id), into: w.x.pointer + i * d) }
            for (l, layer) in layers.enumerated() {
                // Attention block.
                Ops.rmsNorm(w.x.pointer, weight: layer.attnNorm, rows: n, dim: d, eps: hp.rmsEpsilon, into: w.xn.pointer)
                // q (n, qDim), k (n, kvDim), v (n, vDim) in one pass over the normalised input
                compute.matmul([(layer.wq, w.q.pointer), (layer.wk, w.k.pointer), (layer.wv, w.v.pointer)], w.xn.pointer, rows: n)
                if let b = layer.bq { Ops.addBias(w.q.pointer, bias: b, rows: n) }
                if let b = layer.bk { Ops.addBias(w.k.pointer, bias: b, rows: n) }
                if let b = layer.bv { Ops.addBias(w.v.pointer, bias: b, rows: n) }
                // Each sequence rotates at its own positions and writes its own cache.
                for s in layout.segments {
                    Ops.rope(w.q.pointer + s.row * hp.qDim, n: s.count, heads: hp.headCount, headDim: hp.headDim,
                             ropeDims: hp.ropeDimensions, start: s.start, base: hp.ropeBase, scale: hp.ropeScale,
                             neox: neoxRope, freqFactors: ropeFactors)
                    Ops.rope(w.k.pointer + s.row * hp.kvDim, n: s.count, heads: hp.kvHeadCount, headDim: hp.headDim,
                             ropeDims: hp.ropeDimensions, start: s.start, base: hp.ropeBase, scale: hp.ropeScale,
                             neox: neoxRope, freqFactors: ropeFactors)
                    s.cache.store(layer: l, position: s.start, rows: s.count, keys: w.k.pointer + s.row * hp.kvDim,
                                  values: w.v.pointer + s.row * hp.vDim)
                }
                Ops.scale(w.q.pointer, by: 1 / Float(hp.headDim).squareRoot(), count: n * hp.qDim)
                compute.attention(q: w.q.pointer, segments: layout.segments, layer: l, out: w.attn.pointer,
                                  heads: hp.headCount, kvHeads: hp.kvHeadCount, headDim: hp.headDim,
                                  vHeadDim: hp.valueHeadDim, window: nil)
                compute.matmul(layer.wo, w.attn.pointer, rows: n, into: w.proj.pointer) // (n, embd)
                Ops.add(w.x.pointer, w.proj.pointer, count: n * d)
                // Feed-forward block: SwiGLU.
                Ops.rmsNorm(w.x.pointer, weight: layer.ffnNorm, rows: n, dim: d, eps: hp.rmsEpsilon, into: w.xn.pointer)
                // gate and up (n, ffn) in one pass
                compute.matmul([(layer.gate, w.gate.pointer), (layer.up, w.up.pointer)], w.xn.pointer, rows: n)
                compute.swiglu(gate: w.gate.pointer, up: w.up.pointer, rows: n, width: hp.feedForwardLength)
                compute.matmul(layer.down, w.gate.pointer, rows: n, into: w.proj.pointer) // (n, embd)
                Ops.add(w.x.pointer, w.proj.pointer, count: n * d)
            }
            Ops.rmsNorm(w.x.pointer, weight: outputNorm, rows: n, dim: d, eps: hp.rmsEpsilon, into: w.hidden.pointer)
            layout.advanceCaches()
            return HiddenStates(pointer: w.hidden.pointer, rows: n, dim: d)
        }
    }

    func logits(_ hidden: HiddenStates, rows: Range<Int>) -> [Float] {
        exclusive.withLock { _ in projectLogits(output, compute: compute, hidden: hidden, rows: rows) }
    }
}

/// `(rows, vocab) = hidden[rows] · outputᵀ`, shared by every architecture.
func projectLogits(_ output: WeightMatrix, compute: ComputeContext, hidden: HiddenStates, rows: Range<Int>) -> [Float] {
    let clamped = rows.clamped(to: 0..<hidden.rows)
    guard !clamped.isEmpty else { return [] }
    // Every element is written by the product, so the array is not zero-filled first.
    return [Float](unsafeUninitializedCapacity: clamped.count * output.rows) { buf, initialized in
        compute.matmul(output, hidden.pointer + clamped.lowerBound * hidden.dim, rows: clamped.count, into: buf.baseAddress!)
        initialized = buf.count
    }
}
