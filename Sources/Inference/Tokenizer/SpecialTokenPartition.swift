import Foundation

/// A piece of the input after special tokens have been cut out.
enum TextFragment: Equatable {
    /// Byte range of ordinary text in the input's UTF-8.
    case text(Range<Int>)
    /// A special token written literally in the input.
    case token(TokenID)
}

/// Cuts special tokens out of the text before tokenization, as llama.cpp's `tokenizer_st_partition` does.
///
/// llama.cpp takes special tokens longest text first and, for each, splits every remaining text
/// fragment at all its occurrences. Scanning the text once per special token is slow for vocabularies
/// with thousands of them (Gemma 3 has 6,414), so a byte trie first finds which special tokens occur
/// in the text at all; the exact llama.cpp procedure then runs over those only. A token absent from the
/// whole text cannot occur in any fragment of it, so the result is the same.
struct SpecialTokenPartition: Sendable {
    /// Special tokens (control, user-defined, unknown), longest text first, then lowest id.
    private let order: [TokenID]
    private let texts: [[UInt8]]              // (order)
    /// Matched only when special tokens are parsed; user-defined tokens are always matched.
    private let needsParseSpecial: [Bool]     // (order)
    /// Trie over `texts`: edge (node << 8 | byte) -> child node; node 0 is the root.
    private let edges: [UInt64: Int32]
    private let terminal: [Int32]             // (nodes): index into `order`, or -1

    init(tokenTexts: [String], attributes: [TokenAttributes]) {
        var entries: [(id: TokenID, text: [UInt8])] = []
        for (id, attribute) in attributes.enumerated() where !attribute.isDisjoint(with: .special) {
            entries.append((TokenID(id), Array(tokenTexts[id].utf8)))
        }
        entries.sort { $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id }
        order = entries.map(\.id)
        texts = entries.map(\.text)
        needsParseSpecial = entries.map { !attributes[Int($0.id)].isDisjoint(with: [.control, .unknown]) }

        var edges: [UInt64: Int32] = [:]
        var terminal: [Int32] = [-1]
        for (index, text) in texts.enumerated() {
            var node: Int32 = 0
            for byte in text {
                let key = UInt64(node) << 8 | UInt64(byte)
                if let child = edges[key] {
                    node = child
                } else {
                    let child = Int32(terminal.count)
                    terminal.append(-1)
                    edges[key] = child
                    node = child
                }
            }
            if terminal[Int(node)] < 0 { terminal[Int(node)] = Int32(index) }
        }
        self.edges = edges
        self.terminal = terminal
    }

    /// Text fragments and special tokens of `bytes`, in order. Control and unknown tokens are
    /// recognised only when `parseSpecial` is true; user-defined ones always are.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [TextFragment] {
        guard !bytes.isEmpty else { return [] }
        var fragments: [TextFragment] = [.text(0 ..< bytes.count)]
        for index in occurringTokens(bytes) where parseSpecial || !needsParseSpecial[index] {
            fragments = split(fragments, at: index, in: bytes)
        }
        return fragments
    }

    /// Indices into `order` of the special tokens occurring anywhere in `bytes`, ascending.
    private func occurringTokens(_ bytes: [UInt8]) -> [Int] {
        var found = Set<Int>()
        for start in bytes.indices {
            var node: Int32 = 0
            var i = start
            while i < bytes.count, let child = edges[UInt64(node) << 8 | UInt64(bytes[i])] {
                node = child
                if terminal[Int(node)] >= 0 { found.insert(Int(terminal[Int(node)])) }
                i += 1
            }
        }
        return found.sorted()
    }

    private func split(_ fragments: [TextFragment], at index: Int, in bytes: [UInt8]) -> [TextFragment] {
        let text = texts[index]
        var result: [TextFragment] = []
        result.reserveCapacity(fragments.count + 2)
        for fragment in fragments {
            guard case .text(let range) = fragment else {
                result.append(fragment)
                continue
            }
            var position = range.lowerBound
            while let match = find(text, in: bytes, from: position, to: range.upperBound) {
                if match > position { result.append(.text(position ..< match)) }
                result.append(.token(order[index]))
                position = match + text.count
            }
            if position < range.upperBound { result.append(.text(position ..< range.upperBound)) }
        }
        return result
    }

    /// First occurrence of `needle` within `bytes[from ..< to]`.
    private func find(_ needle: [UInt8], in bytes: [UInt8], from: Int, to: Int) -> Int? {
        guard !needle.isEmpty, to - from >= needle.count else { return nil }
        return bytes.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { needle in
                guard let h = haystack.baseAddress, let n = needle.baseAddress else { return nil }
                let first = n[0]
                var i = from
                while i + needle.count <= to {
                    if h[i] == first && memcmp(h + i, n, needle.count) == 0 { return i }
                    i += 1
                }
                return nil
            }
        }
    }
}
