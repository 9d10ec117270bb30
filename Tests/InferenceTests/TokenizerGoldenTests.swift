import Foundation
import Inference
import TestSupport
import XCTest

/// Tokenization of the three reference models against llama.cpp's output.
final class TokenizerGoldenTests: XCTestCase {
    private func checkTokenizeCases(_ model: TestPaths.Reference) throws {
        let golden = try TokenizerGolden.load(model)
        let tokenizer = try ReferenceTokenizers.tokenizer(model)
        XCTAssertFalse(golden.tokenize.isEmpty)
        for item in golden.tokenize {
            XCTAssertEqual(tokenizer.encode(item.text, addSpecial: false), item.ids, "\(model) ids of \(item.text.debugDescription)")
            XCTAssertEqual(tokenizer.encode(item.text, addSpecial: true), item.ids_add_special,
                           "\(model) ids_add_special of \(item.text.debugDescription)")
            // llama.cpp's decoding inverts its encoding for all three vocabularies (no clean-up, no space prefix).
            XCTAssertEqual(tokenizer.decode(item.ids, renderSpecial: true), item.text, "\(model) decode of \(item.text.debugDescription)")
        }
    }

    private func checkGreedyCases(_ model: TestPaths.Reference) throws {
        let golden = try TokenizerGolden.load(model)
        let tokenizer = try ReferenceTokenizers.tokenizer(model)
        XCTAssertFalse(golden.greedy.isEmpty)
        for item in golden.greedy {
            XCTAssertEqual(tokenizer.encode(item.prompt, addSpecial: true), item.prompt_ids, "\(model) prompt \(item.prompt.debugDescription)")
            var stream = StreamingDetokenizer(tokenizer: tokenizer)
            var text = ""
            for id in item.tokens {
                let chunk = stream.append(id)
                XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"), "\(model) streamed a broken character after token \(id)")
                text += chunk
            }
            text += stream.flush()
            XCTAssertEqual(text, item.text, "\(model) streamed text of \(item.prompt.debugDescription)")
        }
    }

    func testSmolLM2Tokenize() throws { try checkTokenizeCases(.smollm2) }
    func testQwen25Tokenize() throws { try checkTokenizeCases(.qwen25) }
    func testGemma3Tokenize() throws { try checkTokenizeCases(.gemma3) }

    func testSmolLM2Greedy() throws { try checkGreedyCases(.smollm2) }
    func testQwen25Greedy() throws { try checkGreedyCases(.qwen25) }
    func testGemma3Greedy() throws { try checkGreedyCases(.gemma3) }
}
