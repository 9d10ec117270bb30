import ArgumentParser
import Foundation
import GGUF
import Inference
import ModelTools

extension Outpost {
    struct Quantize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a GGUF model with its weights in another type (llama.cpp's presets and rules).",
            discussion: "Types: \(QuantizationPreset.allCases.map(\.rawValue).joined(separator: ", ")) (Q3_K means Q3_K_M). Metadata and tokenizer are copied; tensors are dequantized to F32 and quantized with ggml's reference quantizers (no importance matrix).")

        @Option(help: "Input GGUF model (any type Outpost can dequantize).")
        var model: String

        @Option(help: "Output GGUF path.")
        var out: String

        @Option(help: "Target type or preset.")
        var type: String

        @Option(help: "Threads.")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Flag(help: "Print every tensor's type, not only the counts and the tensors the rules changed.")
        var verbose = false

        func validate() throws {
            guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("model file not found: \(model)") }
            guard threads >= 1, threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
            guard URL(fileURLWithPath: out).standardizedFileURL != URL(fileURLWithPath: model).standardizedFileURL else {
                throw ValidationError("--out must differ from --model")
            }
        }

        func run() throws {
            let preset: QuantizationPreset
            do { preset = try QuantizationPreset(name: type) } catch { throw CLIError(error.description) }
            Kernels.initialize(forceGeneric: false)
            let report: QuantizationReport
            do {
                report = try ModelQuantizer.quantize(input: model, output: out, preset: preset, threads: threads) { done, total, e in
                    let change = e.sourceType == e.targetType ? "copied" : "\(e.sourceType) -> \(e.targetType)"
                    printError("[\(done)/\(total)] \(e.name) \(e.dimensions) \(change)")
                }
            } catch {
                throw CLIError(error.description)
            }
            print(QuantizeSummary.recipe(report.recipe, verbose: verbose))
            print("input:  \(mib(report.inputFileBytes)) (\(model))")
            print("output: \(mib(report.outputFileBytes)) (\(out)), \(fixed(report.bitsPerWeight, 2)) bits per weight over \(report.parameterCount) parameters")
            print("time:   \(fixed(report.seconds, 1)) s on \(threads) threads")
        }
    }
}

/// Text of a recipe for the CLI: type counts, then the rule and fallback changes (grouped unless verbose).
enum QuantizeSummary {
    static func recipe(_ recipe: QuantizationRecipe, verbose: Bool) -> String {
        var lines = ["recipe \(recipe.preset.rawValue): " + recipe.typeCounts.map { "\($0.type) ×\($0.count)" }.joined(separator: ", ")]
        if verbose {
            for e in recipe.entries {
                lines.append("  \(e.name) \(e.dimensions): \(e.targetType)" + (e.note.map { "  (\($0))" } ?? ""))
            }
            return lines.joined(separator: "\n")
        }
        var groups: [(key: String, names: [String])] = []
        for e in recipe.entries {
            guard let note = e.note else { continue }
            let key = note == "rule" ? "\(e.targetType) by llama.cpp's rules" : note
            if let i = groups.firstIndex(where: { $0.key == key }) { groups[i].names.append(e.name) } else { groups.append((key, [e.name])) }
        }
        for g in groups {
            let shown = g.names.prefix(3).joined(separator: ", ") + (g.names.count > 3 ? ", …" : "")
            lines.append("  \(g.key): \(g.names.count) tensors (\(shown))")
        }
        return lines.joined(separator: "\n")
    }
}
