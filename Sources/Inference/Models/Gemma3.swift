import Foundation
import GGUF
import Synchronization

/// Gemma 3 text decoder.
///
/// Differences from Llama: embeddings scaled by √embd; RMS norms after attention and after the FFN as
/// well as before; per-head RMS norms on q and k; GELU-gated FFN; five sliding-window layers (local rope
/// base 10 000) for every global layer (the file's rope base, optionally linearly scaled); queries scaled
/// by 1/√headDim. Norm weights in GGUF already include Gemma's `1 +` offset.
final class Gemma3Model: LanguageModel, @unchecked Sendable {
    private struct Layer {
        let attnNorm, postAttnNorm: [Float]   // (embd)
        let qNorm, kNorm: [Float]             // (headDim)
        let wq, wk, wv, wo: WeightMatrix
        let ffnNorm, postFfnNorm: [Float]     // (embd)
        let gate, up, down: WeightMatrix
        let window: Int?                      // sliding window, nil on global layers
    }

    /// Every `pattern`-th layer (the last of each group) attends globally.
    private static let swaPattern = 6
    private static let localRopeBase: Float = 10_000

    let hyperparameters: Hyperparameters
    let options: ModelOptions
    let weightBytes: Int
    /// Owner of the mapping every `WeightMatrix` points into; held so the weights outlive any caller's handle.
    private let file: GGUFFile
    private let tokenEmbedding: WeightMatrix  // (vocab, embd)
    private let output: WeightMatrix          // (vocab, embd)
    private let outputNorm: [Float]           // (embd)
    private let layers: [Layer]
    private let queryScale: Float
    private let compute: ComputeContext
    private let work: DecoderWorkspace
    private let exclusive = Mutex<Void>(())

    init(file: GGUFFile, options: ModelOptions) throws(ModelError) {
        let t = TensorLoader(file: file)
        guard let embInfo = file.tensor(named: "token_embd.weight"), embInfo.dimensions.count >= 2 else {
            throw .missingTensor("token_embd.weight")
        }
        let hp = try Hyperparameters(file: file, architecture: "gemma3", vocabularySize: embInfo.dimensions[1])
        let d = hp.embeddingLength, hd = hp.headDim
        let windowKey = "gemma3.attention.sliding_window"
        let window = file[windowKey]?.int
        if let w = window, w <= 0 { throw .invalidMetadata(key: windowKey, reason: "must be positive (got \(w))") }
        tokenEmbedding = try t.matrix("token_embd.weight", rows: hp.vocabularySize, columns: d)
        output = t.has("output.weight") ? try t.matrix("output.weight", rows: hp.vocabularySize, columns: d) : tokenEmbedding
        outputNorm = try t.vector("output_norm.weight", count: d)
        var layers: [Layer] = []
        for l in 0..<hp.layerCount {
            let p = "blk.\(l)."
            let isLocal = window != nil && l % Self.swaPattern < Self.swaPattern - 1
            layers.append(Layer(
                attnNorm: try t.vector(p + "attn_norm.weight", count: d),
                postAttnNorm: try t.vector(p + "post_attention_norm.weight", count: d),
                qNorm: try t.vector(p + "attn_q_norm.weight", count: hd),
                kNorm: try t.vector(p + "attn_k_norm.weight", count: hd),
                wq: try t.matrix(p + "attn_q.weight", rows: hp.qDim, columns: d),
                wk: try t.matrix(p + "attn_k.weight", rows: hp.kvDim, columns: d),
                wv: try t.matrix(p + "attn_v.weight", rows: hp.vDim, columns: d),
                wo: try t.matrix(p + "attn_output.weight", rows: d, columns: hp.headCount * hp.valueHeadDim),
                ffnNorm: try t.vector(p + "ffn_norm.weight", count: d),
                postFfnNorm: try t.vector(p + "post_ffw_norm.weight", count: d),
                gate: try t.matrix(p + "ffn_gate.weight", rows: hp.feedForwardLength, columns: d),
                up: try t.matrix(p + "ffn_up.weight", rows: hp.feedForwardLength, columns: d),
                down: try t.matrix(p + "ffn_down.weight", rows: d, columns: hp.feedForwardLength),
                window: isLocal ? window : nil))
        }
        self.layers = layers
        hyperparameters = hp
        self.options = options
        self.file = file
        // Gemma 3 scales queries by query_pre_attn_scalar^-1/2: the head size, except for 27B (62 layers),
        // whose scalar is embedding / heads (as llama.cpp and the reference implementation do).
        queryScale = hp.layerCount == 62 ? 1 / Float(d / hp.headCount).squareRoot() : 1 / Float(hd).squareRoot()
        weightBytes = t.totalTensorBytes
        compute = ComputeContext(threads: options.threads)
        work = DecoderWorkspace(hp: hp, maxBatch: options.maxBatch)
    }

    var scratchBytes: Int { work.byteCount }

    func forward(_ batch: [BatchSegment]) throws(ModelError) -> HiddenStates {
        let hp = hyperparameters
        let layout = try BatchLayout(batch, hp: hp, maxBatch: options.maxBatch)
        let n = layout.rows, d = hp.embeddingLength, hd = hp.headDim
        return exclusive.withLock { _ in
            let w = work
            compute.columnExact = layout.rowExact || options.batchInvariant
            // x = embedding(tokens) · √embd                                  (n, embd)
            for (i, id) in layout.tokens.enumerated() { tokenEmbedding.dequantizeRow(Int(id), into: w.x.pointer + i * d) }
            Ops.scale(w.x.pointer, by: Float(d).squareRoot(), count: n * d)
            for (l, layer) in layers.enumerated() {
                // Attention block with pre- and post-norm.
                Ops.rmsNorm(w.x.pointer, weight: layer.attnNorm, rows: n, dim: d, eps: hp.rmsEpsilon, into: w.xn.pointer)
                // q (n, qDim), k (n, kvDim), v (n, vDim) in one pass over the normalised input
                compute.matmul([(layer.wq, w.q.pointer), (layer.wk, w.k.pointer), (layer.wv, w.v.pointer)], w.xn.pointer, rows: n)
                Ops.rmsNorm(w.q.pointer, weight: layer.qNorm, rows: n * hp.headCount, dim: hd, eps: hp.rmsEpsilon, into: w.q.pointer)
                Ops.rmsNorm(w.k.pointer, weight: layer.kNorm, rows: n * hp.kvHeadCount, dim: hd, eps: hp.rmsEpsilon, into: w.k.pointer)
                let base = layer.window == nil ? hp.ropeBase : Self.localRopeBase
                let scale = layer.window == nil ? hp.ropeScale : 1
                // Each sequence rotates at its own positions and writes its own cache.
                for s in layout.segments {
                    Ops.rope(w.q.pointer + s.row * hp.qDim, n: s.count, heads: hp.headCount, headDim: hd,
                             ropeDims: hp.ropeDimensions, start: s.start, base: base, scale: scale, neox: true)
                    Ops.rope(w.k.pointer + s.row * hp.kvDim, n: s.count, heads: hp.kvHeadCount, headDim: hd,
                             ropeDims: hp.ropeDimensions, start: s.start, base: base, scale: scale, neox: true)
                    s.cache.store(layer: l, position: s.start, rows: s.count, keys: w.k.pointer + s.row * hp.kvDim,
                                  values: w.v.pointer + s.row * hp.vDim)
                }
                Ops.scale(w.q.pointer, by: queryScale, count: n * hp.qDim)
                compute.attention(q: w.q.pointer, segments: layout.segments, layer: l, out: w.attn.pointer,
                                  heads: hp.headCount, kvHeads: hp.kvHeadCount, headDim: hd,
                                  vHeadDim: hp.valueHeadDim, window: layer.window)
                compute.matmul(layer.wo, w.attn.pointer, rows: n, into: w.proj.pointer)  // (n, embd)
                Ops.rmsNorm(w.proj.pointer, weight: layer.postAttnNorm, rows: n, dim: d, eps: hp.rmsEpsilon, into: w.proj.pointer)
                Ops.add(w.x.pointer, w.proj.pointer, count: n * d)
                // Feed-forward block: GELU-gated, with pre- and post-norm.
                Ops.rmsNorm(w.x.pointer, weight: layer.ffnNorm, rows: n, dim: d, eps: hp.rmsEpsilon, into: w.xn.pointer)
                // gate and up (n, ffn) in one pass
                compute.matmul([(layer.gate, w.gate.pointer), (layer.up, w.up.pointer)], w.xn.pointer, rows: n)
                compute.geglu(gate: w.gate.pointer, up: w.up.pointer, rows: n, width: hp.feedForwardLength)
                compute.matmul(layer.down, w.gate.pointer, rows: n, into: w.proj.pointer) // (n, embd)
                Ops.rmsNorm(w.proj.pointer, weight: layer.postFfnNorm, rows: n, dim: d, eps: hp.rmsEpsilon, into: w.proj.pointer)
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
