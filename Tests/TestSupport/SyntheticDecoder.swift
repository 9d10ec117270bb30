import GGUF

/// Synthetic decoders of every architecture the runtime loads (`llama`, `qwen2`, `gemma3`), returned
/// together with the exact values their tensors hold, so a test can run an independent reference
/// implementation over the same weights.
extension SyntheticModel {
    /// Shape, metadata and storage type of a synthetic decoder. Tensor names and metadata keys follow
    /// llama.cpp's GGUF conventions for the architecture.
    public struct DecoderSpec: Sendable {
        /// `llama`, `qwen2` (adds q/k/v biases) or `gemma3` (adds q/k norms and post-attention/FFN norms).
        public var architecture: String
        public var embeddingLength = 64
        public var blockCount = 2
        public var headCount = 4
        public var headCountKV = 2
        /// Key, query and value head size; written as `attention.key_length`/`value_length` when it is not
        /// `embeddingLength / headCount` (and always for gemma3, whose files carry them).
        public var headDim = 16
        public var feedForwardLength = 128
        public var contextLength = 64
        public var rmsEpsilon: Float = 1e-6
        public var ropeFreqBase: Float = 10_000
        /// Rotated dimensions per head; nil writes the head size.
        public var ropeDimensions: Int?
        /// Linear rope scaling factor (`rope.scaling.type = linear`); nil writes no scaling keys.
        public var ropeLinearFactor: Float?
        /// Written as `rope.scaling.type` with `ropeLinearFactor` as the factor, instead of "linear".
        public var ropeScalingType: String?
        /// Per-pair frequency factors (`rope_freqs.weight`, Llama 3.1), written after every other tensor.
        public var ropeFreqFactors: [Float]?
        /// `gemma3.attention.sliding_window`; nil writes no key.
        public var slidingWindow: Int?
        /// Type of the 2-D weight matrices: `.f32`, `.f16` or `.q8_0`. Norms and biases are always F32.
        public var weightType: GGMLType = .f32
        /// When false, `output.weight` is omitted and the output is tied to `token_embd.weight`.
        public var separateOutput = true
        public var tokens: [String] = SyntheticModel.defaultTokens
        /// Matrix entries are uniform in ±gain·√(3 / columns), so a projection keeps unit variance.
        public var gain: Float = 1

        public init(architecture: String) { self.architecture = architecture }

        public var vocabularySize: Int { tokens.count }
        public var qDim: Int { headCount * headDim }
        public var kvDim: Int { headCountKV * headDim }
        public var hasQKVBias: Bool { architecture == "qwen2" }
        public var isGemma3: Bool { architecture == "gemma3" }
    }

    /// A serialized synthetic decoder and the values of its tensors as stored: F16 weights rounded to
    /// half, Q8_0 weights as they dequantize. Matrices are row-major `(rows, columns)` with GGUF
    /// dimensions `[columns, rows]`.
    public struct SyntheticDecoder: Sendable {
        public let spec: DecoderSpec
        public let bytes: [UInt8]
        public let tensors: [String: [Float]]

        public func tensor(_ name: String) -> [Float] {
            guard let t = tensors[name] else { preconditionFailure("synthetic decoder has no tensor \(name)") }
            return t
        }
    }

    /// Builds a decoder for `spec` with weights drawn from `seed`.
    public static func decoder(_ spec: DecoderSpec, seed: UInt64 = 1) throws(GGUFError) -> SyntheticDecoder {
        var w = GGUFWriter()
        let arch = spec.architecture
        let d = spec.embeddingLength, ff = spec.feedForwardLength, hd = spec.headDim
        w.set("general.architecture", .string(arch))
        w.set("general.name", .string("synthetic-\(arch)"))
        w.set("\(arch).block_count", .uint32(UInt32(spec.blockCount)))
        w.set("\(arch).context_length", .uint32(UInt32(spec.contextLength)))
        w.set("\(arch).embedding_length", .uint32(UInt32(d)))
        w.set("\(arch).feed_forward_length", .uint32(UInt32(ff)))
        w.set("\(arch).attention.head_count", .uint32(UInt32(spec.headCount)))
        w.set("\(arch).attention.head_count_kv", .uint32(UInt32(spec.headCountKV)))
        if spec.isGemma3 || hd * spec.headCount != d {
            w.set("\(arch).attention.key_length", .uint32(UInt32(hd)))
            w.set("\(arch).attention.value_length", .uint32(UInt32(hd)))
        }
        w.set("\(arch).attention.layer_norm_rms_epsilon", .float32(spec.rmsEpsilon))
        w.set("\(arch).rope.freq_base", .float32(spec.ropeFreqBase))
        w.set("\(arch).rope.dimension_count", .uint32(UInt32(spec.ropeDimensions ?? hd)))
        if let factor = spec.ropeLinearFactor {
            w.set("\(arch).rope.scaling.type", .string(spec.ropeScalingType ?? "linear"))
            w.set("\(arch).rope.scaling.factor", .float32(factor))
        }
        if let window = spec.slidingWindow { w.set("\(arch).attention.sliding_window", .uint32(UInt32(window))) }
        w.set("\(arch).vocab_size", .uint32(UInt32(spec.vocabularySize)))
        setTokenizer(&w, tokens: spec.tokens)

        var rng = SyntheticRandom(seed: seed)
        var stored: [String: [Float]] = [:]
        func matrix(_ name: String, rows: Int, columns: Int, scale: Float? = nil) throws(GGUFError) {
            let s = scale ?? spec.gain * (3 / Float(columns)).squareRoot()
            let values = rng.floats(rows * columns, scale: s)
            let (data, held) = try encode(values, as: spec.weightType, name: name)
            try w.addTensor(name: name, dimensions: [columns, rows], type: spec.weightType, data: data)
            stored[name] = held
        }
        func vector(_ name: String, _ values: [Float]) throws(GGUFError) {
            try w.addTensor(name: name, dimensions: [values.count], type: .f32, data: f32Bytes(values))
            stored[name] = values
        }
        // Norm weights near 1 (for gemma3 they already hold the `1 +` offset, as llama.cpp's conversion writes them).
        func norm(_ name: String, _ count: Int) throws(GGUFError) {
            try vector(name, (0..<count).map { _ in 1 + rng.float(scale: 0.25) })
        }

        try matrix("token_embd.weight", rows: spec.vocabularySize, columns: d, scale: 1)
        for layer in 0..<spec.blockCount {
            let p = "blk.\(layer)."
            try norm(p + "attn_norm.weight", d)
            try matrix(p + "attn_q.weight", rows: spec.qDim, columns: d)
            try matrix(p + "attn_k.weight", rows: spec.kvDim, columns: d)
            try matrix(p + "attn_v.weight", rows: spec.kvDim, columns: d)
            if spec.hasQKVBias {
                try vector(p + "attn_q.bias", rng.floats(spec.qDim, scale: 0.5))
                try vector(p + "attn_k.bias", rng.floats(spec.kvDim, scale: 0.5))
                try vector(p + "attn_v.bias", rng.floats(spec.kvDim, scale: 0.5))
            }
            if spec.isGemma3 {
                try norm(p + "attn_q_norm.weight", hd)
                try norm(p + "attn_k_norm.weight", hd)
                try norm(p + "post_attention_norm.weight", d)
                try norm(p + "post_ffw_norm.weight", d)
            }
            try matrix(p + "attn_output.weight", rows: d, columns: spec.qDim)
            try norm(p + "ffn_norm.weight", d)
            try matrix(p + "ffn_gate.weight", rows: ff, columns: d)
            try matrix(p + "ffn_up.weight", rows: ff, columns: d)
            try matrix(p + "ffn_down.weight", rows: d, columns: ff)
        }
        try norm("output_norm.weight", d)
        if spec.separateOutput { try matrix("output.weight", rows: spec.vocabularySize, columns: d) }
        if let factors = spec.ropeFreqFactors { try vector("rope_freqs.weight", factors) }
        return SyntheticDecoder(spec: spec, bytes: try w.serialize(), tensors: stored)
    }

    /// Packs `values` as `type` and returns the bytes with the values they hold.
    private static func encode(_ values: [Float], as type: GGMLType, name: String) throws(GGUFError) -> ([UInt8], [Float]) {
        switch type {
        case .f32:
            return (f32Bytes(values), values)
        case .f16:
            return (f16Bytes(values), values.map { Float(Float16($0)) })
        case .q8_0:
            return q8_0(values)
        default:
            throw GGUFError(.dataSizeMismatch, at: -1, "synthetic decoder tensor '\(name)': unsupported weight type \(type)")
        }
    }

    /// Q8_0 as ggml's reference quantizer packs it: blocks of 32 values, each an F16 scale
    /// `d = max|x| / 127` then 32 signed bytes `round(x / d)`; a value dequantizes to `q · f16(d)`.
    public static func q8_0(_ values: [Float]) -> (bytes: [UInt8], held: [Float]) {
        precondition(values.count % 32 == 0, "Q8_0 needs a multiple of 32 values")
        var bytes: [UInt8] = [], held: [Float] = []
        bytes.reserveCapacity(values.count / 32 * 34)
        held.reserveCapacity(values.count)
        for b in stride(from: 0, to: values.count, by: 32) {
            let block = values[b..<b + 32]
            let amax = block.map { abs($0) }.max() ?? 0
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            let dh = Float16(d)
            withUnsafeBytes(of: dh.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            for x in block {
                let q = Int8((x * id).rounded(.toNearestOrAwayFromZero))
                bytes.append(UInt8(bitPattern: q))
                held.append(Float(q) * Float(dh))
            }
        }
        return (bytes, held)
    }
}
