import Foundation
import GGUF

/// Why an engine could not be built or run.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    case file(GGUFError)
    case model(ModelError)
    case tokenizer(TokenizerError)
    case chatTemplate(ChatTemplateError)
    case sampler(SamplerError)
    case io(String)

    public var description: String {
        switch self {
        case .file(let e): return e.description
        case .model(let e): return e.description
        case .tokenizer(let e): return "tokenizer: \(e.description)"
        case .chatTemplate(let e): return "chat template: \(e.description)"
        case .sampler(let e): return "sampler: \(e.description)"
        case .io(let m): return m
        }
    }
}

/// A loaded model with everything needed to turn text into text: the mapped file, the network, the
/// tokenizer built from the file's metadata, and the chat template.
public final class Engine: Sendable {
    public let path: String
    public let file: GGUFFile
    public let model: any LanguageModel
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate
    /// True when the template came from the file (not a built-in default or an override).
    public let templateFromFile: Bool

    /// Loads `path`. `chatTemplate` overrides the file's template (Jinja source).
    public init(path: String, options: ModelOptions = ModelOptions(), chatTemplate override: String? = nil) throws(EngineError) {
        self.path = path
        do { file = try GGUFFile(path: path) } catch { throw .file(error) }
        do { model = try ModelRegistry.load(file, options: options) } catch { throw .model(error) }
        do { tokenizer = try Tokenizer(gguf: file) } catch { throw .tokenizer(error) }
        let source = override ?? file["tokenizer.chat_template"]?.string
        if let source {
            do { chatTemplate = try ChatTemplate(source: source) } catch { throw .chatTemplate(error) }
        } else {
            chatTemplate = ChatTemplate.builtin(forArchitecture: file.architecture ?? "")
        }
        templateFromFile = override == nil && source != nil
    }

    /// Renders `messages` with the model's chat template, ready to generate the assistant's turn.
    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws(EngineError) -> String {
        let bos = tokenizer.bosID.flatMap { tokenizer.tokenText($0) } ?? ""
        let eos = tokenizer.eosID.flatMap { tokenizer.tokenText($0) } ?? ""
        do {
            return try chatTemplate.render(messages: messages, addGenerationPrompt: addGenerationPrompt,
                                           bosToken: bos, eosToken: eos)
        } catch {
            throw .chatTemplate(error)
        }
    }

    /// Tokens of a rendered chat prompt. BOS is added only if the template did not already emit it.
    public func chatTokens(_ messages: [ChatMessage]) throws(EngineError) -> [TokenID] {
        let text = try renderChat(messages)
        var ids = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
        if tokenizer.addsBOS, let bos = tokenizer.bosID, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    /// Tokens of a plain-text prompt, with BOS/EOS as the model's metadata asks.
    public func promptTokens(_ text: String) -> [TokenID] {
        tokenizer.encode(text, addSpecial: true, parseSpecial: true)
    }
}
