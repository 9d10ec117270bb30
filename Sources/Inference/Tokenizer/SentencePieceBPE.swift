/// SentencePiece-style BPE (`tokenizer.ggml.model` = `llama`), following llama.cpp's `llm_tokenizer_spm_session`.
///
/// Symbols start as the UTF-8 characters of the text (spaces already escaped to U+2581). The adjacent
/// pair whose concatenation is the vocabulary token with the highest score is merged first (ties:
/// leftmost first), until no adjacent pair forms a token. Symbols left that are not tokens are spelled
/// with byte tokens `<0xXX>`.
struct SentencePieceBPE: Sendable {
    /// Token for each byte: `<0xXX>`, else the one-byte string, else the unknown token, else -1.  // (256)
    private let byteTokens: [Int32]

    init(tokens: ByteStringTable, unknownID: TokenID?) {
        let hex = Array("0123456789ABCDEF".utf8)
        byteTokens = (0 ..< 256).map { byte in
            let name: [UInt8] = Array("<0x".utf8) + [hex[byte >> 4], hex[byte & 15], UInt8(ascii: ">")]
            if let id = tokens.find(name) { return id }
            if byte < 0x80, let id = tokens.find([UInt8(byte)]) { return id }
            // llama.cpp throws here; an unknown token keeps the rest of the text encodable.
            return unknownID ?? -1
        }
    }

    /// The token for `byte` when a character has no token of its own, or nil.
    func byteToken(_ byte: UInt8) -> TokenID? {
        let id = byteTokens[Int(byte)]
        return id >= 0 ? id : nil
    }

    private struct Candidate: Comparable {
        var score: Float
        var left: Int
        var right: Int
        var size: Int

        /// Lower priority: lower score, then further right.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score < b.score || (a.score == b.score && a.left > b.left)
        }
    }

    /// Tokenizes already-escaped UTF-8 `text`, appending to `output`.
    func encode(_ text: [UInt8], tokens: ByteStringTable, scores: [Float], into output: inout [TokenID]) {
        guard !text.isEmpty else { return }
        var starts: [Int] = []      // (symbols): first byte of each symbol
        var sizes: [Int] = []       // (symbols): byte length, 0 once merged away
        var offset = 0
        while offset < text.count {
            let length = min(utf8SequenceLength(text[offset]), text.count - offset)
            starts.append(offset)
            sizes.append(length)
            offset += length
        }
        let count = starts.count
        var next = (0 ..< count).map { $0 + 1 }
        var prev = (0 ..< count).map { $0 - 1 }
        next[count - 1] = -1

        text.withUnsafeBufferPointer { bytes in
            var queue = PriorityQueue<Candidate>()
            func tryAdd(_ left: Int, _ right: Int) {
                guard left >= 0, right >= 0 else { return }
                let start = starts[left]
                let size = sizes[left] + sizes[right]
                guard let id = tokens.find(UnsafeBufferPointer(rebasing: bytes[start ..< start + size])) else { return }
                queue.push(Candidate(score: scores[Int(id)], left: left, right: right, size: size))
            }
            for i in 1 ..< max(count, 1) { tryAdd(i - 1, i) }
            while let c = queue.pop() {
                let left = c.left, right = c.right
                // Outdated when either side has changed since the candidate was queued.
                guard sizes[left] > 0, sizes[right] > 0, sizes[left] + sizes[right] == c.size else { continue }
                sizes[left] += sizes[right]
                sizes[right] = 0
                next[left] = next[right]
                if next[right] >= 0 { prev[next[right]] = left }
                tryAdd(prev[left], left)
                tryAdd(left, next[left])
            }

            var i = 0
            while i >= 0 {
                let start = starts[i], size = sizes[i]
                if let id = tokens.find(UnsafeBufferPointer(rebasing: bytes[start ..< start + size])) {
                    output.append(id)
                } else {
                    // Every merged symbol is a token, so only single characters get here.
                    for j in start ..< start + size {
                        if let id = byteToken(bytes[j]) { output.append(id) }
                    }
                }
                i = next[i]
            }
        }
    }
}
