import ArgumentParser
import Foundation
import Inference

extension Outpost {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate text from a prompt or a chat message, streaming to stdout.",
            discussion: "Time to first token and prompt/generation speed go to stderr.")

        @OptionGroup var common: ModelOptionGroup

        @Option(help: "Raw prompt text (no chat template).")
        var prompt: String?

        @Option(help: "A user message, rendered with the model's chat template.")
        var chat: String?

        @Option(help: "System message for --chat.")
        var system: String?

        @Option(name: .customLong("chat-template"), help: "A Jinja chat template file that overrides the model's.")
        var chatTemplateFile: String?

        @Option(name: .customLong("max-tokens"), help: "Most tokens to generate.")
        var maxTokens: Int = 256

        @Option(help: "Sampling temperature; 0 is greedy.")
        var temperature: Float = 0.8

        @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens (0 disables).")
        var topK: Int = 40

        @Option(name: .customLong("top-p"), help: "Nucleus sampling threshold (1 disables).")
        var topP: Float = 0.95

        @Option(name: .customLong("min-p"), help: "Drop tokens below min-p × the top probability (0 disables).")
        var minP: Float = 0.05

        @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty (1 disables).")
        var repeatPenalty: Float = 1.0

        @Option(name: .customLong("presence-penalty"), help: "Presence penalty.")
        var presencePenalty: Float = 0

        @Option(name: .customLong("frequency-penalty"), help: "Frequency penalty.")
        var frequencyPenalty: Float = 0

        @Option(help: "Random seed; the same seed and settings give the same tokens.")
        var seed: UInt64 = 42

        @Option(help: "Stop before this string (repeatable).")
        var stop: [String] = []

        @OptionGroup var speculation: SpeculationOptionGroup

        @Option(name: .customLong("json-schema"), help: "Constrain the output to JSON valid under this JSON Schema file.")
        var jsonSchemaFile: String?

        @Option(name: .customLong("grammar"), help: "Constrain the output to this GBNF grammar file (start rule 'root').")
        var grammarFile: String?

        @Flag(name: .customLong("json"), help: "Constrain the output to a JSON object (JSON mode).")
        var json = false

        func validate() throws {
            guard (prompt == nil) != (chat == nil) else { throw ValidationError("give exactly one of --prompt or --chat") }
            guard system == nil || chat != nil else { throw ValidationError("--system goes with --chat") }
            guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be non-negative") }
            let constraints = [jsonSchemaFile != nil, grammarFile != nil, json].filter { $0 }.count
            guard constraints <= 1 else { throw ValidationError("give at most one of --json-schema, --grammar and --json") }
        }

        /// The grammar the output must follow, if any.
        private func loadGrammar() throws -> Grammar? {
            func read(_ path: String) throws -> String {
                guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw CLIError("cannot read \(path)")
                }
                return text
            }
            do {
                if let path = jsonSchemaFile { return try JSONSchemaCompiler.compile(schema: try read(path)) }
                if let path = grammarFile { return try Grammar(gbnf: try read(path)) }
                if json { return try JSONSchemaCompiler.jsonObjectGrammar() }
            } catch let error as GrammarError {
                throw CLIError(error.description)
            }
            return nil
        }

        func run() throws {
            var template: String?
            if let path = chatTemplateFile {
                guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw CLIError("cannot read chat template file \(path)")
                }
                template = text
            }
            let grammar = try loadGrammar()
            let engine = try common.loadEngine(contextSize: common.contextSize(), chatTemplate: template)
            let tokens: [TokenID]
            if let chat {
                var messages: [ChatMessage] = []
                if let system { messages.append(ChatMessage(role: "system", content: system)) }
                messages.append(ChatMessage(role: "user", content: chat))
                do { tokens = try engine.chatTokens(messages) } catch { throw CLIError(error.description) }
            } else {
                tokens = engine.promptTokens(prompt ?? "")
            }
            var config = SamplerConfig()
            config.temperature = temperature
            config.topK = topK
            config.topP = topP
            config.minP = minP
            config.repetitionPenalty = repeatPenalty
            config.presencePenalty = presencePenalty
            config.frequencyPenalty = frequencyPenalty
            config.seed = seed
            var request = GenerationRequest(prompt: tokens, maxTokens: maxTokens, sampler: config, stop: stop, grammar: grammar)
            request.speculation = try speculation.configuration(options: common.modelOptions(contextSize: common.contextSize()))
            let out = FileHandle.standardOutput
            let result: GenerationResult
            do {
                result = try Generator(engine: engine).generate(request, contextSize: common.contextSize()) { text in
                    out.write(Data(text.utf8))
                    return true
                }
            } catch {
                throw CLIError(error.description)
            }
            out.write(Data("\n".utf8))
            let t = result.timings
            printError("ttft \(fixed(t.timeToFirstToken * 1000, 1)) ms | prompt \(t.promptTokens) tokens, "
                + "\(fixed(t.prefillTokensPerSecond, 1)) tokens/s | generated \(t.generatedTokens) tokens, "
                + "\(fixed(t.decodeTokensPerSecond, 1)) tokens/s | finish \(result.finishReason.rawValue) | peak RSS \(fixed(Double(ProcessMemory.peakResidentBytes()) / 1_048_576, 1)) MiB | kernels \(Kernels.current)")
            if let s = result.speculation {
                printError("speculative (\(speculation.mode?.rawValue ?? "")): drafted \(s.drafted), accepted \(s.accepted) "
                    + "(\(fixed(s.acceptanceRate * 100, 1))%) in \(s.verifyPasses) verification passes")
            }
        }
    }
}
