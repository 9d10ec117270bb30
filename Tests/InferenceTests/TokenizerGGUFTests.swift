import GGUF
import Inference
import TestSupport
import XCTest

/// Reading `tokenizer.ggml.*` metadata from GGUF files.
final class TokenizerGGUFTests: XCTestCase {
    func testSyntheticModelTokenizer() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(bytes: SyntheticModel.llama()))
        // Tokens: <unk> <s> </s> ▁ a..z (4...29) ▁a..▁z (30...55); score = length - 10.
        XCTAssertEqual(tokenizer.vocabularySize, 56)
        XCTAssertEqual(tokenizer.bosID, 1)
        XCTAssertEqual(tokenizer.eosID, 2)
        XCTAssertTrue(tokenizer.addsBOS)  // SentencePiece default when add_bos_token is absent
        // "ab c" -> "▁ab▁c": "▁a" and "▁c" tie on score, the left one merges first; "▁ab" is no token.
        XCTAssertEqual(tokenizer.encode("ab c"), [1, 30, 5, 32])
        // llama.cpp strips the prefix space from the first token only, here the (silent) BOS.
        XCTAssertEqual(tokenizer.decode([30, 5, 32]), "ab c")
        XCTAssertEqual(tokenizer.decode([1, 30, 5, 32]), " ab c")
        XCTAssertEqual(tokenizer.endOfGenerationIDs, [2])
    }

    func testMissingAndMistypedKeysAreReported() throws {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        XCTAssertThrowsError(try Tokenizer(gguf: GGUFFile(bytes: writer.serialize()))) { error in
            XCTAssertEqual("\(error)", "missing metadata key tokenizer.ggml.model: the file has no tokenizer")
        }
        writer.set("tokenizer.ggml.model", .string("gpt2"))
        writer.set("tokenizer.ggml.tokens", .string("not an array"))
        XCTAssertThrowsError(try Tokenizer(gguf: GGUFFile(bytes: writer.serialize()))) { error in
            XCTAssertTrue("\(error)".hasPrefix("invalid metadata key tokenizer.ggml.tokens: expected an array of strings"), "\(error)")
        }
        writer.set("tokenizer.ggml.tokens", .array(.string, [.string("a"), .string("b")]))
        writer.set("tokenizer.ggml.merges", .array(.string, [.string("a b")]))
        writer.set("tokenizer.ggml.add_bos_token", .uint8(1))
        XCTAssertThrowsError(try Tokenizer(gguf: GGUFFile(bytes: writer.serialize()))) { error in
            XCTAssertTrue("\(error)".hasPrefix("invalid metadata key tokenizer.ggml.add_bos_token: expected a bool"), "\(error)")
        }
    }

    /// End-of-generation sets as llama.cpp reports them (`llama_vocab_is_eog`, llama-cpp-python 0.3.36).
    func testReferenceModelMetadata() throws {
        let smol = try ReferenceTokenizers.tokenizer(.smollm2)
        XCTAssertEqual(smol.vocabularySize, 49152)
        XCTAssertFalse(smol.addsBOS)
        // SmolLM2: <|endoftext|> 0, <|im_end|> 2 (EOS), <reponame> 4 (fill-in-the-middle repo).
        XCTAssertEqual(smol.endOfGenerationIDs, [0, 2, 4])
        XCTAssertEqual(smol.id(forSpecialText: "<|im_start|>"), 1)

        let gemma = try ReferenceTokenizers.tokenizer(.gemma3)
        // <eos> 1, <end_of_turn> 106 and the user-defined "</s>" 212, which llama.cpp's text list catches.
        XCTAssertEqual(gemma.endOfGenerationIDs, [1, 106, 212])
        XCTAssertEqual(gemma.bosID, 2)
        XCTAssertTrue(gemma.addsBOS)
        XCTAssertNil(gemma.id(forSpecialText: "<|im_start|>"))

        let qwen = try ReferenceTokenizers.tokenizer(.qwen25)
        // "</s>" 128247 (an ordinary token by type), <|endoftext|>, <|im_end|>, <|fim_pad|>, <|repo_name|>, <|file_sep|>.
        XCTAssertEqual(qwen.endOfGenerationIDs, [128247, 151643, 151645, 151662, 151663, 151664])
        XCTAssertEqual(qwen.eosID, 151645)
        XCTAssertFalse(qwen.addsBOS)
    }
}
