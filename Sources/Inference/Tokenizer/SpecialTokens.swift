/// Special token ids, attributes and the end-of-generation set, resolved as llama.cpp's `llama_vocab::load` does.
struct SpecialTokens: Sendable {
    var bos: TokenID?
    var eos: TokenID?
    var eot: TokenID?
    var eom: TokenID?
    var pad: TokenID?
    var unknown: TokenID?
    var endOfGeneration: Set<TokenID> = []

    /// Texts llama.cpp treats as end-of-turn when `eot_token_id` is absent.
    static let endOfTurnTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
        "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    /// Texts of tokens that end generation.
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
    ]
    /// Fill-in-the-middle token texts; pad, repo and file-separator ones also end generation.
    static let fimPrefixTexts: Set<String> = [
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>",
    ]
    static let fimSuffixTexts: Set<String> = [
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>",
    ]
    static let fimMiddleTexts: Set<String> = [
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>",
    ]
    static let fimPadTexts: Set<String> = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]
    static let fimRepoTexts: Set<String> = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
    static let fimSeparatorTexts: Set<String> = ["<|file_sep|>"]
    /// gpt-oss tokens llama.cpp always renders.
    static let alwaysRenderedTexts: Set<String> = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]

    /// Resolves ids and adjusts `attributes` in place.
    ///
    /// Where llama.cpp picks "the first" of several tokens matching a list by iterating a hash map,
    /// this picks the lowest id, which is deterministic.
    init(vocabulary v: TokenizerVocabulary, table: ByteStringTable, isSentencePiece: Bool,
         attributes: inout [TokenAttributes]) {
        let count = attributes.count
        func valid(_ id: TokenID?) -> TokenID? {
            guard let id, id >= 0, Int(id) < count else { return nil }
            return id
        }
        // A key that is present but out of range keeps the model default, as in llama.cpp.
        func resolve(_ key: TokenID?, default fallback: TokenID?) -> TokenID? {
            valid(key) ?? valid(fallback)
        }
        bos = resolve(v.bosID, default: isSentencePiece ? 1 : 11)
        eos = resolve(v.eosID, default: isSentencePiece ? 2 : 11)
        unknown = resolve(v.unknownID, default: isSentencePiece ? 0 : nil)
        pad = resolve(v.padID, default: nil)
        eot = valid(v.eotID)

        func firstID(_ texts: Set<String>) -> TokenID? {
            texts.compactMap { table.find($0) }.min()
        }
        func markControl(_ id: TokenID?) {
            if let id { attributes[Int(id)].insert(.control) }
        }
        if eot == nil { eot = firstID(Self.endOfTurnTexts); markControl(eot) }
        eom = firstID(["<|eom_id|>"]); markControl(eom)
        markControl(firstID(Self.fimPrefixTexts))
        markControl(firstID(Self.fimSuffixTexts))
        markControl(firstID(Self.fimMiddleTexts))
        let fimIDs = [firstID(Self.fimPadTexts), firstID(Self.fimRepoTexts), firstID(Self.fimSeparatorTexts)]
        for id in fimIDs { markControl(id) }

        var eog = Set(fimIDs.compactMap { $0 })
        for id in Self.endOfGenerationTexts.compactMap({ table.find($0) }) {
            eog.insert(id)
            attributes[Int(id)].insert(.control)
        }
        for id in Self.alwaysRenderedTexts.compactMap({ table.find($0) }) {
            attributes[Int(id)] = .userDefined
        }
        for id in [eos, eot, eom].compactMap({ $0 }) { eog.insert(id) }

        // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
        func text(_ id: TokenID) -> String { String(decoding: table.key(Int(id)), as: UTF8.self) }
        let eogTexts = Set(eog.map(text))
        if let end = eog.first(where: { text($0) == "<|end|>" }),
           (eogTexts.contains("<|return|>") && (eogTexts.contains("<|call|>") || eogTexts.contains("<|calls|>")))
            || ((eogTexts.contains("<|call|>") || eogTexts.contains("<|calls|>")) && eogTexts.contains("<|flush|>")) {
            eog.remove(end)
            attributes[Int(end)] = .userDefined
        }
        // Gemma 4 / PaddleOCR: "</s>" is ordinary text when "<|tool_response>" exists.
        if eogTexts.contains("<|tool_response>"), let s = eog.first(where: { text($0) == "</s>" }) {
            eog.remove(s)
            attributes[Int(s)] = .normal
        }
        endOfGeneration = eog
    }
}
