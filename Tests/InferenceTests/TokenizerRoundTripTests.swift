import Foundation
import Inference
import TestSupport
import XCTest

/// Properties that hold for all three reference vocabularies beyond the golden cases: llama.cpp's
/// decoding inverts its encoding (byte-level BPE without clean-up, SentencePiece without a space
/// prefix and with byte fallback), and streaming never emits a broken character.
final class TokenizerRoundTripTests: XCTestCase {
    static let trickyStrings: [String] = [
        "", " ", "  ", "\n", "\r\n", "\n\n\n\n\n\n\n\n", "\t\t x", "a\u{00A0}b\u{3000}c\u{2028}d", "trailing \t \n ",
        "e\u{0301}\u{0327} combining", "👍🏽 👨‍👩‍👧‍👦 🇯🇵 🏴‍☠️", "𓀀𓀁𓀂 hieroglyphs", "\u{10FFFD}\u{E000} private use",
        "١٢٣٤٥ ٦ Ⅻ ½ ²³ ߁߂", "I'M HERE, WE'LL GO, THEY'VE SEEN, SHE'D, IT'S", "''' a'b'c can't've 's",
        "x = [1,2,3]; // comment\n\tif (a<b) { return; }\n", String(repeating: "ab", count: 1000),
        "\u{0000}\u{0001}\u{001F}\u{007F}\u{0085}", "ＡＢＣ１２３！", "Ελληνικά русский 中文 日本語 한국어 ไทย हिन्दी",
        "<|im_start|><|im_end|><start_of_turn><eos>", "\u{FEFF}BOM zero\u{200B}width joiner\u{200D}",
        "1234567890123 3.14159e-10 0x1F 1,000,000", "    indented\n        more\n\t\ttabs", "a  b   c    d     e",
        "Ünïcödé ﬁ ﬂ ß ẞ İ ı ǅ", "🙂🙂🙂🙂🙂🙂🙂🙂", "<table><tr><td>cell</td></tr></table> <b>bold</b>",
    ]

    private func checkRoundTrip(_ model: TestPaths.Reference) throws {
        let tokenizer = try ReferenceTokenizers.tokenizer(model)
        for text in Self.trickyStrings {
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
            XCTAssertEqual(tokenizer.decode(ids), text, "\(model) round trip of \(text.debugDescription)")
            XCTAssertEqual(ids.isEmpty, text.isEmpty, "\(model) \(text.debugDescription)")

            var stream = StreamingDetokenizer(tokenizer: tokenizer)
            var streamed = ""
            for id in ids {
                let chunk = stream.append(id)
                XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"), "\(model) broken character in \(text.debugDescription)")
                streamed += chunk
            }
            XCTAssertEqual(streamed + stream.flush(), text, "\(model) streaming \(text.debugDescription)")
        }
    }

    func testSmolLM2RoundTrip() throws { try checkRoundTrip(.smollm2) }
    func testQwen25RoundTrip() throws { try checkRoundTrip(.qwen25) }
    func testGemma3RoundTrip() throws { try checkRoundTrip(.gemma3) }

    /// The 30 KB evaluation text: tokenizes quickly and decodes back to itself (after the BOS, if any).
    func testEvalTextIsFastAndLossless() throws {
        let path = TestPaths.goldenDir.appendingPathComponent("eval-text.txt").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no \(path)") }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for model in TestPaths.Reference.allCases {
            let vocabulary: TokenizerVocabulary
            do { vocabulary = try ReferenceTokenizers.vocabulary(model) } catch is XCTSkip { continue }
            let buildStart = Date()
            let tokenizer = try Tokenizer(vocabulary: vocabulary)
            let buildSeconds = Date().timeIntervalSince(buildStart)
            let encodeStart = Date()
            let ids = tokenizer.encode(text)
            let encodeSeconds = Date().timeIntervalSince(encodeStart)
            // Generous bounds for a shared 2-core machine; typical figures are ~0.05 s and ~0.01 s.
            XCTAssertLessThan(buildSeconds, 1.0, "\(model) building the tokenizer")
            XCTAssertLessThan(encodeSeconds, 0.5, "\(model) encoding \(text.utf8.count) bytes")
            let body = tokenizer.addsBOS ? Array(ids.dropFirst()) : ids
            XCTAssertEqual(tokenizer.decode(body), text, "\(model) eval text round trip")
        }
    }
}
