import Foundation
import GGUF

/// Tiny but valid GGUF models built with `GGUFWriter`, for tests that need a whole model without
/// the reference files: a llama-shaped network with seeded random weights and a small vocabulary.
public enum SyntheticModel {
    /// Shape and metadata of a synthetic llama. Defaults give a model of a few kilobytes.
    public struct Hyperparameters: Sendable {
        public var architecture = "llama"
        public var embeddingLength = 16
        public var blockCount = 2
        public var headCount = 4
        public var headCountKV = 2
        public var feedForwardLength = 32
        public var contextLength = 64
        public var rmsEpsilon: Float = 1e-5
        public var ropeFreqBase: Float = 10_000
        /// Type of the 2-D weight matrices: `.f32` or `.f16` (norms are always F32).
        public var weightType: GGMLType = .f32
        /// When false, the output projection is omitted and tied to `token_embd.weight`.
        public var separateOutput = true
        public var tokens: [String] = SyntheticModel.defaultTokens
        /// Weights are uniform in [-weightScale, weightScale).
        public var weightScale: Float = 0.5

        public init() {}

        public var headDimension: Int { embeddingLength / headCount }
        public var vocabularySize: Int { tokens.count }
    }

    /// `<unk>`, `<s>`, `</s>`, then SentencePiece-style pieces: "▁" and the lowercase letters,
    /// alone and with a leading "▁".
    public static let defaultTokens: [String] = {
        let letters = "abcdefghijklmnopqrstuvwxyz".map(String.init)
        return ["<unk>", "<s>", "</s>", "▁"] + letters + letters.map { "▁" + $0 }
    }()

    /// Metadata and tensors of a llama-shaped model, ready for more `set` calls before serializing.
    public static func llamaWriter(_ hp: Hyperparameters = Hyperparameters(), seed: UInt64 = 1) throws(GGUFError) -> GGUFWriter {
        var w = GGUFWriter()
        let arch = hp.architecture
        w.set("general.architecture", .string(arch))
        w.set("general.name", .string("synthetic-\(arch)"))
        w.set("\(arch).block_count", .uint32(UInt32(hp.blockCount)))
        w.set("\(arch).context_length", .uint32(UInt32(hp.contextLength)))
        w.set("\(arch).embedding_length", .uint32(UInt32(hp.embeddingLength)))
        w.set("\(arch).feed_forward_length", .uint32(UInt32(hp.feedForwardLength)))
        w.set("\(arch).attention.head_count", .uint32(UInt32(hp.headCount)))
        w.set("\(arch).attention.head_count_kv", .uint32(UInt32(hp.headCountKV)))
        w.set("\(arch).attention.layer_norm_rms_epsilon", .float32(hp.rmsEpsilon))
        w.set("\(arch).rope.freq_base", .float32(hp.ropeFreqBase))
        w.set("\(arch).rope.dimension_count", .uint32(UInt32(hp.headDimension)))
        w.set("\(arch).vocab_size", .uint32(UInt32(hp.vocabularySize)))
        setTokenizer(&w, tokens: hp.tokens)

        var rng = SyntheticRandom(seed: seed)
        let d = hp.embeddingLength, kv = hp.headCountKV * hp.headDimension, ff = hp.feedForwardLength
        try addWeight(&w, "token_embd.weight", [d, hp.vocabularySize], hp, &rng)
        for layer in 0..<hp.blockCount {
            let p = "blk.\(layer)."
            try addNorm(&w, p + "attn_norm.weight", d, &rng)
            try addWeight(&w, p + "attn_q.weight", [d, d], hp, &rng)
            try addWeight(&w, p + "attn_k.weight", [d, kv], hp, &rng)
            try addWeight(&w, p + "attn_v.weight", [d, kv], hp, &rng)
            try addWeight(&w, p + "attn_output.weight", [d, d], hp, &rng)
            try addNorm(&w, p + "ffn_norm.weight", d, &rng)
            try addWeight(&w, p + "ffn_gate.weight", [d, ff], hp, &rng)
            try addWeight(&w, p + "ffn_up.weight", [d, ff], hp, &rng)
            try addWeight(&w, p + "ffn_down.weight", [ff, d], hp, &rng)
        }
        try addNorm(&w, "output_norm.weight", d, &rng)
        if hp.separateOutput { try addWeight(&w, "output.weight", [d, hp.vocabularySize], hp, &rng) }
        return w
    }

    /// The serialized bytes of `llamaWriter(hp, seed:)`.
    public static func llama(_ hp: Hyperparameters = Hyperparameters(), seed: UInt64 = 1) throws(GGUFError) -> [UInt8] {
        try llamaWriter(hp, seed: seed).serialize()
    }

    /// SentencePiece-style ("llama") tokenizer metadata: scores favour longer pieces, the first three
    /// tokens are unknown/BOS/EOS.
    public static func setTokenizer(_ w: inout GGUFWriter, tokens: [String]) {
        w.set("tokenizer.ggml.model", .string("llama"))
        w.set("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) }))
        w.set("tokenizer.ggml.scores", .array(.float32, tokens.map { .float32(Float($0.count) - 10) }))
        w.set("tokenizer.ggml.token_type", .array(.int32, tokens.indices.map { .int32($0 < 3 ? ($0 == 0 ? 2 : 3) : 1) }))
        w.set("tokenizer.ggml.unknown_token_id", .uint32(0))
        w.set("tokenizer.ggml.bos_token_id", .uint32(1))
        w.set("tokenizer.ggml.eos_token_id", .uint32(2))
    }

    /// Little-endian bytes of F32 values.
    public static func f32Bytes(_ values: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// Little-endian bytes of values rounded to IEEE half precision.
    public static func f16Bytes(_ values: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 2)
        for v in values { withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// Writes `bytes` to a fresh file in the temporary directory and returns its path.
    public static func temporaryFile(_ bytes: [UInt8], name: String = "synthetic") throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString).gguf")
        try Data(bytes).write(to: url)
        return url.path
    }

    private static func addWeight(_ w: inout GGUFWriter, _ name: String, _ dims: [Int], _ hp: Hyperparameters,
                                  _ rng: inout SyntheticRandom) throws(GGUFError) {
        let values = rng.floats(dims.reduce(1, *), scale: hp.weightScale)
        switch hp.weightType {
        case .f16: try w.addTensor(name: name, dimensions: dims, type: .f16, data: f16Bytes(values))
        default: try w.addTensor(name: name, dimensions: dims, type: .f32, data: f32Bytes(values))
        }
    }

    private static func addNorm(_ w: inout GGUFWriter, _ name: String, _ count: Int, _ rng: inout SyntheticRandom) throws(GGUFError) {
        let values = (0..<count).map { _ in 1 + rng.float(scale: 0.1) }
        try w.addTensor(name: name, dimensions: [count], type: .f32, data: f32Bytes(values))
    }
}
