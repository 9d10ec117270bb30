import Foundation
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

    static func vocabulary(_ model: TestPaths.Reference) throws -> TokenizerVocabulary {
        // DEVELOPMENT ONLY: vocab dumped from the GGUF with the python gguf package until GGUFFile lands.
        let base = (model.modelFile as NSString).deletingPathExtension
        let url = URL(fileURLWithPath: "/tmp/vocab-\(base).json")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("no vocab dump \(url.path)") }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        func id(_ key: String) -> TokenID? { (json[key] as? NSNumber).map { TokenID($0.int32Value) } }
        return TokenizerVocabulary(
            model: json["tokenizer.ggml.model"] as! String,
            pre: json["tokenizer.ggml.pre"] as? String,
            tokens: json["tokenizer.ggml.tokens"] as! [String],
            scores: (json["tokenizer.ggml.scores"] as? [NSNumber])?.map(\.floatValue),
            tokenTypes: (json["tokenizer.ggml.token_type"] as? [NSNumber])?.map(\.int32Value),
            merges: json["tokenizer.ggml.merges"] as? [String],
            bosID: id("tokenizer.ggml.bos_token_id"),
            eosID: id("tokenizer.ggml.eos_token_id"),
            eotID: id("tokenizer.ggml.eot_token_id"),
            padID: id("tokenizer.ggml.padding_token_id"),
            unknownID: id("tokenizer.ggml.unknown_token_id"),
            addBOS: (json["tokenizer.ggml.add_bos_token"] as? NSNumber)?.boolValue,
            addEOS: (json["tokenizer.ggml.add_eos_token"] as? NSNumber)?.boolValue,
            addSpacePrefix: (json["tokenizer.ggml.add_space_prefix"] as? NSNumber)?.boolValue
        )
    }
}
