import GGUF

/// Shape of a decoder-only transformer, read from `<arch>.*` metadata keys.
public struct Hyperparameters: Sendable, Equatable {
    public var architecture: String
    public var layerCount: Int
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int            // key/query head size
    public var valueHeadDim: Int
    public var vocabularySize: Int
    public var trainingContext: Int
    public var rmsEpsilon: Float
    public var ropeBase: Float
    public var ropeDimensions: Int
    public var ropeScale: Float        // position multiplier (1 / linear scaling factor)

    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }
    public var vDim: Int { kvHeadCount * valueHeadDim }

    /// Reads the common keys; `vocabularySize` comes from the embedding tensor.
    package init(file: GGUFFile, architecture arch: String, vocabularySize: Int) throws(ModelError) {
        func int(_ suffix: String) throws(ModelError) -> Int? {
            let key = "\(arch).\(suffix)"
            guard let value = file[key] else { return nil }
            guard let v = value.int, v > 0, v < 1 << 24 else {
                throw .invalidMetadata(key: key, reason: "expected a positive integer below 2^24")
            }
            return v
        }
        func required(_ suffix: String) throws(ModelError) -> Int {
            guard let v = try int(suffix) else { throw .missingMetadata(key: "\(arch).\(suffix)") }
            return v
        }
        func float(_ suffix: String) throws(ModelError) -> Float? {
            let key = "\(arch).\(suffix)"
            guard let value = file[key] else { return nil }
            guard let v = value.float, v.isFinite else { throw .invalidMetadata(key: key, reason: "expected a finite number") }
            return v
        }
        architecture = arch
        layerCount = try required("block_count")
        embeddingLength = try required("embedding_length")
        feedForwardLength = try required("feed_forward_length")
        headCount = try required("attention.head_count")
        kvHeadCount = try int("attention.head_count_kv") ?? headCount
        guard headCount % kvHeadCount == 0 else {
            throw .invalidMetadata(key: "\(arch).attention.head_count_kv",
                                   reason: "\(kvHeadCount) does not divide head_count \(headCount)")
        }
        headDim = try int("attention.key_length") ?? (embeddingLength / headCount)
        valueHeadDim = try int("attention.value_length") ?? headDim
        guard headDim % 2 == 0 else {
            throw .invalidMetadata(key: "\(arch).attention.key_length", reason: "head size \(headDim) must be even for rotary embeddings")
        }
        self.vocabularySize = vocabularySize
        trainingContext = try int("context_length") ?? 2048
        rmsEpsilon = try float("attention.layer_norm_rms_epsilon") ?? 1e-6
        ropeBase = try float("rope.freq_base") ?? 10_000
        ropeDimensions = try int("rope.dimension_count") ?? headDim
        guard ropeDimensions <= headDim, ropeDimensions % 2 == 0 else {
            throw .invalidMetadata(key: "\(arch).rope.dimension_count", reason: "\(ropeDimensions) must be even and at most the head size \(headDim)")
        }
        let scalingType = file["\(arch).rope.scaling.type"]?.string ?? "linear"
        let factor = try float("rope.scaling.factor") ?? 0
        switch scalingType {
        case "none":
            ropeScale = 1
        case "linear":
            ropeScale = factor > 0 ? 1 / factor : 1
        default:
            // YaRN, LongRoPE and friends change the frequencies and the attention scale; running them as
            // plain rope would give fluent but wrong output, so refuse instead.
            guard factor <= 1 else {
                throw .invalidMetadata(key: "\(arch).rope.scaling.type",
                                       reason: "rope scaling '\(scalingType)' (factor \(factor)) is not supported; only linear scaling is")
            }
            ropeScale = 1
        }
    }
}
