import CKernels
import GGUF

/// Checked, allocating conveniences over the C kernels. Hot loops should call the C API directly on
/// buffers validated once (see `Kernels.rowSize`).
extension Kernels {
    /// Bytes that `count` elements of `type` occupy.
    /// - Throws: `QuantError.unsupportedType` or `.badLength`.
    public static func rowSize(type: GGMLType, count: Int) throws(QuantError) -> Int {
        try validate(type, count: count, supported: convertibleTypes)
        return Int(ok_row_size(Int32(type.rawValue), Int64(count)))
    }

    /// Dequantizes `count` elements of `type` stored at `src`, which must hold `rowSize(type:count:)` bytes.
    public static func dequantize(type: GGMLType, src: UnsafeRawPointer, count: Int) throws(QuantError) -> [Float] {
        try validate(type, count: count, supported: convertibleTypes)
        return [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            if let base = buf.baseAddress { ok_dequantize_row(Int32(type.rawValue), src, base, Int64(count)) }
            initialized = count
        }
    }

    /// Dequantizes `count` elements of `type` from `src`, checking that `src` is large enough.
    public static func dequantize(type: GGMLType, src: UnsafeRawBufferPointer, count: Int) throws(QuantError) -> [Float] {
        let needed = try rowSize(type: type, count: count)
        guard src.count >= needed else { throw .bufferTooSmall(type: type, needed: needed, got: src.count) }
        guard let base = src.baseAddress else { return [] }
        return try dequantize(type: type, src: base, count: count)
    }

    /// Dequantizes a whole byte array of `type` data holding `count` elements.
    public static func dequantize(type: GGMLType, bytes: [UInt8], count: Int) throws(QuantError) -> [Float] {
        // withUnsafeBytes only rethrows untyped errors, so carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(QuantError) -> [Float] in try dequantize(type: type, src: raw, count: count) }
        }
        return try result.get()
    }

    /// Quantizes `values` to `type` with ggml's reference quantizer (deterministic, scalar).
    public static func quantize(type: GGMLType, values: [Float]) throws(QuantError) -> [UInt8] {
        let size = try rowSize(type: type, count: values.count)
        var out = [UInt8](repeating: 0, count: size)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { dst in
                if let s = src.baseAddress, let d = dst.baseAddress {
                    ok_quantize_row(Int32(type.rawValue), s, d, Int64(values.count))
                }
            }
        }
        return out
    }

    /// Dot product of `count` weights of `weightType` with activations already quantized to
    /// `activationType(for: weightType)`, on `path` (nil: the current path).
    public static func dot(
        weightType: GGMLType, count: Int, weights: [UInt8], activations: [UInt8], path: KernelPath? = nil
    ) throws(QuantError) -> Float {
        try validate(weightType, count: count, supported: supportedTypes)
        guard let actType = activationType(for: weightType) else {
            throw .unsupportedType(weightType, supported: supportedTypes)
        }
        let wNeeded = Int(ok_row_size(Int32(weightType.rawValue), Int64(count)))
        let aNeeded = Int(ok_row_size(Int32(actType.rawValue), Int64(count)))
        guard weights.count >= wNeeded else { throw .bufferTooSmall(type: weightType, needed: wNeeded, got: weights.count) }
        guard activations.count >= aNeeded else { throw .bufferTooSmall(type: actType, needed: aNeeded, got: activations.count) }
        return weights.withUnsafeBytes { w in
            activations.withUnsafeBytes { a in
                guard let wp = w.baseAddress, let ap = a.baseAddress else { return 0 }
                if let path { return ok_vec_dot_path(path.rawValue, Int32(weightType.rawValue), Int64(count), wp, ap) }
                return ok_vec_dot(Int32(weightType.rawValue), Int64(count), wp, ap)
            }
        }
    }

    private static func validate(_ type: GGMLType, count: Int, supported: [GGMLType]) throws(QuantError) {
        guard supported.contains(type) else { throw .unsupportedType(type, supported: supported) }
        let block = Int(ok_block_size(Int32(type.rawValue)))
        guard block > 0 else { throw .unsupportedType(type, supported: supported) }
        guard count >= 0, count % block == 0 else { throw .badLength(type: type, count: count, blockSize: block) }
    }
}
