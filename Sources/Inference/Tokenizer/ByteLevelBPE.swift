/// Byte-level BPE (`tokenizer.ggml.model` = `gpt2`), following llama.cpp's `llm_tokenizer_bpe_session`.
///
/// Text is split into words by the pre-tokenizer; each word's UTF-8 bytes become GPT-2 characters,
/// one symbol per byte; adjacent symbols are merged lowest merge rank first (ties: leftmost first)
/// until no ranked pair remains. Symbols are handled as ids of interned strings ("pieces") so merges
/// are integer lookups.
struct ByteLevelBPE: Sendable {
    private let tokenCount: Int
    /// Token texts first (piece id == token id), then merge halves and results that are not tokens.
    private let pieces: ByteStringTable
    /// (left piece << 32 | right piece) -> (rank << 32 | merged piece)
    private let merges: [UInt64: UInt64]
    /// Piece of the GPT-2 character of each byte, or -1 when no token or merge uses it.  // (256)
    private let byteSymbols: [Int32]
    /// Token of each one-byte ASCII string, or -1.  // (128)
    private let asciiTokens: [Int32]
    private let preTokenizer: PreTokenizer
    private let ignoreMerges: Bool

    init(tokens: ByteStringTable, merges mergeList: [String], preset: PreTokenizerPreset) {
        tokenCount = tokens.count
        var pieces = tokens
        var merges = [UInt64: UInt64](minimumCapacity: mergeList.count)
        var joined: [UInt8] = []
        for (rank, merge) in mergeList.enumerated() {
            var merge = merge
            merge.withUTF8 { bytes in
                // llama.cpp splits at the first space after the first byte; no space means no usable merge.
                guard bytes.count > 1, let space = bytes[1...].firstIndex(of: UInt8(ascii: " ")) else { return }
                let left = UnsafeBufferPointer(rebasing: bytes[..<space])
                let right = UnsafeBufferPointer(rebasing: bytes[(space + 1)...])
                guard !right.isEmpty else { return }
                let leftPiece = pieces.insert(left).index
                let rightPiece = pieces.insert(right).index
                let key = UInt64(UInt32(bitPattern: leftPiece)) << 32 | UInt64(UInt32(bitPattern: rightPiece))
                guard merges[key] == nil else { return }  // the first (lowest) rank of a pair wins
                joined.removeAll(keepingCapacity: true)
                joined.append(contentsOf: left)
                joined.append(contentsOf: right)
                let result = pieces.insert(joined).index
                merges[key] = UInt64(UInt32(truncatingIfNeeded: rank)) << 32 | UInt64(UInt32(bitPattern: result))
            }
        }
        self.pieces = pieces
        self.merges = merges
        byteSymbols = ByteLevelEncoding.utf8ForByte.map { pieces.find($0) ?? -1 }
        asciiTokens = (0 ..< 128).map { byte in
            guard let id = tokens.find([UInt8(byte)]) else { return -1 }
            return id
        }
        preTokenizer = preset.preTokenizer
        ignoreMerges = preset.ignoreMerges
    }

    /// Tokenizes one fragment of raw text (valid UTF-8 without special tokens), appending to `output`.
    /// `cache` maps a word's UTF-8 bytes to its tokens; pass the same one for all fragments of a call.
    func encode(_ text: ArraySlice<UInt8>, into output: inout [TokenID], cache: inout [ArraySlice<UInt8>: [TokenID]]) {
        var scalars: [UInt32] = []      // (code points)
        var offsets: [Int] = []         // (code points + 1): byte offset of each code point in `text`
        scalars.reserveCapacity(text.count)
        offsets.reserveCapacity(text.count + 1)
        var i = text.startIndex
        while i < text.endIndex {
            offsets.append(i)
            let length = min(utf8SequenceLength(text[i]), text.endIndex - i)
            var value = length == 1 ? UInt32(text[i]) : UInt32(text[i]) & (0x7F >> length)
            for j in 1 ..< length { value = value << 6 | UInt32(text[i + j] & 0x3F) }
            scalars.append(value)
            i += length
        }
        offsets.append(text.endIndex)
        var start = 0
        for length in preTokenizer.split(scalars) {
            let word = text[offsets[start] ..< offsets[start + length]]
            start += length
            if let cached = cache[word] {
                output.append(contentsOf: cached)
                continue
            }
            let before = output.count
            encodeWord(word, into: &output)
            cache[word] = Array(output[before...])
        }
    }

    private struct Candidate: Comparable {
        var rank: UInt32
        var left: Int
        var right: Int
        var leftPiece: Int32
        var rightPiece: Int32
        var merged: Int32

        /// Lower priority: higher rank, then further right.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank > b.rank || (a.rank == b.rank && a.left > b.left)
        }
    }

    private func candidate(_ left: Int, _ right: Int, _ symbols: [Int32]) -> Candidate? {
        let leftPiece = symbols[left], rightPiece = symbols[right]
        guard leftPiece >= 0, rightPiece >= 0 else { return nil }
        let key = UInt64(UInt32(bitPattern: leftPiece)) << 32 | UInt64(UInt32(bitPattern: rightPiece))
        guard let value = merges[key] else { return nil }
        return Candidate(rank: UInt32(value >> 32), left: left, right: right, leftPiece: leftPiece,
                         rightPiece: rightPiece, merged: Int32(bitPattern: UInt32(truncatingIfNeeded: value)))
    }

    private func encodeWord(_ word: ArraySlice<UInt8>, into output: inout [TokenID]) {
        let word = Array(word)
        if ignoreMerges {
            let encoded = word.flatMap { ByteLevelEncoding.utf8ForByte[Int($0)] }
            if let id = pieces.find(encoded), Int(id) < tokenCount {
                output.append(id)
                return
            }
        }
        // One symbol per byte; `symbols[i]` is the piece of symbol i, -2 once merged into its left neighbour.
        var symbols = word.map { byteSymbols[Int($0)] }
        var next = (0 ..< word.count).map { $0 + 1 }
        var prev = (0 ..< word.count).map { $0 - 1 }
        next[word.count - 1] = -1
        var queue = PriorityQueue<Candidate>()
        for i in 1 ..< max(word.count, 1) {
            if let c = candidate(i - 1, i, symbols) { queue.push(c) }
        }
        while let c = queue.pop() {
            let left = c.left, right = c.right
            // Outdated when either side has merged since the candidate was queued.
            guard symbols[left] == c.leftPiece, symbols[right] == c.rightPiece else { continue }
            symbols[left] = c.merged
            symbols[right] = -2
            next[left] = next[right]
            if next[right] >= 0 { prev[next[right]] = left }
            if prev[left] >= 0, let p = candidate(prev[left], left, symbols) { queue.push(p) }
            if next[left] >= 0, let n = candidate(left, next[left], symbols) { queue.push(n) }
        }
        for (i, piece) in symbols.enumerated() where piece != -2 {
            if piece >= 0 && Int(piece) < tokenCount {
                output.append(piece)
                continue
            }
            // Not a token: llama.cpp looks up each byte of the symbol's text alone; only ASCII can match.
            let text: [UInt8] = piece >= 0 ? Array(pieces.key(Int(piece))) : ByteLevelEncoding.utf8ForByte[Int(word[i])]
            for byte in text where byte < 0x80 && asciiTokens[Int(byte)] >= 0 {
                output.append(asciiTokens[Int(byte)])
            }
        }
    }
}
