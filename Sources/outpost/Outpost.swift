import ArgumentParser
import Foundation
import Inference

@main
struct Outpost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost",
        abstract: "Edge inference platform for generative AI.",
        subcommands: [Run.self, Serve.self, Route.self, Inspect.self, PerplexityCommand.self, Check.self, BenchCommand.self, Logits.self,
                      Quantize.self, QualityCommand.self, Variants.self, PlanCommand.self,
                      Keygen.self, Sign.self, Verify.self, Fleet.self, AgentCommand.self]
    )
}

/// Options every command that loads a model shares.
struct ModelOptionGroup: ParsableArguments {
    @Option(name: .long, help: "Path to a GGUF model file.")
    var model: String

    @Option(name: .long, help: "Compute threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Context size in tokens (KV cache positions). Default: 4096 for run and check, 512 for perplexity, prompt + generated tokens for bench (as llama-bench).")
    var ctx: Int?

    /// The context size: `--ctx` if given, else the command's default.
    func contextSize(default value: Int = 4096) -> Int { ctx ?? value }

    @Option(name: .customLong("kv-type"), help: "KV cache element type: f16 (default, as llama.cpp) or f32.")
    var kvType: KVCacheType = .f16

    @Flag(name: .long, help: "Use the portable kernels instead of the CPU's SIMD path.")
    var generic = false

    @Flag(name: .customLong("batch-invariant"), help: "Compute every row as a one-token pass would: output independent of batching and prompt chunking (slower prefill).")
    var batchInvariant = false

    func validate() throws {
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
        if let ctx, !(1...(1 << 20)).contains(ctx) { throw ValidationError("--ctx must be between 1 and 1048576") }
        guard FileManager.default.fileExists(atPath: model) else {
            throw ValidationError("model file not found: \(model) (run scripts/fetch-models to get the reference models)")
        }
    }

    func modelOptions(contextSize: Int) -> ModelOptions {
        ModelOptions(threads: threads, maxBatch: min(512, contextSize), kvCacheType: kvType, batchInvariant: batchInvariant)
    }

    /// Initialises the kernels and loads the engine for `contextSize`, turning failures into a clean exit.
    func loadEngine(contextSize: Int, chatTemplate: String? = nil) throws -> Engine {
        Kernels.initialize(forceGeneric: generic || ProcessInfo.processInfo.environment["OUTPOST_GENERIC_KERNELS"] == "1")
        do {
            return try Engine(path: model, options: modelOptions(contextSize: contextSize), chatTemplate: chatTemplate)
        } catch {
            throw CLIError(error.description)
        }
    }
}

/// An error the CLI reports as `error: message` with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Writes to standard error without buffering surprises.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `x` with `digits` decimals.
func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

extension KVCacheType: ExpressibleByArgument {}
