/// Converts between text and token ids exactly as llama.cpp does for the same GGUF vocabulary.
///
/// Supported `tokenizer.ggml.model` values: `gpt2` (byte-level BPE with a pre-tokenizer chosen by
/// `tokenizer.ggml.pre`) and `llama` (SentencePiece-style BPE with byte fallback, as in Gemma 3).
/// Immutable after construction, so one instance can serve many threads.
public final class Tokenizer: Sendable {
    private enum Model: Sendable {
        case byteLevel(ByteLevelBPE)
        case sentencePiece(SentencePieceBPE)
    }

    private let model: Model
    private let tokenTexts: [String]
    private let table: ByteStringTable        // token text -> id
    private let scores: [Float]               // (tokens)
    private let attributes: [TokenAttributes] // (tokens)
    private let special: SpecialTokens
    private let partition: SpecialTokenPartition
    private let pieces: TokenPieces
    private let addSpacePrefix: Bool
    private let cleanSpaces: Bool

    /// Whether `encode(_:addSpecial: true)` starts with the BOS token.
    public let addsBOS: Bool
    /// Whether `encode(_:addSpecial: true)` ends with the EOS token.
    public let addsEOS: Bool

    /// Builds a tokenizer from vocabulary data.
    ///
    /// Absent fields take llama.cpp's defaults: for `llama`, BOS 1, EOS 2, unknown 0, BOS added,
    /// a space prefix added; for `gpt2`, BOS and EOS 11, no BOS added (except for LLaMA 3 style
    /// pre-tokenizers), no space prefix. An id outside the vocabulary keeps the default.
    /// An unrecognised `pre` uses the LLaMA 3 rules (llama.cpp refuses such files); an absent one
    /// uses llama.cpp's "default" rules.
    public init(vocabulary v: TokenizerVocabulary) throws(TokenizerError) {
        let isSentencePiece: Bool
        switch v.model {
        case "llama": isSentencePiece = true
        case "gpt2": isSentencePiece = false
        default: throw .unsupportedModel(v.model)
        }
        try Self.validateCounts(v)
        let count = v.tokens.count
        // llama.cpp renames empty tokens so that every text is unique and non-empty.
        let texts = v.tokens.enumerated().map { $1.isEmpty ? "[EMPTY_\($0)]" : $1 }
        let table = try Self.internTokens(texts)

        var attributes = v.tokenTypes.map { $0.prefix(count).map(TokenAttributes.init(tokenType:)) }
            ?? [TokenAttributes](repeating: .normal, count: count)
        let special = SpecialTokens(vocabulary: v, table: table, isSentencePiece: isSentencePiece, attributes: &attributes)

        if isSentencePiece {
            model = .sentencePiece(SentencePieceBPE(tokens: table, unknownID: special.unknown))
            addsBOS = v.addBOS ?? true
            cleanSpaces = false
            addSpacePrefix = v.addSpacePrefix ?? true
        } else {
            guard let merges = v.merges else {
                throw .missingKey("tokenizer.ggml.merges", reason: "byte-level BPE (gpt2) needs its merges")
            }
            let preset = PreTokenizerPreset.resolve(v.pre)
            model = .byteLevel(ByteLevelBPE(tokens: table, merges: merges, preset: preset))
            addsBOS = v.addBOS ?? preset.addBOS
            cleanSpaces = preset.cleanSpaces
            addSpacePrefix = v.addSpacePrefix ?? false
        }
        addsEOS = v.addEOS ?? false
        if addsBOS && special.bos == nil {
            throw .missingKey("tokenizer.ggml.bos_token_id", reason: "a BOS token is to be added (tokenizer.ggml.add_bos_token or the model's default)")
        }
        if addsEOS && special.eos == nil {
            throw .missingKey("tokenizer.ggml.eos_token_id", reason: "an EOS token is to be added (tokenizer.ggml.add_eos_token)")
        }

        self.tokenTexts = texts
        self.table = table
        self.scores = v.scores.map { Array($0.prefix(count)) } ?? [Float](repeating: 0, count: count)
        self.attributes = attributes
        self.special = special
        self.partition = SpecialTokenPartition(tokenTexts: texts, attributes: attributes)
        self.pieces = TokenPieces(tokenTexts: texts, attributes: attributes, byteLevel: !isSentencePiece)
    }

    private static func validateCounts(_ v: TokenizerVocabulary) throws(TokenizerError) {
        let count = v.tokens.count
        guard count > 0 else {
            throw .missingKey("tokenizer.ggml.tokens", reason: "the vocabulary has no tokens")
        }
        guard count < Int(Int32.max) else {
            throw .invalidKey("tokenizer.ggml.tokens", reason: "\(count) tokens do not fit 32-bit ids")
        }
        if let scores = v.scores, scores.count < count {
            throw .invalidKey("tokenizer.ggml.scores", reason: "\(scores.count) scores for \(count) tokens")
        }
        if let types = v.tokenTypes, types.count < count {
            throw .invalidKey("tokenizer.ggml.token_type", reason: "\(types.count) types for \(count) tokens")
        }
    }

    /// Token text -> id; ids must be unique because lookups by text decide tokenization.
    private static func internTokens(_ texts: [String]) throws(TokenizerError) -> ByteStringTable {
        var table = ByteStringTable(minimumCapacity: texts.count)
        for (id, text) in texts.enumerated() {
            let (existing, inserted) = table.insert(text)
            guard inserted else {
                throw .invalidKey("tokenizer.ggml.tokens", reason: "duplicate token \"\(text)\" has ids \(existing) and \(id)")
            }
        }
        return table
    }

    // MARK: vocabulary facts

    /// Number of tokens in the vocabulary.
    public var vocabularySize: Int { tokenTexts.count }
    /// Beginning-of-sequence token, if the vocabulary has one.
    public var bosID: TokenID? { special.bos }
    /// End-of-sequence token, if the vocabulary has one.
    public var eosID: TokenID? { special.eos }
    /// Tokens that end generation: EOS, end-of-turn, end-of-message and tokens such as `<|im_end|>`,
    /// `<end_of_turn>` or `<|endoftext|>`, chosen by text as llama.cpp does.
    public var endOfGenerationIDs: Set<TokenID> { special.endOfGeneration }

    /// Whether generating `id` should stop generation.
    public func isEndOfGeneration(_ id: TokenID) -> Bool {
        special.endOfGeneration.contains(id)
    }

    /// The vocabulary's text of `id` as stored (GPT-2 byte characters such as `Ġ`, or `▁` for spaces),
    /// or nil if out of range.
    public func tokenText(_ id: TokenID) -> String? {
        guard id >= 0, Int(id) < tokenTexts.count else { return nil }
        return tokenTexts[Int(id)]
    }

    /// The id of the special (control, user-defined or unknown) token whose text is exactly `text`.
    public func id(forSpecialText text: String) -> TokenID? {
        guard let id = table.find(text), !attributes[Int(id)].isDisjoint(with: .special) else { return nil }
        return id
    }

    // MARK: encoding

    /// Token ids of `text`.
    ///
    /// - Parameters:
    ///   - addSpecial: add BOS/EOS where the vocabulary asks for them.
    ///   - parseSpecial: turn control tokens written in the text (e.g. `<|im_start|>`) into their ids;
    ///     when false they are tokenized as plain text. User-defined tokens are always recognised.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [TokenID] {
        let bytes = Array(text.utf8)
        let fragments = partition.partition(bytes, parseSpecial: parseSpecial)
        var output: [TokenID] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && addsBOS, let bos = special.bos { output.append(bos) }
        switch model {
        case .byteLevel(let bpe):
            var cache: [ArraySlice<UInt8>: [TokenID]] = [:]
            for fragment in fragments {
                switch fragment {
                case .token(let id): output.append(id)
                case .text(let range): bpe.encode(bytes[range], into: &output, cache: &cache)
                }
            }
        case .sentencePiece(let spm):
            var previousIsSpecial = true  // the text start counts as following a special token
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    previousIsSpecial = true
                case .text(let range):
                    var escaped: [UInt8] = []
                    escaped.reserveCapacity(range.count + 8)
                    if addSpacePrefix && previousIsSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
                    for byte in bytes[range] {
                        if byte == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(byte) }
                    }
                    spm.encode(escaped, tokens: table, scores: scores, into: &output)
                    previousIsSpecial = false
                }
            }
        }
        if addSpecial && addsEOS, let eos = special.eos { output.append(eos) }
        return output
    }

    // MARK: decoding

    /// The bytes `id` stands for. Control and unknown tokens give nothing unless `renderSpecial`;
    /// ids outside the vocabulary give nothing.
    public func tokenBytes(_ id: TokenID, renderSpecial: Bool = false) -> [UInt8] {
        guard id >= 0, Int(id) < tokenTexts.count else { return [] }
        if !renderSpecial && !attributes[Int(id)].isDisjoint(with: [.control, .unknown]) { return [] }
        return Array(pieces.piece(Int(id)))
    }

    /// Text of `ids`, as llama.cpp's `llama_detokenize` gives it (special tokens kept in the list):
    /// the first token loses one leading space when the vocabulary adds a space prefix, BPE vocabularies
    /// that ask for it get the tokenization-space clean-up, and invalid UTF-8 becomes U+FFFD.
    public func decode(_ ids: [TokenID], renderSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for (index, id) in ids.enumerated() {
            var piece = tokenBytes(id, renderSpecial: renderSpecial)[...]
            if index == 0 && addSpacePrefix && piece.first == 0x20 { piece = piece.dropFirst() }
            bytes.append(contentsOf: piece)
        }
        if cleanSpaces { bytes = cleanTokenizationSpaces(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
