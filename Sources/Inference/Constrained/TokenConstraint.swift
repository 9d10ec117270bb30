/// A token-level acceptor: which tokens may come next so that the output stays a prefix of a sentence
/// of the grammar, and an end-of-generation token only once it is a complete one.
///
/// One per generating sequence (it caches matcher states). Use `isAllowed` for the token the sampler
/// picked first, and `allowedTokens` / `mask` only when that one is refused.
public final class TokenConstraint {
    public let grammar: Grammar
    private let trie: TokenTrie
    private let automaton: GrammarAutomaton
    private var state: Int32
    private var walk: [Int32]   // (trie depth + 1) state at each depth of the current trie path

    public init(grammar: Grammar, trie: TokenTrie) {
        self.grammar = grammar
        self.trie = trie
        automaton = GrammarAutomaton(grammar: grammar)
        state = automaton.initialState()
        walk = [Int32](repeating: 0, count: trie.maxDepth + 1)
    }

    /// Whether the output so far is a complete sentence (an end-of-generation token is allowed).
    public var isComplete: Bool { automaton.isAccepting(state) }
    /// Whether the output is complete and nothing may be added to it.
    public var isFinished: Bool { automaton.isFinished(state) }

    /// Whether `token` may come next.
    public func isAllowed(_ token: TokenID) -> Bool {
        guard token >= 0, Int(token) < trie.vocabularySize else { return false }
        let bytes = trie.pieces[Int(token)]
        if bytes.isEmpty { return isComplete && trie.endOfGeneration.contains(token) }
        return automaton.next(state, bytes: bytes) >= 0
    }

    /// Advances past `token`; returns false (and stays put) if the grammar refuses it.
    @discardableResult
    public func accept(_ token: TokenID) -> Bool {
        guard token >= 0, Int(token) < trie.vocabularySize else { return false }
        let bytes = trie.pieces[Int(token)]
        if bytes.isEmpty { return isComplete && trie.endOfGeneration.contains(token) }
        let next = automaton.next(state, bytes: bytes)
        guard next >= 0 else { return false }
        state = automaton.compact(keeping: next)
        return true
    }

    /// Every token allowed next, in no particular order: one preorder pass over the trie that skips
    /// the subtree of each refused prefix (never a scan of the whole vocabulary).
    public func allowedTokens() -> [TokenID] {
        var out: [TokenID] = []
        if isComplete { out.append(contentsOf: trie.endOfGeneration) }
        let nodes = trie.nodeCount
        walk[0] = state
        trie.byte.withUnsafeBufferPointer { byte in
            trie.depth.withUnsafeBufferPointer { depth in
                trie.subtreeEnd.withUnsafeBufferPointer { subtreeEnd in
                    var i = 0
                    while i < nodes {
                        let d = Int(depth[i])
                        let s = automaton.next(walk[d - 1], byte[i])
                        if s < 0 {
                            i = Int(subtreeEnd[i])
                            continue
                        }
                        walk[d] = s
                        let start = Int(trie.tokenStart[i]), end = Int(trie.tokenStart[i + 1])
                        if start < end { out.append(contentsOf: trie.tokenIDs[start..<end]) }
                        i += 1
                    }
                }
            }
        }
        return out
    }

    /// Sets every logit of a refused token to -inf. `logits`: (vocabulary).
    /// Returns the number of allowed tokens (0: nothing can follow).
    @discardableResult
    public func mask(_ logits: inout [Float]) -> Int {
        let allowed = allowedTokens()
        var masked = [Float](repeating: -.infinity, count: logits.count)
        for id in allowed where Int(id) < logits.count { masked[Int(id)] = logits[Int(id)] }
        logits = masked
        return allowed.count
    }
}

extension Sampler {
    /// Samples under `constraint`: the unconstrained pick is kept when the grammar allows it (the usual
    /// case, and exact: a pick rejected and redrawn from the masked distribution yields the masked
    /// distribution overall); otherwise the refused tokens are masked to -inf and the draw repeated.
    /// Returns nil when the grammar allows no token at all. Does not advance the constraint.
    public mutating func sample(logits: [Float], history: [TokenID], constraint: TokenConstraint) -> TokenID? {
        let first = sample(logits: logits, history: history)
        if constraint.isAllowed(first) { return first }
        var masked = logits
        guard constraint.mask(&masked) > 0 else { return nil }
        let second = sample(logits: masked, history: history)
        return constraint.isAllowed(second) ? second : nil
    }
}
