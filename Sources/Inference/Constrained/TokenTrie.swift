import Foundation

/// The vocabulary's token byte strings in a byte trie, laid out in preorder so that a node's subtree
/// is the contiguous range `node ..< subtreeEnd[node]`: a walk that finds a prefix rejected skips every
/// token below it with one jump. Built once per tokenizer (`TokenTrie.shared(for:)`).
///
/// Tokens that render as no bytes (control, unknown, unused) are not in the trie.
public final class TokenTrie: Sendable {
    let byte: [UInt8]           // (nodes) the byte leading into the node
    let depth: [UInt16]         // (nodes) 1 for children of the root
    let subtreeEnd: [Int32]     // (nodes) first node after the subtree
    let tokenStart: [Int32]     // (nodes + 1) range of `tokenIDs` ending at each node
    let tokenIDs: [TokenID]     // (tokens with bytes) grouped by node
    let maxDepth: Int
    /// Bytes of every token, as the tokenizer renders them (for the single-token check).
    let pieces: [[UInt8]]       // (vocabulary)
    /// Tokens that end generation (allowed only where the grammar is complete).
    let endOfGeneration: [TokenID]
    public let vocabularySize: Int

    public var nodeCount: Int { byte.count }

    public init(tokenizer: Tokenizer) {
        let n = tokenizer.vocabularySize
        var pieces = [[UInt8]](repeating: [], count: n)
        for id in 0..<n { pieces[id] = tokenizer.tokenBytes(TokenID(id)) }
        let order = (0..<n).filter { !pieces[$0].isEmpty }.sorted { a, b in
            pieces[a].lexicographicallyPrecedes(pieces[b])
        }
        var byte: [UInt8] = [], depth: [UInt16] = [], subtreeEnd: [Int32] = [], tokenStart: [Int32] = []
        var tokenIDs: [TokenID] = []
        var path: [Int32] = []   // open nodes, one per depth
        var previous: [UInt8] = []
        let maxLength = Int(UInt16.max)
        for id in order {
            let bytes = pieces[id].count > maxLength ? Array(pieces[id].prefix(maxLength)) : pieces[id]
            var lcp = 0
            while lcp < min(previous.count, bytes.count) && previous[lcp] == bytes[lcp] { lcp += 1 }
            while path.count > lcp { subtreeEnd[Int(path.removeLast())] = Int32(byte.count) }
            for k in lcp..<bytes.count {
                path.append(Int32(byte.count))
                byte.append(bytes[k])
                depth.append(UInt16(k + 1))
                subtreeEnd.append(0)
                tokenStart.append(Int32(tokenIDs.count))
            }
            // Equal byte strings sort together, so ids only ever join the newest node.
            tokenIDs.append(TokenID(id))
            previous = bytes
        }
        while let open = path.popLast() { subtreeEnd[Int(open)] = Int32(byte.count) }
        tokenStart.append(Int32(tokenIDs.count))
        self.byte = byte
        self.depth = depth
        self.subtreeEnd = subtreeEnd
        self.tokenStart = tokenStart
        self.tokenIDs = tokenIDs
        self.maxDepth = depth.map(Int.init).max() ?? 0
        self.pieces = pieces
        self.endOfGeneration = tokenizer.endOfGenerationIDs.sorted()
        self.vocabularySize = n
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [(tokenizer: Tokenizer, trie: TokenTrie)] = []

    /// The trie of `tokenizer`'s vocabulary, built on first use and kept (with the tokenizer) for later requests.
    public static func shared(for tokenizer: Tokenizer) -> TokenTrie {
        lock.lock()
        defer { lock.unlock() }
        if let hit = cache.first(where: { $0.tokenizer === tokenizer }) { return hit.trie }
        let trie = TokenTrie(tokenizer: tokenizer)
        cache.append((tokenizer, trie))
        return trie
    }
}
