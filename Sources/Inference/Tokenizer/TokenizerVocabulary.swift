/// The tokenizer-related content of a model file, as plain data.
///
/// Field names follow the GGUF keys `tokenizer.ggml.*`. A `nil` field means the key is absent;
/// `Tokenizer` then applies llama.cpp's default for the tokenizer model (see `Tokenizer.init(vocabulary:)`).
public struct TokenizerVocabulary: Sendable {
    /// `tokenizer.ggml.model`: `gpt2` (byte-level BPE) or `llama` (SentencePiece BPE).
    public var model: String
    /// `tokenizer.ggml.pre`: selects the pre-tokenizer rules of byte-level BPE vocabularies.
    public var pre: String?
    /// `tokenizer.ggml.tokens`: token texts; a token's id is its index.
    public var tokens: [String]
    /// `tokenizer.ggml.scores`: merge priorities of SentencePiece vocabularies (higher merges first).
    public var scores: [Float]?
    /// `tokenizer.ggml.token_type`: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges`: byte-level BPE merges `"left right"`, ranked by position (first merges first).
    public var merges: [String]?
    /// `tokenizer.ggml.bos_token_id`.
    public var bosID: TokenID?
    /// `tokenizer.ggml.eos_token_id`.
    public var eosID: TokenID?
    /// `tokenizer.ggml.eot_token_id`.
    public var eotID: TokenID?
    /// `tokenizer.ggml.padding_token_id`.
    public var padID: TokenID?
    /// `tokenizer.ggml.unknown_token_id`.
    public var unknownID: TokenID?
    /// `tokenizer.ggml.add_bos_token`.
    public var addBOS: Bool?
    /// `tokenizer.ggml.add_eos_token`.
    public var addEOS: Bool?
    /// `tokenizer.ggml.add_space_prefix`.
    public var addSpacePrefix: Bool?

    /// Creates a vocabulary from already-decoded metadata values.
    public init(
        model: String,
        pre: String? = nil,
        tokens: [String],
        scores: [Float]? = nil,
        tokenTypes: [Int32]? = nil,
        merges: [String]? = nil,
        bosID: TokenID? = nil,
        eosID: TokenID? = nil,
        eotID: TokenID? = nil,
        padID: TokenID? = nil,
        unknownID: TokenID? = nil,
        addBOS: Bool? = nil,
        addEOS: Bool? = nil,
        addSpacePrefix: Bool? = nil
    ) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.bosID = bosID
        self.eosID = eosID
        self.eotID = eotID
        self.padID = padID
        self.unknownID = unknownID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
    }
}
