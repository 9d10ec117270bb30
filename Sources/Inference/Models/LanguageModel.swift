import GGUF

/// Options that shape how a model runs.
public struct ModelOptions: Sendable, Equatable {
    /// Compute threads (the calling thread included).
    public var threads: Int
    /// Most tokens one forward pass processes; longer prompts are prefilled in chunks of this size.
    public var maxBatch: Int
    /// Element type of KV caches made by `makeCache`.
    public var kvCacheType: KVCacheType
    /// Compute every row of every pass exactly as a one-token pass would (the multi-column GEMVs, never
    /// the tiled GEMM): the logits of a position then do not depend on how the tokens were batched, on
    /// prompt chunking, on a prefix cache hit or on the other sequences in a pass, so greedy output is the
    /// same whatever else happens. Decode is unchanged; prefill is slower than with the tiled GEMM (pp512
    /// on 2 threads: 7% for SmolLM2 Q4_1, 15% for Gemma 3 Q4_K_M, 21% for Qwen2.5 mixed quants).
    public var batchInvariant: Bool

    public init(threads: Int = 2, maxBatch: Int = 512, kvCacheType: KVCacheType = .f16, batchInvariant: Bool = false) {
        self.threads = max(1, threads)
        self.maxBatch = max(1, maxBatch)
        self.kvCacheType = kvCacheType
        self.batchInvariant = batchInvariant
    }
}

/// Final normalised hidden states of the last forward pass: `(rows, embeddingLength)`.
/// Valid until the next call to `forward` on the same model.
public struct HiddenStates: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Float>
    public let rows: Int
    public let dim: Int
}

/// A decoder-only language model. One forward pass runs at a time per model instance.
public protocol LanguageModel: AnyObject, Sendable {
    var hyperparameters: Hyperparameters { get }
    var options: ModelOptions { get }

    /// Runs several sequences in one pass: each segment's tokens at positions `cache.count...` of its own
    /// cache, whose keys and values it appends. Returns the final hidden states of all tokens, segment
    /// after segment. At most `options.maxBatch` tokens in all; no cache may appear twice.
    func forward(_ batch: [BatchSegment]) throws(ModelError) -> HiddenStates

    /// Logits for `rows` of `hidden`: `(rows.count, vocabularySize)`.
    func logits(_ hidden: HiddenStates, rows: Range<Int>) -> [Float]

    /// Bytes of the weights mapped from the file.
    var weightBytes: Int { get }

    /// Bytes of the forward pass's scratch buffers at full batch.
    var scratchBytes: Int { get }
}

extension LanguageModel {
    /// Runs `tokens` at positions `cache.count...`, appends their keys and values to `cache`, and
    /// returns their final hidden states. At most `options.maxBatch` tokens per call.
    public func forward(_ tokens: [TokenID], cache: KVCache) throws(ModelError) -> HiddenStates {
        try forward([BatchSegment(tokens: tokens, cache: cache)])
    }

    /// A cache for `capacity` positions shaped for this model.
    public func makeCache(capacity: Int) throws(ModelError) -> KVCache {
        let hp = hyperparameters
        return try KVCache(capacity: capacity, layerCount: hp.layerCount, kvDim: hp.kvDim, vDim: hp.vDim, type: options.kvCacheType)
    }

    /// Runs `tokens` in chunks of `options.maxBatch` and returns the logits of the last token.
    public func prefill(_ tokens: [TokenID], cache: KVCache) throws(ModelError) -> [Float] {
        guard !tokens.isEmpty else { throw .invalidArgument("cannot run an empty prompt") }
        let needed = cache.count + tokens.count
        guard needed <= cache.capacity else { throw .contextExceeded(needed: needed, available: cache.capacity) }
        var last: HiddenStates?
        var offset = 0
        while offset < tokens.count {
            let end = min(tokens.count, offset + options.maxBatch)
            last = try forward(Array(tokens[offset..<end]), cache: cache)
            offset = end
        }
        guard let last else { throw .invalidArgument("cannot run an empty prompt") }
        return logits(last, rows: (last.rows - 1)..<last.rows)
    }
}

/// Architecture name → constructor. Data, not a switch: adding an architecture adds one entry.
public enum ModelRegistry {
    public typealias Constructor = @Sendable (GGUFFile, ModelOptions) throws(ModelError) -> any LanguageModel

    public static let constructors: [String: Constructor] = [
        "llama": { file, options throws(ModelError) in try LlamaModel(file: file, options: options, variant: .llama) },
        "qwen2": { file, options throws(ModelError) in try LlamaModel(file: file, options: options, variant: .qwen2) },
        "gemma3": { file, options throws(ModelError) in try Gemma3Model(file: file, options: options) },
    ]

    /// Supported `general.architecture` values, sorted.
    public static var supported: [String] { constructors.keys.sorted() }

    /// Builds the model the file's `general.architecture` names.
    public static func load(_ file: GGUFFile, options: ModelOptions) throws(ModelError) -> any LanguageModel {
        guard let arch = file.architecture, let make = constructors[arch] else {
            throw .unsupportedArchitecture(file.architecture, supported: supported)
        }
        return try make(file, options)
    }
}
