import ArgumentParser
import Bench
import Foundation
import Inference

extension Outpost.BenchCommand {
    /// `--speculative`: plain against speculative greedy decoding on the extraction workload.
    func runSpeculative() throws {
        let engine = try common.loadEngine(contextSize: common.contextSize())
        guard let spec = try speculation.configuration(options: common.modelOptions(contextSize: common.contextSize())) else { return }
        let report: SpeculativeBenchmarkReport
        do {
            let prompt = try ExtractionWorkload.promptTokens(engine)
            report = try SpeculativeBenchmark.run(
                engine: engine, speculation: spec, prompt: prompt, maxTokens: generateTokens, repetitions: repetitions,
                contextSize: max(common.contextSize(default: 2048), prompt.count + generateTokens + 1),
                workload: "extraction (work order + 16 fields as JSON)") { printError($0) }
        } catch {
            throw CLIError(error.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let name = URL(fileURLWithPath: engine.path).lastPathComponent
        print("model: \(name); speculative \(report.mode)\(report.draft_model.map { " (draft \(URL(fileURLWithPath: $0).lastPathComponent))" } ?? ""), draft-max \(report.draft_max); threads \(common.threads); kernels \(Kernels.current)")
        print("workload: \(report.workload), \(report.prompt_tokens) prompt tokens, \(report.generated_tokens) generated")
        print("plain        \(fixed(report.plain_median_ts, 2)) tokens/s (median)")
        print("speculative  \(fixed(report.speculative_median_ts, 2)) tokens/s (median)")
        print("speedup      \(fixed(report.speedup, 2))x; acceptance \(fixed(report.acceptance_rate * 100, 1))% (\(report.accepted_tokens)/\(report.drafted_tokens)); \(fixed(report.tokens_per_pass, 2)) tokens per target pass; identical output: \(report.identical_output)")
        print("method: \(report.method)")
    }

    /// `--duration`: the sustained-load run.
    func runSustained() throws {
        guard let durationText = duration, let seconds = SustainedStatistics.parseDuration(durationText),
              let windowSeconds = SustainedStatistics.parseDuration(window) else { return }
        let engine = try common.loadEngine(contextSize: common.contextSize())
        let report: SustainedReport
        do {
            report = try SustainedBenchmark.run(engine: engine, duration: seconds, window: windowSeconds,
                                                tokens: generateTokens, threads: common.threads) { printError($0) }
        } catch {
            throw CLIError(error.description)
        }
        if let svg {
            do { try SustainedChart.svg(report).write(toFile: svg, atomically: true, encoding: .utf8) } catch {
                throw CLIError("cannot write \(svg): \(error.localizedDescription)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let name = URL(fileURLWithPath: engine.path).lastPathComponent
        print("model: \(name); sustained \(fixed(report.duration_s, 0)) s in \(fixed(report.window_s, 0)) s windows; threads \(report.threads); kernels \(report.kernel_path)")
        print("machine: \(report.machine.cpu), \(report.machine.cores) cores")
        print("window  seconds      tokens/s")
        for w in report.windows {
            print("\(String(w.index + 1).padding(toLength: 7, withPad: " ", startingAt: 0)) \((fixed(w.start_s, 0) + "-" + fixed(w.end_s, 0)).padding(toLength: 12, withPad: " ", startingAt: 0)) \(fixed(w.tokens_per_second, 1))")
        }
        print("generations: \(report.generations) of \(report.tokens_per_generation) tokens; overall \(fixed(report.overall_tokens_per_second, 1)) tokens/s")
        print("latency per generation: p50 \(fixed(report.latency.p50_ms, 0)) ms, p95 \(fixed(report.latency.p95_ms, 0)) ms, p99 \(fixed(report.latency.p99_ms, 0)) ms")
        print("degradation first -> last window: \(fixed(report.degradation_percent, 1))% (positive = slower)")
        if let svg { print("chart: \(svg)") }
        print("method: \(report.method)")
    }
}
