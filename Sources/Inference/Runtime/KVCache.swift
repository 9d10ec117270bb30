import CKernels

/// Element type of the KV cache.
public enum KVCacheType: String, Sendable, CaseIterable, Codable {
    /// IEEE half precision: half the memory, as llama.cpp's default.
    case f16
    /// Single precision.
    case f32

    public var bytesPerElement: Int { self == .f16 ? 2 : 4 }
}

/// Keys and values of every layer for one sequence, sized from the requested context, not the
/// model's training maximum.
public final class KVCache: @unchecked Sendable {
    /// Maximum number of positions the cache holds.
    public let capacity: Int
    public let layerCount: Int
    public let kvDim: Int      // kvHeads * headDim
    public let vDim: Int       // kvHeads * valueHeadDim
    public let type: KVCacheType
    /// Number of positions filled so far; the next token goes at position `count`.
    public private(set) var count: Int = 0

    private let keys: PageMemory    // (layer, capacity, kvDim) of `type`
    private let values: PageMemory  // (layer, capacity, vDim) of `type`

    public init(capacity: Int, layerCount: Int, kvDim: Int, vDim: Int, type: KVCacheType = .f16) throws(ModelError) {
        guard capacity > 0, layerCount > 0, kvDim > 0, vDim > 0 else {
            throw .invalidArgument("context size must be positive (got \(capacity))")
        }
        let (kc, o1) = capacity.multipliedReportingOverflow(by: layerCount)
        let (kTotal, o2) = kc.multipliedReportingOverflow(by: kvDim * type.bytesPerElement)
        let (vTotal, o3) = kc.multipliedReportingOverflow(by: vDim * type.bytesPerElement)
        guard !o1, !o2, !o3, kTotal < 1 << 38, vTotal < 1 << 38 else {
            throw .invalidArgument("context size \(capacity) needs a KV cache too large to allocate")
        }
        self.capacity = capacity
        self.layerCount = layerCount
        self.kvDim = kvDim
        self.vDim = vDim
        self.type = type
        // Touched up front: the memory a context needs is claimed (and fails) at load, not mid-generation.
        keys = PageMemory(byteCount: kTotal)
        values = PageMemory(byteCount: vTotal)
    }

    /// Bytes held by the cache.
    public var byteCount: Int {
        Self.byteCount(capacity: capacity, layerCount: layerCount, kvDim: kvDim, vDim: vDim, type: type)
    }

    /// Bytes a cache of this shape takes.
    public static func byteCount(capacity: Int, layerCount: Int, kvDim: Int, vDim: Int, type: KVCacheType) -> Int {
        capacity * layerCount * (kvDim + vDim) * type.bytesPerElement
    }

    /// Start of the row of `width` elements at (`layer`, `position`) in `memory`.
    private func row(_ memory: PageMemory, width: Int, layer: Int, position: Int) -> UnsafeMutableRawPointer {
        memory.pointer + ((layer * capacity + position) * width) * type.bytesPerElement
    }

    /// Key row of `layer` at `position`: `kvDim` elements of `type`.
    package func keyRow(layer: Int, position: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(row(keys, width: kvDim, layer: layer, position: position))
    }

    /// Value row of `layer` at `position`: `vDim` elements of `type`.
    package func valueRow(layer: Int, position: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(row(values, width: vDim, layer: layer, position: position))
    }

    /// Writes `rows` positions of keys `(rows, kvDim)` and values `(rows, vDim)` at `position`.
    package func store(layer: Int, position: Int, rows: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>) {
        let kDst = row(keys, width: kvDim, layer: layer, position: position)
        let vDst = row(values, width: vDim, layer: layer, position: position)
        switch type {
        case .f32:
            kDst.copyMemory(from: k, byteCount: rows * kvDim * 4)
            vDst.copyMemory(from: v, byteCount: rows * vDim * 4)
        case .f16:
            ok_f32_to_f16(k, kDst.assumingMemoryBound(to: UInt16.self), Int64(rows * kvDim))
            ok_f32_to_f16(v, vDst.assumingMemoryBound(to: UInt16.self), Int64(rows * vDim))
        }
    }

    /// Marks `n` more positions as filled (after a forward pass wrote them).
    package func advance(by n: Int) { count += n }

    /// Forgets positions from `position` on, e.g. to reuse a shared prefix or rewind speculation.
    public func truncate(to position: Int) { count = max(0, min(count, position)) }

    /// Replaces this cache's contents with the first `count` positions of `source` (a shared prompt
    /// prefix computed by another sequence). Both caches must have the same shape and element type.
    public func copyPrefix(from source: KVCache, count n: Int) throws(ModelError) {
        guard source !== self else { truncate(to: n); return }
        guard source.layerCount == layerCount, source.kvDim == kvDim, source.vDim == vDim, source.type == type else {
            throw .invalidArgument("cannot copy KV rows between caches of different shapes")
        }
        guard n >= 0, n <= source.count, n <= capacity else {
            throw .invalidArgument("cannot copy \(n) KV positions (source holds \(source.count), capacity \(capacity))")
        }
        let e = type.bytesPerElement
        for layer in 0..<layerCount {
            row(keys, width: kvDim, layer: layer, position: 0)
                .copyMemory(from: source.keyRow(layer: layer, position: 0), byteCount: n * kvDim * e)
            row(values, width: vDim, layer: layer, position: 0)
                .copyMemory(from: source.valueRow(layer: layer, position: 0), byteCount: n * vDim * e)
        }
        count = n
    }

    /// Forgets everything.
    public func reset() { count = 0 }
}
