import Foundation
import GGUF
import Inference
import TestSupport
import XCTest

/// The trie walk gives exactly the tokens a brute-force check of every vocabulary entry allows, on
/// real vocabularies (byte-level BPE and SentencePiece) and many grammar states.
final class TokenMaskTests: XCTestCase {
    private func tokenizer(_ r: TestPaths.Reference) throws -> Tokenizer {
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        return try Tokenizer(gguf: try GGUFFile(path: r.modelPath))
    }

    /// Brute force, test-only: every token id checked on its own.
    private func bruteForce(_ c: TokenConstraint, vocabulary: Int) -> Set<TokenID> {
        Set((0..<vocabulary).map(TokenID.init).filter { c.isAllowed($0) })
    }

    private func compareMasks(_ r: TestPaths.Reference) throws {
        let tok = try tokenizer(r)
        let trie = TokenTrie.shared(for: tok)
        let schema = #"{"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":130},"tags":{"type":"array","items":{"enum":["a","bc"]},"maxItems":3},"ok":{"type":"boolean"}},"required":["name","age"]}"#
        let documents = [
            #"{"name": "Zoë Ünal", "age": 42, "tags": ["a", "bc"], "ok": true}"#,
            "{\n  \"name\": \"x\\\"y\",\n  \"age\": 7\n}",
        ]
        var rng = SystemRandomNumberGenerator()
        var statesChecked = 0
        for (g, text) in [(try JSONSchemaCompiler.compile(schema: schema), documents[0]),
                          (try JSONSchemaCompiler.compile(schema: schema), documents[1]),
                          (try JSONSchemaCompiler.jsonObjectGrammar(), documents[0])] {
            // "{" on its own, then the rest: a SentencePiece vocabulary would otherwise put its space prefix
            // before the "{" (which the grammar refuses); after it, one space is valid JSON whitespace.
            let brace = try XCTUnwrap((0..<tok.vocabularySize).first { tok.tokenBytes(TokenID($0)) == [0x7B] })
            let ids = [TokenID(brace)] + tok.encode(String(text.dropFirst()), addSpecial: false, parseSpecial: false)
            // States at random cut points along a valid document, plus its start and end.
            var cuts = Set([0, ids.count])
            while cuts.count < min(ids.count + 1, 8) { cuts.insert(Int.random(in: 0...ids.count, using: &rng)) }
            for cut in cuts.sorted() {
                let c = TokenConstraint(grammar: g, trie: trie)
                for id in ids.prefix(cut) { XCTAssertTrue(c.accept(id), "token \(id) of \(text)") }
                let fast = c.allowedTokens()
                XCTAssertEqual(fast.count, Set(fast).count, "no duplicates")
                XCTAssertEqual(Set(fast), bruteForce(c, vocabulary: tok.vocabularySize), "\(r) cut \(cut) of \(text)")
                if cut == ids.count {
                    XCTAssertTrue(c.isComplete)
                    XCTAssertTrue(fast.allSatisfy { tok.isEndOfGeneration($0) }, "only an end token after a complete object")
                } else {
                    XCTAssertFalse(fast.isEmpty)
                }
                statesChecked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(statesChecked, 12)
    }

    func testTrieMaskEqualsBruteForceSmolLM2() throws { try compareMasks(.smollm2) }
    func testTrieMaskEqualsBruteForceGemma3() throws { try compareMasks(.gemma3) }

    func testSingleTokenChecksAgreeWithGrammar() throws {
        let tok = try tokenizer(.smollm2)
        let c = TokenConstraint(grammar: try Grammar(gbnf: "root ::= \"{\\\"a\\\": \" [0-9]+ \"}\"\n"), trie: TokenTrie.shared(for: tok))
        let open = tok.encode("{\"", addSpecial: false)
        XCTAssertTrue(open.allSatisfy { c.accept($0) })
        XCTAssertFalse(c.isAllowed(tok.encode("b", addSpecial: false)[0]))
        XCTAssertTrue(c.isAllowed(tok.encode("a", addSpecial: false)[0]))
        if let eos = tok.eosID { XCTAssertFalse(c.isAllowed(eos), "the end is refused before the sentence is complete") }
    }
}
