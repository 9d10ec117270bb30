/// One sequence's share of a forward pass: its new tokens and the cache they extend.
public struct BatchSegment: Sendable {
    public var tokens: [TokenID]
    public var cache: KVCache
    /// Compute this pass so that each row rounds exactly as a one-token pass would (slower for long
    /// segments; speculative verification uses it so its output equals plain decoding bit for bit).
    public var rowExact: Bool

    public init(tokens: [TokenID], cache: KVCache, rowExact: Bool = false) {
        self.tokens = tokens
        self.cache = cache
        self.rowExact = rowExact
    }
}

/// Where each segment of a validated batch sits among the rows of the pass.
package struct BatchLayout {
    package struct Segment {
        package let cache: KVCache
        package let row: Int     // first row of this segment in the batch's activations
        package let count: Int   // rows (new tokens) of this segment
        package let start: Int   // position of its first new token in its cache
    }

    package let segments: [Segment]
    package let tokens: [TokenID]   // (rows) every segment's tokens, in order
    package let rowExact: Bool      // some segment asked for one-token rounding
    package var rows: Int { tokens.count }

    /// Checks everything a forward pass would otherwise trap on: batch size, vocabulary, cache shape,
    /// room in each cache, and that no cache appears twice (its rows would be written twice).
    package init(_ batch: [BatchSegment], hp: Hyperparameters, maxBatch: Int) throws(ModelError) {
        var segments: [Segment] = []
        var tokens: [TokenID] = []
        var seen = Set<ObjectIdentifier>()
        for (index, segment) in batch.enumerated() {
            let cache = segment.cache
            guard !segment.tokens.isEmpty else { throw .invalidArgument("batch segment \(index) has no tokens") }
            guard seen.insert(ObjectIdentifier(cache)).inserted else {
                throw .invalidArgument("batch segment \(index) reuses the cache of an earlier segment")
            }
            guard cache.layerCount == hp.layerCount, cache.kvDim == hp.kvDim, cache.vDim == hp.vDim else {
                throw .invalidArgument("batch segment \(index): the cache was made for another model shape")
            }
            let needed = cache.count + segment.tokens.count
            guard needed <= cache.capacity else { throw .contextExceeded(needed: needed, available: cache.capacity) }
            for id in segment.tokens where id < 0 || Int(id) >= hp.vocabularySize {
                throw .tokenOutOfRange(id, vocabularySize: hp.vocabularySize)
            }
            segments.append(Segment(cache: cache, row: tokens.count, count: segment.tokens.count, start: cache.count))
            tokens += segment.tokens
        }
        guard !tokens.isEmpty, tokens.count <= maxBatch else {
            throw .invalidArgument("a forward pass takes 1...\(maxBatch) tokens (got \(tokens.count))")
        }
        self.segments = segments
        self.tokens = tokens
        rowExact = batch.contains { $0.rowExact }
    }

    /// Positions of the new tokens after the pass.
    package func advanceCaches() {
        for s in segments { s.cache.advance(by: s.count) }
    }
}
