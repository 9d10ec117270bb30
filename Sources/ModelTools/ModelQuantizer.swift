import CKernels
import Dispatch
import Foundation
import GGUF
import Inference

/// What `ModelQuantizer.quantize` wrote.
public struct QuantizationReport: Sendable {
    public let recipe: QuantizationRecipe
    public let inputFileBytes: Int
    public let outputFileBytes: Int
    /// Elements of all tensors.
    public let parameterCount: Int
    /// Bytes of all tensor data in the output.
    public let tensorBytes: Int
    public let seconds: Double

    /// Bits per weight over all tensors (norms and embeddings included), as llama.cpp's loader prints it.
    public var bitsPerWeight: Double { parameterCount > 0 ? Double(tensorBytes * 8) / Double(parameterCount) : 0 }
}

/// Rewrites a GGUF model with its weights in another type: every metadata key (tokenizer and chat
/// template included) is copied, `general.file_type` and `general.quantization_version` are set, and each
/// tensor is dequantized to F32 and quantized with ggml's reference quantizers (no importance matrix),
/// which write the same bytes as `llama-quantize`.
public enum ModelQuantizer {
    /// The recipe `preset` gives the model in `file`, without converting anything.
    public static func recipe(for file: GGUFFile, preset: QuantizationPreset) -> QuantizationRecipe {
        let arch = file.architecture ?? ""
        let heads = file["\(arch).attention.head_count"]?.int ?? 1
        let kvHeads = file["\(arch).attention.head_count_kv"]?.int ?? heads
        return QuantizationRecipe(preset: preset, tensors: file.tensors, headCount: heads, headCountKV: kvHeads)
    }

    /// Quantizes `input` to `output` (written atomically). `progress(done, total, entry)` follows each tensor.
    public static func quantize(
        input: String, output: String, preset: QuantizationPreset, threads: Int = 2,
        progress: (Int, Int, QuantizationRecipe.Entry) -> Void = { _, _, _ in }
    ) throws(QuantizeError) -> QuantizationReport {
        let start = DispatchTime.now().uptimeNanoseconds
        let file: GGUFFile
        do { file = try GGUFFile(path: input) } catch { throw .file("cannot read \(input): \(error.description)") }
        let recipe = recipe(for: file, preset: preset)
        for e in recipe.entries where e.sourceType != e.targetType {
            guard Kernels.convertibleTypes.contains(e.sourceType) else { throw .unsupportedSource(tensor: e.name, type: e.sourceType) }
        }
        var writer = GGUFWriter(version: 3, alignment: file.alignment)
        for key in file.metadataKeys where key != "general.file_type" && key != "general.quantization_version" {
            if let value = file[key] { writer.set(key, value) }
        }
        writer.set("general.quantization_version", .uint32(2))
        writer.set("general.file_type", .uint32(preset.fileType))
        var parameters = 0, tensorBytes = 0
        for (i, entry) in recipe.entries.enumerated() {
            guard let info = file.tensor(named: entry.name) else { throw .file("tensor '\(entry.name)' vanished from \(input)") }
            let data = try convert(file.data(for: info), info: info, to: entry.targetType, threads: threads)
            do { try writer.addTensor(name: info.name, dimensions: info.dimensions, type: entry.targetType, data: data) } catch {
                throw .file("cannot add tensor '\(info.name)': \(error.description)")
            }
            parameters += info.elementCount
            tensorBytes += data.count
            progress(i + 1, recipe.entries.count, entry)
        }
        do { try writer.write(to: output) } catch { throw .file("cannot write \(output): \(error.description)") }
        let outSize = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        return QuantizationReport(
            recipe: recipe, inputFileBytes: file.fileSize, outputFileBytes: outSize, parameterCount: parameters,
            tensorBytes: tensorBytes, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// `source` (`info.dimensions` of `info.type`) as `type`: copied when the types match, else each row
    /// dequantized to F32 and quantized, rows split over `threads`.
    static func convert(_ source: UnsafeRawBufferPointer, info: GGUFTensorInfo, to type: GGMLType,
                        threads: Int) throws(QuantizeError) -> [UInt8] {
        if info.type == type { return Array(source) }
        let rowLength = info.dimensions[0]
        let rows = info.rowCount
        let inRow: Int, outRow: Int
        do {
            inRow = try Kernels.rowSize(type: info.type, count: rowLength)
            outRow = try Kernels.rowSize(type: type, count: rowLength)
        } catch {
            throw .quant(error)
        }
        guard source.count >= inRow * rows, let base = source.baseAddress else {
            throw .file("tensor '\(info.name)' holds \(source.count) bytes, fewer than its \(rows) rows need")
        }
        var out = [UInt8](repeating: 0, count: outRow * rows)
        let workers = max(1, min(threads, rows))
        let inType = Int32(info.type.rawValue), outType = Int32(type.rawValue)
        out.withUnsafeMutableBytes { dst in
            let dstBase = UnsafeMutableRawPointer(mutating: dst.baseAddress!)
            let dstAddress = Int(bitPattern: dstBase), srcAddress = Int(bitPattern: base)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = rows * w / workers, hi = rows * (w + 1) / workers
                var row = [Float](repeating: 0, count: rowLength)  // (rowLength) one row in F32
                row.withUnsafeMutableBufferPointer { f in
                    for r in lo..<hi {
                        ok_dequantize_row(inType, UnsafeRawPointer(bitPattern: srcAddress + r * inRow), f.baseAddress!, Int64(rowLength))
                        ok_quantize_row(outType, f.baseAddress!, UnsafeMutableRawPointer(bitPattern: dstAddress + r * outRow), Int64(rowLength))
                    }
                }
            }
        }
        return out
    }
}
