import ArgumentParser
import Bench
import Foundation
import Inference

extension Outpost {
    struct BenchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Measure prefill and decode tokens/s, time to first token and peak memory.",
            discussion: "Figures are named like llama-bench's (pp512, tg128, avg_ts, stddev_ts) and printed with the machine, threads and kernel path they were measured on.")

        @OptionGroup var common: ModelOptionGroup

        @Option(name: [.customShort("p"), .customLong("n-prompt")], help: "Prompt tokens for the prefill test (0 skips it).")
        var promptTokens: Int = 512

        @Option(name: [.customShort("n"), .customLong("n-gen")], help: "Tokens for the decode test (0 skips it).")
        var generateTokens: Int = 128

        @Option(help: "Timed repetitions of each test (after one warm-up).")
        var repetitions: Int = 3

        @Option(help: "Also decode this many sequences together, one forward pass per step (tgNxS, as a server's continuous batching does; llama-batched-bench's figure).")
        var sequences: Int = 1

        @Flag(help: "Print JSON.")
        var json = false

        @Flag(help: "Print a markdown table.")
        var markdown = false

        @OptionGroup var speculation: SpeculationOptionGroup

        @Option(help: "Sustained-load run: back-to-back generations for this long (e.g. 90s, 5m), reported per window.")
        var duration: String?

        @Option(help: "Window of the sustained run (e.g. 30s).")
        var window: String = "30s"

        @Option(help: "Write the sustained run's chart (tokens/s per window) to this SVG file.")
        var svg: String?

        func validate() throws {
            guard promptTokens >= 0, generateTokens >= 0, promptTokens + generateTokens > 0 else {
                throw ValidationError("-p and -n must be non-negative and not both 0")
            }
            guard repetitions >= 1, repetitions <= 100 else { throw ValidationError("--repetitions must be 1...100") }
            guard sequences >= 1, sequences <= 64 else { throw ValidationError("--sequences must be 1...64") }
            guard !(json && markdown) else { throw ValidationError("choose one of --json and --markdown") }
            if let duration {
                guard let d = SustainedStatistics.parseDuration(duration) else {
                    throw ValidationError("--duration: cannot read '\(duration)' (use e.g. 90s, 5m, 1h)")
                }
                guard let w = SustainedStatistics.parseDuration(window), w <= d else {
                    throw ValidationError("--window: cannot read '\(window)' or it is longer than --duration")
                }
                guard speculation.mode == nil else { throw ValidationError("--duration and --speculative are separate runs") }
                guard generateTokens > 0 else { throw ValidationError("--duration needs -n > 0 tokens per generation") }
            } else if svg != nil {
                throw ValidationError("--svg goes with --duration")
            }
        }

        func run() throws {
            if duration != nil { return try runSustained() }
            if speculation.mode != nil { return try runSpeculative() }
            // llama-bench's context: room for the prompt and the generated tokens.
            let ctx = max(common.contextSize(default: promptTokens + generateTokens), promptTokens, generateTokens + 1)
            let engine = try common.loadEngine(contextSize: ctx)
            var config = BenchmarkConfig()
            config.promptTokens = promptTokens
            config.generateTokens = generateTokens
            config.repetitions = repetitions
            config.contextSize = ctx
            config.sequences = sequences
            var report: BenchmarkReport
            do {
                report = try Benchmark.run(engine: engine, config: config, threads: common.threads) { printError($0) }
            } catch {
                throw CLIError(error.description)
            }
            report.peak_rss_bytes = ProcessMemory.peakResidentBytes()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            let name = URL(fileURLWithPath: report.model).lastPathComponent
            if markdown {
                print("| model | size | threads | kernels | test | t/s |")
                print("|---|---|---|---|---|---|")
                for t in report.tests {
                    print("| \(name) | \(mib(report.model_size_bytes)) | \(report.threads) | \(report.kernel_path) | \(t.test) | \(fixed(t.avg_ts, 2)) ± \(fixed(t.stddev_ts, 2)) |")
                }
            } else {
                print("model: \(name) (\(mib(report.model_size_bytes)), \(fixed(Double(report.parameters) / 1e6, 1)) M parameters)")
                print("machine: \(report.machine.cpu), \(report.machine.cores) cores, ISA \(report.machine.isa.joined(separator: " ")); threads \(report.threads); ctx \(report.n_ctx) (KV \(report.type_kv)); kernels \(report.kernel_path)")
                for t in report.tests {
                    print("\(t.test.padding(toLength: 8, withPad: " ", startingAt: 0)) \(fixed(t.avg_ts, 2)) ± \(fixed(t.stddev_ts, 2)) tokens/s")
                }
            }
            if !json {
                if !report.ttft_ms.samples.isEmpty {
                    print("time to first token (pp\(promptTokens)): \(fixed(report.ttft_ms.mean, 1)) ± \(fixed(report.ttft_ms.stddev, 1)) ms")
                }
                print("peak RSS: \(mib(report.peak_rss_bytes))")
                print("method: \(report.method)")
            }
        }
    }
}
