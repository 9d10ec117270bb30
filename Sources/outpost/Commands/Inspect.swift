import ArgumentParser
import Foundation
import GGUF
import Inference

extension Outpost {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a model's metadata, tensor types, parameter count and memory estimate.")

        @Option(help: "Path to a GGUF model file.")
        var model: String

        @Option(help: "Context size for the memory estimate.")
        var ctx: Int = 4096

        @Option(name: .customLong("kv-type"), help: "KV cache element type for the estimate: f16 or f32.")
        var kvType: KVCacheType = .f16

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let file: GGUFFile
            do { file = try GGUFFile(path: model) } catch { throw CLIError(error.description) }
            let estimate: MemoryEstimate
            do { estimate = try MemoryEstimate(file: file, contextSize: ctx, kvCacheType: kvType) } catch { throw CLIError(error.description) }
            var histogram: [GGMLType: (count: Int, bytes: Int, elements: Int)] = [:]
            for t in file.tensors {
                let e = histogram[t.type] ?? (0, 0, 0)
                histogram[t.type] = (e.count + 1, e.bytes + t.byteCount, e.elements + t.elementCount)
            }
            let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
            let types = histogram.sorted { $0.value.bytes > $1.value.bytes }
            if json {
                var meta: [String: Any] = [:]
                for key in file.metadataKeys { meta[key] = file[key].map(Self.jsonValue) }
                let object: [String: Any] = [
                    "path": model, "version": file.version, "architecture": file.architecture ?? NSNull(),
                    "metadata": meta, "tensor_count": file.tensors.count, "parameters": parameters,
                    "tensor_types": types.map { ["type": $0.key.description, "tensors": $0.value.count, "bytes": $0.value.bytes, "elements": $0.value.elements] },
                    "memory": ["context": ctx, "weights_bytes": estimate.weightBytes, "kv_cache_bytes": estimate.kvCacheBytes,
                               "scratch_bytes": estimate.scratchBytes, "overhead_bytes": estimate.overheadBytes,
                               "total_bytes": estimate.totalBytes],
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("file: \(model) (GGUF v\(file.version), \(mib(file.fileSize)))")
            print("metadata:")
            for key in file.metadataKeys {
                guard let value = file[key] else { continue }
                print("  \(key) = \(Self.summary(value))")
            }
            print("tensors: \(file.tensors.count), parameters: \(parameters) (\(fixed(Double(parameters) / 1e6, 1)) M)")
            for (type, e) in types {
                print("  \(type.description.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(e.count).leftPad(4)) tensors  \(mib(e.bytes).leftPad(10))  \(fixed(Double(e.bytes * 8) / Double(max(e.elements, 1)), 2)) bits/weight")
            }
            print("memory estimate at ctx \(ctx): \(mib(estimate.totalBytes)) = weights \(mib(estimate.weightBytes)) + KV cache \(mib(estimate.kvCacheBytes)) + scratch \(mib(estimate.scratchBytes)) + runtime \(mib(estimate.overheadBytes))")
        }

        static func summary(_ value: GGUFValue) -> String {
            switch value {
            case .string(let s): return s.count > 120 ? "\(String(s.prefix(117)).debugDescription)… (\(s.utf8.count) bytes)" : s.debugDescription
            case .array(let type, let items):
                if items.count > 8 { return "[\(type)] × \(items.count)" }
                return "[" + items.map(summary).joined(separator: ", ") + "]"
            default:
                return "\(jsonValue(value))"
            }
        }

        static func jsonValue(_ value: GGUFValue) -> Any {
            switch value {
            case .string(let s): return s
            case .bool(let b): return b
            case .float32(let f): return Double(f)
            case .float64(let d): return d
            case .array(_, let items): return items.map(jsonValue)
            default: return value.int ?? NSNull()
            }
        }
    }
}

func mib(_ bytes: Int) -> String { "\(fixed(Double(bytes) / 1_048_576, 1)) MiB" }

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
