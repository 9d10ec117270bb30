import Foundation
import GGUF
import Inference
import TestSupport
import XCTest

/// The golden file of a reference model, as produced by llama.cpp (see golden/README.md).
struct TokenizerGolden: Decodable {
    struct TokenizeCase: Decodable {
        var text: String
        var ids: [TokenID]
        var ids_add_special: [TokenID]
    }

    struct GreedyCase: Decodable {
        var prompt: String
        var prompt_ids: [TokenID]
        var tokens: [TokenID]
        var text: String
    }

    var tokenize: [TokenizeCase]
    var greedy: [GreedyCase]

    static func load(_ model: TestPaths.Reference) throws -> TokenizerGolden {
        let url = URL(fileURLWithPath: model.goldenPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("golden file absent: \(url.path)")
        }
        return try JSONDecoder().decode(TokenizerGolden.self, from: Data(contentsOf: url))
    }
}

/// Tokenizers of the reference models, built once per test process (building one takes a while in debug).
enum ReferenceTokenizers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [TestPaths.Reference: Tokenizer] = [:]

    static func tokenizer(_ model: TestPaths.Reference) throws -> Tokenizer {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[model] { return cached }
        let tokenizer = try Tokenizer(vocabulary: vocabulary(model))
        cache[model] = tokenizer
        return tokenizer
    }

    /// The vocabulary read from the reference model's GGUF file; skips the test when the file is absent.
    static func vocabulary(_ model: TestPaths.Reference) throws -> TokenizerVocabulary {
        guard FileManager.default.fileExists(atPath: model.modelPath) else {
            throw XCTSkip("model file absent: \(model.modelPath)")
        }
        return try TokenizerVocabulary(gguf: GGUFFile(path: model.modelPath))
    }
}
