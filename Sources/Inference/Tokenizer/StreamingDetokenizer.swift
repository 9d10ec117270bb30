/// Turns generated token ids into text as they arrive, never splitting a character.
///
/// A token can end in the middle of a multi-byte UTF-8 character (byte tokens, emoji, CJK); those bytes
/// are held back until the character completes. Pieces are concatenated as llama.cpp's
/// `token_to_piece` gives them, without the whole-sequence clean-ups of `Tokenizer.decode`.
public struct StreamingDetokenizer {
    private let tokenizer: Tokenizer
    private let renderSpecial: Bool
    private var pending: [UInt8] = []

    /// - Parameter renderSpecial: emit the text of control tokens such as `<|im_end|>`.
    public init(tokenizer: Tokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds `id`; returns the text that is now complete (possibly empty).
    public mutating func append(_ id: TokenID) -> String {
        pending.append(contentsOf: tokenizer.tokenBytes(id, renderSpecial: renderSpecial))
        let held = incompleteSuffixLength(pending)
        guard pending.count > held else { return "" }
        let text = String(decoding: pending[..<(pending.count - held)], as: UTF8.self)
        pending.removeFirst(pending.count - held)
        return text
    }

    /// Returns whatever is held back, with invalid or incomplete sequences as U+FFFD, and resets.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}

/// Length of the trailing bytes of `bytes` that begin a valid UTF-8 sequence not yet complete.
/// Bytes that can never become valid are not held back; they decode to U+FFFD straight away.
func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
    let count = bytes.count
    // A sequence is at most 4 bytes, so an unfinished one starts within the last 3.
    for back in 1 ... min(3, max(count, 1)) where back <= count {
        let lead = bytes[count - back]
        if lead & 0xC0 == 0x80 { continue }  // continuation byte: look further back
        let needed: Int
        switch lead {
        case 0xC2 ... 0xDF: needed = 2
        case 0xE0 ... 0xEF: needed = 3
        case 0xF0 ... 0xF4: needed = 4
        default: return 0
        }
        guard back < needed else { return 0 }
        // The second byte has a narrower range after some lead bytes (no overlongs, surrogates, > U+10FFFF).
        if back >= 2 {
            let second = bytes[count - back + 1]
            let range: ClosedRange<UInt8> = switch lead {
            case 0xE0: 0xA0 ... 0xBF
            case 0xED: 0x80 ... 0x9F
            case 0xF0: 0x90 ... 0xBF
            case 0xF4: 0x80 ... 0x8F
            default: 0x80 ... 0xBF
            }
            guard range.contains(second) else { return 0 }
        }
        return back
    }
    return 0
}
