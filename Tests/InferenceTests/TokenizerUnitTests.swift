import Inference
import XCTest

/// Behaviour on tiny synthetic vocabularies whose expected output follows from llama.cpp's rules by hand.
final class TokenizerUnitTests: XCTestCase {
    // MARK: construction errors

    func testUnsupportedModelIsReportedWithSupportedList() {
        XCTAssertThrowsError(try Tokenizer(vocabulary: TokenizerVocabulary(model: "xyz", tokens: ["a"]))) { error in
            XCTAssertEqual("\(error)", "unsupported tokenizer model \"xyz\" (supported: gpt2, llama)")
        }
    }

    func testByteLevelWithoutMergesIsRejected() {
        XCTAssertThrowsError(try Tokenizer(vocabulary: TokenizerVocabulary(model: "gpt2", tokens: ["a"]))) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.ggml.merges"), "\(error)")
        }
    }

    func testDuplicateTokenIsRejected() {
        let vocabulary = TokenizerVocabulary(model: "gpt2", tokens: ["a", "b", "a"], merges: [])
        XCTAssertThrowsError(try Tokenizer(vocabulary: vocabulary)) { error in
            XCTAssertTrue("\(error)".contains("duplicate token \"a\" has ids 0 and 2"), "\(error)")
        }
    }

    func testAddBOSWithoutBOSTokenIsRejected() {
        // gpt2 defaults BOS to id 11, which this vocabulary does not have.
        let vocabulary = TokenizerVocabulary(model: "gpt2", tokens: ["a"], merges: [], addBOS: true)
        XCTAssertThrowsError(try Tokenizer(vocabulary: vocabulary)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.ggml.bos_token_id"), "\(error)")
        }
    }

    func testShortScoresAreRejected() {
        let vocabulary = TokenizerVocabulary(model: "llama", tokens: ["<unk>", "<s>", "</s>", "a"], scores: [0, 0])
        XCTAssertThrowsError(try Tokenizer(vocabulary: vocabulary)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.ggml.scores"), "\(error)")
        }
    }

    // MARK: byte-level BPE

    /// Tokens: the GPT-2 characters for all 256 bytes, then the given extra tokens; merges as given.
    private func byteLevel(pre: String?, extra: [String], merges: [String], types: [Int32]? = nil) throws -> (Tokenizer, [String: TokenID]) {
        var tokens = (0 ..< 256).map { byte -> String in
            let scalar: UInt32 = if (0x21 ... 0x7E).contains(byte) || (0xA1 ... 0xAC).contains(byte) || (0xAE ... 0xFF).contains(byte) {
                UInt32(byte)
            } else {
                256 + UInt32([Int](0 ..< byte).filter { !((0x21 ... 0x7E).contains($0) || (0xA1 ... 0xAC).contains($0) || (0xAE ... 0xFF).contains($0)) }.count)
            }
            return String(Character(Unicode.Scalar(scalar)!))
        }
        tokens += extra
        var ids: [String: TokenID] = [:]
        for (i, t) in tokens.enumerated() { ids[t] = TokenID(i) }
        let typeList = types.map { [Int32](repeating: 1, count: 256) + $0 }
        let tokenizer = try Tokenizer(vocabulary: TokenizerVocabulary(model: "gpt2", pre: pre, tokens: tokens, tokenTypes: typeList, merges: merges))
        return (tokenizer, ids)
    }

    func testGPT2ByteMappingEncodesSpaceAndNewlineAsVisibleCharacters() throws {
        let (tokenizer, ids) = try byteLevel(pre: "gpt-2", extra: ["Ġa"], merges: ["Ġ a"])
        XCTAssertEqual(ids["Ġ"], 32)   // space is byte 0x20, the 33rd non-printable: U+0120
        XCTAssertEqual(ids["Ċ"], 10)   // newline -> U+010A
        XCTAssertEqual(tokenizer.encode(" a\n", addSpecial: false), [ids["Ġa"]!, 10])
        XCTAssertEqual(tokenizer.decode([ids["Ġa"]!, 10]), " a\n")
        XCTAssertEqual(tokenizer.tokenBytes(ids["Ġ"]!), [0x20])
    }

    func testMergesApplyLowestRankFirst() throws {
        // "abc": rank 0 is "b c", so "a" + "bc" even though "a b" is also listed.
        let (first, ids) = try byteLevel(pre: "gpt-2", extra: ["bc", "ab", "abc"], merges: ["b c", "a b", "a bc"])
        XCTAssertEqual(first.encode("abc", addSpecial: false), [ids["abc"]!])
        let (second, ids2) = try byteLevel(pre: "gpt-2", extra: ["bc", "ab"], merges: ["a b", "b c"])
        XCTAssertEqual(second.encode("abc", addSpecial: false), [ids2["ab"]!, ids2["c"]!])
    }

    func testUnknownPreTokenizerFallsBackToLlama3Rules() throws {
        // LLaMA 3 rules keep "'S" together (case-insensitive contraction); the default rules split
        // punctuation runs first, so "'" and "S" stay apart.
        let extra = ["'S", "123", "45"]
        let merges = ["' S", "1 2", "12 3", "4 5", "123 45"]
        let (unknown, ids) = try byteLevel(pre: "not-a-real-pre-tokenizer", extra: extra + ["12", "12345"], merges: merges)
        XCTAssertEqual(unknown.encode("'S", addSpecial: false), [ids["'S"]!])
        XCTAssertEqual(unknown.encode("12345", addSpecial: false), [ids["123"]!, ids["45"]!])  // \p{N}{1,3}

        let (missing, ids2) = try byteLevel(pre: nil, extra: extra + ["12", "12345"], merges: merges)
        XCTAssertEqual(missing.encode("'S", addSpecial: false), [ids2["'"]!, ids2["S"]!])
        XCTAssertEqual(missing.encode("12345", addSpecial: false), [ids2["123"]!, ids2["45"]!])  // [0-9]{3}

        let (gpt2, ids3) = try byteLevel(pre: "gpt-2", extra: extra + ["12", "12345"], merges: merges)
        XCTAssertEqual(gpt2.encode("12345", addSpecial: false), [ids3["12345"]!])  // \p{N}+ stays whole
    }

    func testDigitRulesPerPreTokenizer() throws {
        let extra = ["12", "Ġ1", "Ġ12"]
        let merges = ["Ġ 1", "Ġ1 2", "1 2"]
        let (qwen, q) = try byteLevel(pre: "qwen2", extra: extra, merges: merges)
        XCTAssertEqual(qwen.encode(" 12", addSpecial: false), [q["Ġ"]!, q["1"]!, q["2"]!])
        let (llama, l) = try byteLevel(pre: "llama-bpe", extra: extra, merges: merges)
        XCTAssertEqual(llama.encode(" 12", addSpecial: false), [l["Ġ"]!, l["12"]!])
        let (smol, s) = try byteLevel(pre: "smollm", extra: extra, merges: merges)
        XCTAssertEqual(smol.encode(" 12", addSpecial: false), [s["Ġ"]!, s["1"]!, s["2"]!])
        let (gpt2, g) = try byteLevel(pre: "gpt-2", extra: extra, merges: merges)
        XCTAssertEqual(gpt2.encode(" 12", addSpecial: false), [g["Ġ12"]!])
    }

    func testTrailingWhitespaceRule() throws {
        // \s+(?!\S): of "  a" the first space stands alone and the second joins the word.
        let (tokenizer, ids) = try byteLevel(pre: "llama-bpe", extra: ["Ġa", "ĠĠ"], merges: ["Ġ a", "Ġ Ġ"])
        XCTAssertEqual(tokenizer.encode("  a", addSpecial: false), [ids["Ġ"]!, ids["Ġa"]!])
        XCTAssertEqual(tokenizer.encode("a  ", addSpecial: false), [ids["a"]!, ids["ĠĠ"]!])
    }

    func testLlama3AddsBOSByDefaultAndGPT2DoesNot() throws {
        let tokens = (0 ..< 12).map { "t\($0)" }
        let llama3 = try Tokenizer(vocabulary: TokenizerVocabulary(model: "gpt2", pre: "llama3", tokens: tokens, merges: []))
        XCTAssertTrue(llama3.addsBOS)
        XCTAssertEqual(llama3.bosID, 11)
        let gpt2 = try Tokenizer(vocabulary: TokenizerVocabulary(model: "gpt2", pre: "gpt-2", tokens: tokens, merges: []))
        XCTAssertFalse(gpt2.addsBOS)
        XCTAssertEqual(gpt2.encode("", addSpecial: true), [])
    }

    func testCleanSpacesOnlyWhereThePreTokenizerAsksForIt() throws {
        let extra = ["Ġ.", "Ġ's"]
        let (gpt2, g) = try byteLevel(pre: "gpt-2", extra: extra, merges: [])
        XCTAssertEqual(gpt2.decode([g["a"]!, g["Ġ."]!, g["Ġ's"]!]), "a.'s")
        let (smol, s) = try byteLevel(pre: "smollm", extra: extra, merges: [])
        XCTAssertEqual(smol.decode([s["a"]!, s["Ġ."]!, s["Ġ's"]!]), "a . 's")
    }

    // MARK: special tokens

    func testSpecialTokensLongestFirstAndParseSpecial() throws {
        // 256 byte tokens, then control "<|a|>", control "<|a|><|b|>", user-defined "<u>".
        let (tokenizer, ids) = try byteLevel(pre: "gpt-2", extra: ["<|a|>", "<|a|><|b|>", "<u>"], merges: [], types: [3, 3, 4])
        XCTAssertEqual(tokenizer.encode("x<|a|><|b|><|a|>", addSpecial: false), [ids["x"]!, ids["<|a|><|b|>"]!, ids["<|a|>"]!])
        // Without parsing special tokens, control tokens are plain text but user-defined ones still match.
        let plain = tokenizer.encode("<|a|><u>", addSpecial: false, parseSpecial: false)
        XCTAssertEqual(plain, "<|a|>".utf8.map { TokenID($0 >= 0x21 && $0 <= 0x7E ? Int32($0) : -1) } + [ids["<u>"]!])
        // Control tokens render as nothing unless asked for; user-defined ones always render.
        XCTAssertEqual(tokenizer.decode([ids["<|a|>"]!, ids["<u>"]!]), "<u>")
        XCTAssertEqual(tokenizer.decode([ids["<|a|>"]!, ids["<u>"]!], renderSpecial: true), "<|a|><u>")
        XCTAssertEqual(tokenizer.id(forSpecialText: "<|a|>"), ids["<|a|>"])
        XCTAssertNil(tokenizer.id(forSpecialText: "x"))
    }

    func testEndOfGenerationSetFollowsLlamaCpp() throws {
        let tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<reponame>", "hello", "<end_of_turn>"]
        let tokenizer = try Tokenizer(vocabulary: TokenizerVocabulary(
            model: "gpt2", pre: "smollm", tokens: tokens, tokenTypes: [3, 3, 3, 3, 1, 1], merges: [], bosID: 1, eosID: 2))
        // eos (2), the EOG texts (0, 2, 5) and the fill-in-the-middle repo token (3).
        XCTAssertEqual(tokenizer.endOfGenerationIDs, [0, 2, 3, 5])
        XCTAssertTrue(tokenizer.isEndOfGeneration(5))
        XCTAssertFalse(tokenizer.isEndOfGeneration(1))
        // "<end_of_turn>" was typed normal; llama.cpp makes it a control token.
        XCTAssertEqual(tokenizer.tokenBytes(5), [])
        XCTAssertEqual(tokenizer.encode("hi<end_of_turn>", addSpecial: false).last, 5)
    }

    // MARK: SentencePiece BPE

    /// `<unk> <s> </s>`, the 256 byte tokens, then `extra` with their scores.
    private func sentencePiece(_ extra: [(String, Float)], addSpacePrefix: Bool? = nil) throws -> (Tokenizer, [String: TokenID]) {
        let hex = Array("0123456789ABCDEF")
        let bytes = (0 ..< 256).map { "<0x\(hex[$0 >> 4])\(hex[$0 & 15])>" }
        let tokens = ["<unk>", "<s>", "</s>"] + bytes + extra.map(\.0)
        let types: [Int32] = [2, 3, 3] + [Int32](repeating: 6, count: 256) + [Int32](repeating: 1, count: extra.count)
        let scores: [Float] = [0, 0, 0] + [Float](repeating: 0, count: 256) + extra.map(\.1)
        var ids: [String: TokenID] = [:]
        for (i, t) in tokens.enumerated() { ids[t] = TokenID(i) }
        let vocabulary = TokenizerVocabulary(model: "llama", tokens: tokens, scores: scores, tokenTypes: types, addSpacePrefix: addSpacePrefix)
        return (try Tokenizer(vocabulary: vocabulary), ids)
    }

    func testSentencePieceMergesHighestScoreFirst() throws {
        let (abFirst, a) = try sentencePiece([("▁", -1), ("a", -1), ("b", -1), ("▁a", -3), ("ab", -2)])
        XCTAssertEqual(abFirst.encode("ab", addSpecial: false), [a["▁"]!, a["ab"]!])
        let (prefixFirst, p) = try sentencePiece([("▁", -1), ("a", -1), ("b", -1), ("▁a", -2), ("ab", -3)])
        XCTAssertEqual(prefixFirst.encode("ab", addSpecial: false), [p["▁a"]!, p["b"]!])
    }

    func testSentencePieceDefaultsAddBOSAndSpacePrefix() throws {
        let (tokenizer, ids) = try sentencePiece([("▁", -1), ("a", -1), ("▁a", -2)])
        XCTAssertEqual(tokenizer.bosID, 1)
        XCTAssertEqual(tokenizer.eosID, 2)
        XCTAssertTrue(tokenizer.addsBOS)
        XCTAssertEqual(tokenizer.encode("a"), [1, ids["▁a"]!])
        XCTAssertEqual(tokenizer.encode(""), [1])
        // The leading space added by the prefix is dropped again when decoding.
        XCTAssertEqual(tokenizer.decode([ids["▁a"]!]), "a")
        let (noPrefix, np) = try sentencePiece([("▁", -1), ("a", -1), ("▁a", -2)], addSpacePrefix: false)
        XCTAssertEqual(noPrefix.encode("a", addSpecial: false), [np["a"]!])
    }

    func testSentencePieceByteFallback() throws {
        let (tokenizer, ids) = try sentencePiece([("▁", -1), ("a", -1)], addSpacePrefix: false)
        // "é" is C3 A9 and has no token: one byte token per byte.
        XCTAssertEqual(tokenizer.encode("aé", addSpecial: false), [ids["a"]!, ids["<0xC3>"]!, ids["<0xA9>"]!])
        XCTAssertEqual(tokenizer.decode([ids["a"]!, ids["<0xC3>"]!, ids["<0xA9>"]!]), "aé")
        XCTAssertEqual(tokenizer.tokenBytes(ids["<0xC3>"]!), [0xC3])
    }

    // MARK: streaming

    func testStreamingHoldsBackSplitCharacters() throws {
        let (tokenizer, ids) = try sentencePiece([("a", -1)], addSpacePrefix: false)
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        // U+1F642 🙂 is F0 9F 99 82.
        XCTAssertEqual(stream.append(ids["a"]!), "a")
        XCTAssertEqual(stream.append(ids["<0xF0>"]!), "")
        XCTAssertEqual(stream.append(ids["<0x9F>"]!), "")
        XCTAssertEqual(stream.append(ids["<0x99>"]!), "")
        XCTAssertEqual(stream.append(ids["<0x82>"]!), "🙂")
        // A sequence cut short is replaced at flush.
        XCTAssertEqual(stream.append(ids["<0xE4>"]!), "")
        XCTAssertEqual(stream.flush(), "\u{FFFD}")
        // A byte that can never start a character is not held back.
        XCTAssertEqual(stream.append(ids["<0xFF>"]!), "\u{FFFD}")
        XCTAssertEqual(stream.append(ids["<0xE0>"]!), "")
        XCTAssertEqual(stream.append(ids["<0x41>"]!), "\u{FFFD}A")
        XCTAssertEqual(stream.flush(), "")
    }

    func testStreamingSkipsControlTokensUnlessRendered() throws {
        let (tokenizer, ids) = try sentencePiece([("a", -1)], addSpacePrefix: false)
        var plain = StreamingDetokenizer(tokenizer: tokenizer)
        XCTAssertEqual(plain.append(1) + plain.append(ids["a"]!), "a")
        var rendered = StreamingDetokenizer(tokenizer: tokenizer, renderSpecial: true)
        XCTAssertEqual(rendered.append(1) + rendered.append(ids["a"]!), "<s>a")
    }
}
