import Foundation
import Inference

/// What `outpost bench` measures.
public struct BenchmarkConfig: Sendable {
    public var promptTokens: Int = 512
    public var generateTokens: Int = 128
    public var repetitions: Int = 3
    public var seed: UInt64 = 1
    /// KV cache positions; nil for llama-bench's default, prompt + generated tokens.
    public var contextSize: Int?
    /// Sequences decoded together for the batched decode test (`tg128x4`); 1 skips it.
    public var sequences: Int = 1

    public init() {}
}

/// Mean and standard deviation of a series of samples.
public struct Stat: Sendable, Codable {
    public let mean: Double
    public let stddev: Double
    public let samples: [Double]

    public init(_ samples: [Double]) {
        self.samples = samples
        let m = samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
        let variance = samples.count > 1
            ? samples.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(samples.count - 1) : 0
        mean = m
        stddev = variance.squareRoot()
    }
}

/// One test of a benchmark run, named like llama-bench's (`pp512`, `tg128`).
public struct BenchmarkTest: Sendable, Codable {
    public let test: String
    public let n_prompt: Int
    public let n_gen: Int
    /// Tokens per second: mean and sample standard deviation over repetitions.
    public let avg_ts: Double
    public let stddev_ts: Double
    public let samples_ts: [Double]
}

/// Machine facts a benchmark figure only means something next to.
public struct MachineInfo: Sendable, Codable {
    public let cpu: String
    public let cores: Int
    public let isa: [String]
    public let os: String

    public static func current() -> MachineInfo {
        var cpu = "unknown"
        var flags: Set<String> = []
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                if parts[0] == "model name", cpu == "unknown" { cpu = parts[1] }
                if parts[0] == "flags" || parts[0] == "Features", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
            }
        }
        let interesting = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "asimd", "asimddp", "sve"]
        return MachineInfo(cpu: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
                           isa: interesting.filter { flags.contains($0) },
                           os: ProcessInfo.processInfo.operatingSystemVersionString)
    }
}

/// A benchmark report: the figures and how they were measured.
public struct BenchmarkReport: Sendable, Codable {
    public let model: String
    public let model_size_bytes: Int
    public let parameters: Int
    public let threads: Int
    /// KV cache positions (llama-bench's n_ctx) and element type.
    public let n_ctx: Int
    public let type_kv: String
    public let kernel_path: String
    public let machine: MachineInfo
    public let tests: [BenchmarkTest]
    /// Time from a fresh prefill's start to its first sampled token, for the pp prompt length (ms).
    public let ttft_ms: Stat
    public var peak_rss_bytes: Int
    public let method: String
}

/// Measures prefill and decode speed the way llama-bench does: `pp` runs a prompt of `promptTokens`
/// random tokens as one batch (chunked at the model's batch size) into an empty cache; `tg` generates
/// `generateTokens` tokens one at a time after a one-token prompt. Each repetition starts from an empty
/// cache; one untimed warm-up run precedes the timed ones.
public enum Benchmark {
    public static func run(engine: Engine, config: BenchmarkConfig, threads: Int,
                           progress: (String) -> Void = { _ in }) throws(EngineError) -> BenchmarkReport {
        let model = engine.model
        let vocab = model.hyperparameters.vocabularySize
        var rng = SplitMix(seed: config.seed)
        func randomTokens(_ n: Int) -> [TokenID] { (0..<n).map { _ in TokenID(rng.next() % UInt64(vocab)) } }
        // llama-bench's context: the prompt plus the generated tokens (so peak RSS compares like for like).
        let capacity = max(config.contextSize ?? (config.promptTokens + config.generateTokens),
                           config.promptTokens, config.generateTokens + 1)
        let cache: KVCache
        do { cache = try model.makeCache(capacity: capacity) } catch { throw .model(error) }

        var tests: [BenchmarkTest] = []
        var ttft: [Double] = []
        if config.promptTokens > 0 {
            var rates: [Double] = []
            for rep in 0...config.repetitions {
                let prompt = randomTokens(config.promptTokens)
                cache.reset()
                let t0 = DispatchTime.now().uptimeNanoseconds
                var logits: [Float]
                do { logits = try model.prefill(prompt, cache: cache) } catch { throw .model(error) }
                _ = greedy(logits[...])
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                if rep == 0 { continue }   // warm-up
                rates.append(Double(config.promptTokens) / seconds)
                ttft.append(seconds * 1000)
                progress("pp\(config.promptTokens) run \(rep): \(String(format: "%.1f", rates.last!)) tokens/s")
            }
            let s = Stat(rates)
            tests.append(BenchmarkTest(test: "pp\(config.promptTokens)", n_prompt: config.promptTokens, n_gen: 0,
                                       avg_ts: s.mean, stddev_ts: s.stddev, samples_ts: rates))
        }
        if config.generateTokens > 0 {
            var rates: [Double] = []
            for rep in 0...config.repetitions {
                cache.reset()
                var token = randomTokens(1)[0]
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<config.generateTokens {
                    do {
                        let hidden = try model.forward([token], cache: cache)
                        token = greedy(model.logits(hidden, rows: 0..<1)[...])
                    } catch {
                        throw .model(error)
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                if rep == 0 { continue }
                rates.append(Double(config.generateTokens) / seconds)
                progress("tg\(config.generateTokens) run \(rep): \(String(format: "%.1f", rates.last!)) tokens/s")
            }
            let s = Stat(rates)
            tests.append(BenchmarkTest(test: "tg\(config.generateTokens)", n_prompt: 0, n_gen: config.generateTokens,
                                       avg_ts: s.mean, stddev_ts: s.stddev, samples_ts: rates))
        }
        if config.generateTokens > 0 && config.sequences > 1 {
            // As a server decodes `sequences` streams: every step is one forward pass with one new token per
            // sequence (each its own cache), then logits and argmax for each row.
            let n = config.sequences
            var caches: [KVCache] = []
            for _ in 0..<n {
                do { caches.append(try model.makeCache(capacity: capacity)) } catch { throw .model(error) }
            }
            var rates: [Double] = []
            for rep in 0...config.repetitions {
                for c in caches { c.reset() }
                var tokens = randomTokens(n)
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<config.generateTokens {
                    do {
                        let hidden = try model.forward(zip(tokens, caches).map { BatchSegment(tokens: [$0], cache: $1) })
                        let logits = model.logits(hidden, rows: 0..<n)   // (n, vocab)
                        for s in 0..<n { tokens[s] = greedy(logits[(s * vocab)..<((s + 1) * vocab)]) }
                    } catch {
                        throw .model(error)
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                if rep == 0 { continue }
                rates.append(Double(config.generateTokens * n) / seconds)
                progress("tg\(config.generateTokens)x\(n) run \(rep): \(String(format: "%.1f", rates.last!)) tokens/s (all sequences)")
            }
            let s = Stat(rates)
            tests.append(BenchmarkTest(test: "tg\(config.generateTokens)x\(n)", n_prompt: 0, n_gen: config.generateTokens * n,
                                       avg_ts: s.mean, stddev_ts: s.stddev, samples_ts: rates))
        }
        return BenchmarkReport(
            model: engine.path, model_size_bytes: engine.file.fileSize,
            parameters: engine.file.tensors.reduce(0) { $0 + $1.elementCount },
            threads: threads, n_ctx: capacity, type_kv: cache.type.rawValue, kernel_path: "\(Kernels.current)", machine: .current(), tests: tests,
            ttft_ms: Stat(ttft), peak_rss_bytes: 0,
            method: "llama-bench style: random tokens, one warm-up run then \(config.repetitions) timed repetitions from an empty cache; pp = one batched prefill (chunks of \(model.options.maxBatch)) including the last token's logits; tg = greedy single-token decode steps including logits and argmax; tgNxS = S sequences (own caches) decoded together, one forward pass per step, tokens/s summed over the sequences; tokens/s mean ± sample stddev")
    }
}

/// The greedy pick of one row of logits (first of equal maxima), as the tests include it in their time.
private func greedy(_ row: ArraySlice<Float>) -> TokenID {
    var best = row.startIndex
    for i in row.indices where row[i] > row[best] { best = i }
    return TokenID(best - row.startIndex)
}

/// Deterministic random token ids for benchmarks.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
