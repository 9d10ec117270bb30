/// Keys and values of every layer for one sequence, sized from the requested context, not the
/// model's training maximum.
public final class KVCache: @unchecked Sendable {
    /// Maximum number of positions the cache holds.
    public let capacity: Int
    public let layerCount: Int
    public let kvDim: Int      // kvHeads * headDim
    public let vDim: Int       // kvHeads * valueHeadDim
    /// Number of positions filled so far; the next token goes at position `count`.
    public private(set) var count: Int = 0

    private let keys: UnsafeMutablePointer<Float>    // (layer, capacity, kvDim)
    private let values: UnsafeMutablePointer<Float>  // (layer, capacity, vDim)

    public init(capacity: Int, layerCount: Int, kvDim: Int, vDim: Int) throws(ModelError) {
        guard capacity > 0, layerCount > 0, kvDim > 0, vDim > 0 else {
            throw .invalidArgument("context size must be positive (got \(capacity))")
        }
        let (kc, o1) = capacity.multipliedReportingOverflow(by: layerCount)
        let (kTotal, o2) = kc.multipliedReportingOverflow(by: kvDim)
        let (vTotal, o3) = kc.multipliedReportingOverflow(by: vDim)
        guard !o1, !o2, !o3, kTotal < 1 << 36, vTotal < 1 << 36 else {
            throw .invalidArgument("context size \(capacity) needs a KV cache too large to allocate")
        }
        self.capacity = capacity
        self.layerCount = layerCount
        self.kvDim = kvDim
        self.vDim = vDim
        // Touched up front: the memory a context needs is claimed (and fails) at load, not mid-generation.
        keys = .allocate(capacity: kTotal)
        keys.initialize(repeating: 0, count: kTotal)
        values = .allocate(capacity: vTotal)
        values.initialize(repeating: 0, count: vTotal)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Bytes held by the cache.
    public var byteCount: Int { capacity * layerCount * (kvDim + vDim) * MemoryLayout<Float>.size }

    /// Keys of `layer` from position 0; `(capacity, kvDim)`.
    package func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys + layer * capacity * kvDim }
    /// Values of `layer` from position 0; `(capacity, vDim)`.
    package func values(layer: Int) -> UnsafeMutablePointer<Float> { values + layer * capacity * vDim }

    /// Marks `n` more positions as filled (after a forward pass wrote them).
    package func advance(by n: Int) { count += n }

    /// Forgets positions from `position` on, e.g. to reuse a shared prefix or rewind speculation.
    public func truncate(to position: Int) { count = max(0, min(count, position)) }

    /// Forgets everything.
    public func reset() { count = 0 }
}
