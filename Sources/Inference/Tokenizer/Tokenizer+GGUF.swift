import GGUF

extension TokenizerVocabulary {
    /// Reads the `tokenizer.ggml.*` keys of a GGUF file.
    ///
    /// Throws when a required key (`model`, `tokens`) is missing or when any key has the wrong type;
    /// optional keys that are absent stay nil so `Tokenizer` applies llama.cpp's defaults.
    public init(gguf file: GGUFFile) throws(TokenizerError) {
        func value(_ name: String) -> GGUFValue? { file["tokenizer.ggml." + name] }
        func typed<T>(_ name: String, _ expected: String, _ read: (GGUFValue) -> T?) throws(TokenizerError) -> T? {
            guard let raw = value(name) else { return nil }
            guard let result = read(raw) else {
                throw .invalidKey("tokenizer.ggml." + name, reason: "expected \(expected), found \(raw.type)")
            }
            return result
        }
        func tokenID(_ name: String) throws(TokenizerError) -> TokenID? {
            // An id that does not fit is treated like an out-of-range one: the model default applies.
            guard let id = try typed(name, "an integer", \.int) else { return nil }
            return TokenID(exactly: id) ?? -1
        }

        guard let model = try typed("model", "a string", \.string) else {
            throw .missingKey("tokenizer.ggml.model", reason: "the file has no tokenizer")
        }
        guard let tokens = try typed("tokens", "an array of strings", \.stringArray) else {
            throw .missingKey("tokenizer.ggml.tokens", reason: "the file has no vocabulary")
        }
        let types: [Int32]? = try typed("token_type", "an array of 32-bit integers") { raw in
            raw.intArray.flatMap { ints in
                var out: [Int32] = []
                out.reserveCapacity(ints.count)
                for v in ints {
                    guard let t = Int32(exactly: v) else { return nil }
                    out.append(t)
                }
                return out
            }
        }
        self.init(
            model: model,
            pre: try typed("pre", "a string", \.string),
            tokens: tokens,
            scores: try typed("scores", "an array of numbers", \.floatArray),
            tokenTypes: types,
            merges: try typed("merges", "an array of strings", \.stringArray),
            bosID: try tokenID("bos_token_id"),
            eosID: try tokenID("eos_token_id"),
            eotID: try tokenID("eot_token_id"),
            padID: try tokenID("padding_token_id"),
            unknownID: try tokenID("unknown_token_id"),
            addBOS: try typed("add_bos_token", "a bool", \.bool),
            addEOS: try typed("add_eos_token", "a bool", \.bool),
            addSpacePrefix: try typed("add_space_prefix", "a bool", \.bool)
        )
    }
}

extension Tokenizer {
    /// Builds the tokenizer described by a GGUF file's `tokenizer.ggml.*` keys.
    public convenience init(gguf file: GGUFFile) throws(TokenizerError) {
        try self.init(vocabulary: TokenizerVocabulary(gguf: file))
    }
}
