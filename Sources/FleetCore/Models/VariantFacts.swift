import Foundation
import GGUF
import Inference

/// What the control plane knows about one published model variant (one GGUF file).
public struct VariantFacts: Codable, Sendable, Equatable {
    /// Contexts at which `read` records the memory estimate.
    public static let standardContexts = [512, 2048, 4096, 8192]

    /// Model name, e.g. "smollm2-135m-instruct".
    public var name: String
    public var version: String
    public var fileName: String
    public var sizeBytes: Int64
    /// Lower-case hex sha256 of the file.
    public var sha256: String
    /// llama.cpp file type name, e.g. "Q4_1", "Q4_K_M".
    public var quantization: String
    public var parameterCount: Int64
    /// Estimated resident bytes when running at each context size (weights + KV cache + scratch + runtime).
    public var memoryByContext: [Int: Int64]
    /// CPU features a device must report to run this variant; empty when the portable kernels suffice.
    public var requiredFeatures: [String]
    /// Perplexity on the publisher's quality text, lower is better.
    public var perplexity: Double?
    /// Mean KL divergence of the token distributions against the named reference variant.
    public var klDivergence: Double?

    public init(name: String, version: String, fileName: String, sizeBytes: Int64, sha256: String, quantization: String,
                parameterCount: Int64, memoryByContext: [Int: Int64], requiredFeatures: [String] = [],
                perplexity: Double? = nil, klDivergence: Double? = nil) {
        self.name = name
        self.version = version
        self.fileName = fileName
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.quantization = quantization
        self.parameterCount = parameterCount
        self.memoryByContext = memoryByContext
        self.requiredFeatures = requiredFeatures
        self.perplexity = perplexity
        self.klDivergence = klDivergence
    }

    /// Facts from the GGUF file at `url`: its metadata, its sha256 (streamed), and Inference's memory
    /// estimate (F16 KV cache, batch 512) at each of `standardContexts`. Every quantization Outpost loads
    /// has a portable kernel, so no CPU feature is required unless the caller names some.
    public static func read(modelAt url: URL, name: String, version: String, requiredFeatures: [String] = [],
                            perplexity: Double? = nil, klDivergence: Double? = nil) throws(VariantFactsError) -> VariantFacts {
        let file: GGUFFile
        do { file = try GGUFFile(path: url.path) } catch { throw .notAModel(path: url.path, reason: error.description) }
        var memory: [Int: Int64] = [:]
        for ctx in standardContexts {
            do { memory[ctx] = Int64(try MemoryEstimate(file: file, contextSize: ctx).totalBytes) } catch {
                throw .notAModel(path: url.path, reason: error.description)
            }
        }
        let digest: (hex: String, sizeBytes: Int64)
        do { digest = try FileDigest.sha256(of: url) } catch { throw .unreadable(path: url.path, reason: error.description) }
        let parameters = file.tensors.reduce(Int64(0)) { $0 + Int64($1.elementCount) }
        return VariantFacts(name: name, version: version, fileName: url.lastPathComponent, sizeBytes: digest.sizeBytes,
                            sha256: digest.hex, quantization: quantizationName(of: file), parameterCount: parameters,
                            memoryByContext: memory, requiredFeatures: requiredFeatures,
                            perplexity: perplexity, klDivergence: klDivergence)
    }

    /// The quantization name and parameter count of a GGUF file, or nil when it is not one.
    public static func ggufSummary(at url: URL) -> (quantization: String, parameterCount: Int64)? {
        guard let file = try? GGUFFile(path: url.path) else { return nil }
        return (quantizationName(of: file), file.tensors.reduce(Int64(0)) { $0 + Int64($1.elementCount) })
    }

    /// llama.cpp's name for `general.file_type`, else the tensor type holding the most bytes.
    static func quantizationName(of file: GGUFFile) -> String {
        if let ftype = file["general.file_type"]?.int, let name = fileTypeNames[ftype] { return name }
        var bytes: [GGMLType: Int] = [:]
        for t in file.tensors { bytes[t.type, default: 0] += t.byteCount }
        return bytes.max { $0.value < $1.value }?.key.description.uppercased() ?? "unknown"
    }

    /// llama.cpp's `llama_ftype` values (llama.h) and their names.
    static let fileTypeNames: [Int: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
        11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M",
        18: "Q6_K", 32: "BF16",
    ]

    /// Estimated bytes at `contextSize`: the recorded figure, or the line through the two nearest
    /// recorded contexts ≥ 512 (exact, as the estimate is affine in the context once the batch is full),
    /// or the smallest recorded figure above a context below all of them. Nil when it cannot be derived.
    public func memoryBytes(contextSize: Int) -> Int64? {
        if let exact = memoryByContext[contextSize] { return exact > 0 ? exact : nil }
        let points = memoryByContext.filter { $0.key >= 512 && $0.value > 0 }.sorted { $0.key < $1.key }
        guard let first = points.first else { return nil }
        if contextSize < first.key { return first.value }
        guard points.count >= 2 else { return nil }
        // The bracketing pair, or the last two for a context beyond all of them.
        let upper = points.firstIndex { $0.key > contextSize } ?? points.count - 1
        let (a, b) = (points[upper - 1], points[upper])
        let slope = Double(b.value - a.value) / Double(b.key - a.key)
        let value = Double(a.value) + slope * Double(contextSize - a.key)
        guard value.isFinite, value > 0, value < 9e18 else { return nil }
        return Int64(value.rounded(.up))
    }
}

/// Why a model file's facts could not be read.
public enum VariantFactsError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAModel(path: String, reason: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAModel(let path, let reason): return "\(path) is not a model Outpost can run: \(reason)"
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        }
    }
}
