import Bench
import Foundation
import GGUF
import Inference

/// One rung of a ladder of quantized variants, measured on this machine.
public struct VariantMeasurement: Sendable, Codable, Equatable {
    public var type: String
    public var fileBytes: Int
    public var bitsPerWeight: Double
    /// `MemoryEstimate.totalBytes` at the report's `memoryContext`.
    public var memoryBytes: Int
    public var prefillTokensPerSecond: Double
    public var decodeTokensPerSecond: Double
    public var perplexity: Double
    public var klMean: Double
    public var klMedian: Double
    public var klP99: Double
    public var sameTopTokenRate: Double

    public init(type: String, fileBytes: Int, bitsPerWeight: Double, memoryBytes: Int, prefillTokensPerSecond: Double,
                decodeTokensPerSecond: Double, perplexity: Double, klMean: Double, klMedian: Double, klP99: Double,
                sameTopTokenRate: Double) {
        self.type = type
        self.fileBytes = fileBytes
        self.bitsPerWeight = bitsPerWeight
        self.memoryBytes = memoryBytes
        self.prefillTokensPerSecond = prefillTokensPerSecond
        self.decodeTokensPerSecond = decodeTokensPerSecond
        self.perplexity = perplexity
        self.klMean = klMean
        self.klMedian = klMedian
        self.klP99 = klP99
        self.sameTopTokenRate = sameTopTokenRate
    }
}

/// A ladder of variants against one reference.
public struct VariantLadderReport: Sendable, Codable, Equatable {
    public var reference: String
    public var referenceFileBytes: Int
    public var referencePerplexity: Double
    /// Context of the perplexity and KL chunks.
    public var contextSize: Int
    /// Context the memory column is computed at.
    public var memoryContext: Int
    public var threads: Int
    public var kernels: String
    public var method: String
    public var variants: [VariantMeasurement]

    public init(reference: String, referenceFileBytes: Int, referencePerplexity: Double, contextSize: Int, memoryContext: Int,
                threads: Int, kernels: String, method: String, variants: [VariantMeasurement]) {
        self.reference = reference
        self.referenceFileBytes = referenceFileBytes
        self.referencePerplexity = referencePerplexity
        self.contextSize = contextSize
        self.memoryContext = memoryContext
        self.threads = threads
        self.kernels = kernels
        self.method = method
        self.variants = variants
    }
}

public enum VariantError: Error, CustomStringConvertible {
    case quantize(QuantizeError)
    case engine(EngineError)
    case invalid(String)

    public var description: String {
        switch self {
        case .quantize(let e): return e.description
        case .engine(let e): return e.description
        case .invalid(let m): return m
        }
    }
}

/// Builds each variant of a reference model into a directory, then measures its size, memory, speed
/// (llama-bench's pp/tg method, `Benchmark`) and quality against the reference (`Quality.compare`).
public enum VariantLadder {
    public struct Options: Sendable {
        public var types: [QuantizationPreset]
        public var contextSize = 512
        public var memoryContext = 4096
        public var threads = 2
        public var promptTokens = 128
        public var generateTokens = 32
        public var repetitions = 2
        /// Where the variants are written (kept afterwards).
        public var directory: String

        public init(types: [QuantizationPreset], directory: String) {
            self.types = types
            self.directory = directory
        }
    }

    public static func run(reference: String, text: String, options o: Options,
                           progress: (String) -> Void = { _ in }) throws(VariantError) -> VariantLadderReport {
        guard !o.types.isEmpty else { throw .invalid("give at least one type with --types") }
        let modelOptions = ModelOptions(threads: o.threads, maxBatch: min(512, o.contextSize))
        let ref: Engine
        do { ref = try Engine(path: reference, options: modelOptions) } catch { throw .engine(error) }
        var rows: [VariantMeasurement] = []
        var referencePPL = Double.nan
        let stem = URL(fileURLWithPath: reference).deletingPathExtension().lastPathComponent
        for preset in o.types {
            let path = URL(fileURLWithPath: o.directory).appendingPathComponent("\(stem).\(preset.rawValue).gguf").path
            progress("\(preset.rawValue): quantizing to \(path)")
            let q: QuantizationReport
            do { q = try ModelQuantizer.quantize(input: reference, output: path, preset: preset, threads: o.threads) } catch { throw .quantize(error) }
            let engine: Engine
            do { engine = try Engine(path: path, options: modelOptions) } catch { throw .engine(error) }
            progress("\(preset.rawValue): perplexity and KL divergence")
            let quality: QualityComparison
            do { quality = try Quality.compare(reference: ref, candidate: engine, text: text, contextSize: o.contextSize) } catch { throw .engine(error) }
            referencePPL = quality.referencePerplexity
            progress("\(preset.rawValue): speed")
            var config = BenchmarkConfig()
            config.promptTokens = o.promptTokens
            config.generateTokens = o.generateTokens
            config.repetitions = o.repetitions
            let bench: BenchmarkReport
            do { bench = try Benchmark.run(engine: engine, config: config, threads: o.threads) } catch { throw .engine(error) }
            let memory: MemoryEstimate
            do { memory = try MemoryEstimate(file: engine.file, contextSize: o.memoryContext) } catch { throw .engine(.model(error)) }
            rows.append(VariantMeasurement(
                type: preset.rawValue, fileBytes: q.outputFileBytes, bitsPerWeight: q.bitsPerWeight, memoryBytes: memory.totalBytes,
                prefillTokensPerSecond: bench.tests.first { $0.n_prompt > 0 }?.avg_ts ?? 0,
                decodeTokensPerSecond: bench.tests.first { $0.n_gen > 0 }?.avg_ts ?? 0,
                perplexity: quality.candidatePerplexity, klMean: quality.klMean, klMedian: quality.klMedian,
                klP99: quality.klP99, sameTopTokenRate: quality.sameTopTokenRate))
        }
        let method = "perplexity and KL(reference ‖ variant) over chunks of \(o.contextSize) tokens (second half scored); "
            + "speed as llama-bench pp\(o.promptTokens)/tg\(o.generateTokens), mean of \(o.repetitions) runs after a warm-up; "
            + "memory = weights + F16 KV cache + scratch + process at \(o.memoryContext) tokens"
        return VariantLadderReport(reference: reference, referenceFileBytes: ref.file.fileSize, referencePerplexity: referencePPL,
                                   contextSize: o.contextSize, memoryContext: o.memoryContext, threads: o.threads,
                                   kernels: Kernels.current.description, method: method, variants: rows)
    }
}
