import ArgumentParser
import Foundation
import Inference
import ModelTools

extension Outpost {
    struct Variants: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a ladder of quantized variants and measure size, memory, speed and quality against the reference.",
            discussion: "Prints a markdown table (or JSON with --json) and writes an SVG chart of quality against size.")

        @Option(help: "The reference model the variants are made from and compared with.")
        var model: String

        @Option(help: "A UTF-8 text file for perplexity and KL divergence.")
        var file: String

        @Option(help: "Comma-separated types, e.g. Q8_0,Q6_K,Q4_K_M,Q4_0.")
        var types: String = "Q8_0,Q5_0,Q4_K_M,Q4_0"

        @Option(help: "Context of the perplexity chunks.")
        var ctx: Int = 512

        @Option(name: .customLong("memory-ctx"), help: "Context the memory column is computed at.")
        var memoryContext: Int = 4096

        @Option(help: "Directory the variants are written to (default: a new temporary directory).")
        var dir: String?

        @Option(help: "Where to write the SVG chart.")
        var svg: String = "variants.svg"

        @Option(help: "Threads.")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Timed repetitions of each speed test.")
        var repetitions: Int = 2

        @Flag(help: "Print JSON instead of the markdown table.")
        var json = false

        func validate() throws {
            guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("model file not found: \(model)") }
            guard (8...(1 << 20)).contains(ctx) else { throw ValidationError("--ctx must be between 8 and 1048576") }
            guard (1...(1 << 20)).contains(memoryContext) else { throw ValidationError("--memory-ctx must be between 1 and 1048576") }
            guard threads >= 1, threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
            guard (1...100).contains(repetitions) else { throw ValidationError("--repetitions must be 1...100") }
        }

        func run() throws {
            let text = try readText(file)
            var presets: [QuantizationPreset] = []
            for name in types.split(separator: ",") {
                do { presets.append(try QuantizationPreset(name: name.trimmingCharacters(in: .whitespaces))) } catch { throw CLIError(error.description) }
            }
            let directory = dir ?? (NSTemporaryDirectory() + "outpost-variants-\(ProcessInfo.processInfo.processIdentifier)")
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw CLIError("cannot create \(directory): \(error.localizedDescription)")
            }
            Kernels.initialize(forceGeneric: false)
            var options = VariantLadder.Options(types: presets, directory: directory)
            options.contextSize = ctx
            options.memoryContext = memoryContext
            options.threads = threads
            options.repetitions = repetitions
            let report: VariantLadderReport
            do { report = try VariantLadder.run(reference: model, text: text, options: options) { printError($0) } } catch {
                throw CLIError(error.description)
            }
            do { try report.svg.write(toFile: svg, atomically: true, encoding: .utf8) } catch {
                throw CLIError("cannot write \(svg): \(error.localizedDescription)")
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.markdown)
            }
            printError("variants in \(directory); chart in \(svg)")
        }
    }
}
