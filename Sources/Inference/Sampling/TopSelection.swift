/// A token and its logit: the unit the sampler's filters pass along.
package struct Candidate: Sendable, Equatable {
    package var id: TokenID
    package var logit: Float

    package init(id: TokenID, logit: Float) {
        self.id = id
        self.logit = logit
    }

    /// The one ranking used everywhere: higher logit first, equal logits by lower id, so every
    /// cut and every ordering is deterministic.
    @inline(__always)
    package func ranksAbove(_ other: Candidate) -> Bool {
        logit > other.logit || (logit == other.logit && id < other.id)
    }
}

/// Maps logits the sampler cannot reason about onto ones it can: NaN carries no information,
/// so it becomes -inf (never chosen); +inf becomes the largest finite value so that
/// differences such as `logit - max` stay defined (several +inf logits then tie).
@inline(__always)
package func sanitizedLogit(_ x: Float) -> Float {
    if x.isNaN { return -.infinity }
    if x == .infinity { return .greatestFiniteMagnitude }
    return x
}

/// Partial selection of the best-ranked logits.
package enum TopSelection {
    /// Replaces `out` with the `k` best-ranked entries of `logits`, best first (logits are read
    /// through `sanitizedLogit`). Runs in O(n log k) with a bounded heap whose root is the worst
    /// entry kept so far: most of a large vocabulary is rejected by one comparison with the root,
    /// and the vocabulary is never sorted as a whole. Reuses `out`'s storage.
    package static func select(_ logits: UnsafeBufferPointer<Float>, k: Int, into out: inout [Candidate]) {
        out.removeAll(keepingCapacity: true)
        let n = logits.count
        let k = min(max(k, 0), n)
        guard k > 0 else { return }
        for i in 0..<k {
            out.append(Candidate(id: TokenID(truncatingIfNeeded: i), logit: sanitizedLogit(logits[i])))
        }
        out.withUnsafeMutableBufferPointer { heap in
            for i in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(heap, from: i) }
            if k < n {
                for i in k..<n {
                    let logit = sanitizedLogit(logits[i])
                    // Every id already in the heap is below i, so an equal logit never ranks
                    // above the root; a strict comparison is the whole ranking test.
                    guard logit > heap[0].logit else { continue }
                    heap[0] = Candidate(id: TokenID(truncatingIfNeeded: i), logit: logit)
                    siftDown(heap, from: 0)
                }
            }
        }
        out.sort { $0.ranksAbove($1) }
    }

    /// Restores the heap property below `start`: each parent ranks at or below its children.
    @inline(__always)
    private static func siftDown(_ heap: UnsafeMutableBufferPointer<Candidate>, from start: Int) {
        let count = heap.count
        var parent = start
        let item = heap[parent]
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count, heap[child].ranksAbove(heap[child + 1]) { child += 1 }
            guard item.ranksAbove(heap[child]) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = item
    }
}
