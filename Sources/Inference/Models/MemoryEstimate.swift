import GGUF

/// What running a model at a given context costs in memory, computed from the file alone.
///
/// Weights are mapped; every page a forward pass reads counts. The KV cache
/// is claimed up front for the whole context. Scratch is the forward pass's activations at full batch
/// plus one batch of logits. Overhead covers the process, the tokenizer's tables and the parsed metadata.
public struct MemoryEstimate: Sendable, Codable {
    public var weightBytes: Int
    public var kvCacheBytes: Int
    public var scratchBytes: Int
    public var overheadBytes: Int
    public var contextSize: Int

    public var totalBytes: Int { weightBytes + kvCacheBytes + scratchBytes + overheadBytes }

    /// Resident memory of a process with the Swift runtime and Foundation loaded, measured on Linux.
    public static let processBaseBytes = 24 << 20

    public init(file: GGUFFile, contextSize: Int, maxBatch: Int = 512, kvCacheType: KVCacheType = .f16) throws(ModelError) {
        guard let arch = file.architecture else { throw .missingMetadata(key: "general.architecture") }
        guard let emb = file.tensor(named: "token_embd.weight"), emb.dimensions.count >= 2 else {
            throw .missingTensor("token_embd.weight")
        }
        let hp = try Hyperparameters(file: file, architecture: arch, vocabularySize: emb.dimensions[1])
        let batch = min(maxBatch, contextSize)
        self.contextSize = contextSize
        // With a separate output matrix, the embedding table is only read a row per token, so its pages
        // stay mostly on disk; tied embeddings are read whole by the output projection.
        let all = file.tensors.reduce(0) { $0 + $1.byteCount }
        weightBytes = file.tensor(named: "output.weight") == nil ? all : all - emb.byteCount
        kvCacheBytes = KVCache.byteCount(capacity: contextSize, layerCount: hp.layerCount, kvDim: hp.kvDim, vDim: hp.vDim, type: kvCacheType)
        let activations = batch * (4 * hp.embeddingLength + hp.qDim + hp.kvDim + hp.vDim
            + hp.headCount * hp.valueHeadDim + 2 * hp.feedForwardLength)
        scratchBytes = (activations + hp.vocabularySize) * 4
        // Tokenizer: each vocabulary entry is held as a string in the metadata and again in the
        // tokenizer's tables (about 160 bytes all told); merges similarly.
        let vocab = file["tokenizer.ggml.tokens"]?.array?.count ?? hp.vocabularySize
        let merges = file["tokenizer.ggml.merges"]?.array?.count ?? 0
        overheadBytes = Self.processBaseBytes + vocab * 160 + merges * 120
    }
}
