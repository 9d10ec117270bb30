/// The bytes each token renders as, precomputed as llama.cpp's `token_to_piece` cache is.
///
/// Stored flat (one byte buffer plus offsets) to keep 262,144 small pieces cheap to build and hold.
struct TokenPieces: Sendable {
    private let bytes: [UInt8]
    private let starts: [Int]   // (tokens + 1)

    /// Pieces with special tokens rendered as their text (`special = true` in llama.cpp).
    init(tokenTexts: [String], attributes: [TokenAttributes], byteLevel: Bool) {
        var bytes: [UInt8] = []
        var starts: [Int] = [0]
        bytes.reserveCapacity(tokenTexts.count * 6)
        starts.reserveCapacity(tokenTexts.count + 1)
        for (text, attribute) in zip(tokenTexts, attributes) {
            if !attribute.isDisjoint(with: .special) {
                bytes.append(contentsOf: text.utf8)
            } else if attribute.contains(.normal) {
                if byteLevel {
                    Self.appendByteLevelDecoded(text, to: &bytes)
                } else {
                    Self.appendUnescaped(text, to: &bytes)
                }
            } else if attribute.contains(.byte) {
                bytes.append(Self.byteValue(text))
            }
            // Unused and undefined tokens render as nothing.
            starts.append(bytes.count)
        }
        self.bytes = bytes
        self.starts = starts
    }

    func piece(_ id: Int) -> ArraySlice<UInt8> {
        bytes[starts[id] ..< starts[id + 1]]
    }

    /// SentencePiece text: U+2581 stands for a space.
    private static func appendUnescaped(_ text: String, to bytes: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            if scalar.value == 0x2581 {
                bytes.append(0x20)
            } else {
                appendUTF8(scalar.value, into: &bytes)
            }
        }
    }

    /// Byte-level text: each character stands for one byte. Characters that stand for none are spelled
    /// out as llama.cpp does: `[UNK_BYTE_0x<utf8 hex><token text>]`.
    private static func appendByteLevelDecoded(_ text: String, to bytes: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            if let byte = ByteLevelEncoding.byte(for: scalar.value) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: "[UNK_BYTE_0x".utf8)
                for b in appendUTF8(scalar.value, to: []) {
                    bytes.append(contentsOf: hexDigits(b, uppercase: false))
                }
                bytes.append(contentsOf: text.utf8)
                bytes.append(UInt8(ascii: "]"))
            }
        }
    }

    /// The byte of a byte token `<0xXX>`: the hex digits at offsets 3 and 4, read like `strtol`.
    static func byteValue(_ text: String) -> UInt8 {
        let utf8 = Array(text.utf8)
        var value: UInt8 = 0
        for i in 3 ..< min(5, utf8.count) {
            guard let digit = hexValue(utf8[i]) else { break }
            value = value << 4 | digit
        }
        return value
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30 ... 0x39: c - 0x30
        case 0x41 ... 0x46: c - 0x41 + 10
        case 0x61 ... 0x66: c - 0x61 + 10
        default: nil
        }
    }
}

func hexDigits(_ byte: UInt8, uppercase: Bool) -> [UInt8] {
    let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
    return [digits[Int(byte >> 4)], digits[Int(byte & 15)]]
}

/// llama.cpp's `clean_up_tokenization_spaces` passes over detokenized bytes (BPE vocabularies only):
/// drop the space before `?!.,`, the spaces around a lone `'`, and the space before `'s 'm 're 've`.
func cleanTokenizationSpaces(_ input: [UInt8]) -> [UInt8] {
    let space = UInt8(ascii: " "), apostrophe = UInt8(ascii: "'")
    guard !input.isEmpty else { return input }

    // " ?", " !", " .", " ,"
    var text = input
    var out: [UInt8] = [text[0]]
    for i in 1 ..< text.count {
        let x = text[i]
        if text[i - 1] == space && (x == UInt8(ascii: "?") || x == UInt8(ascii: "!") || x == UInt8(ascii: ".") || x == UInt8(ascii: ",")) {
            out.removeLast()
        }
        out.append(x)
    }

    // " ' " -> "'"
    text = out
    out = [text[0]]
    var i = 1
    while i < text.count {
        let x = text[i]
        if x == apostrophe && i + 1 < text.count && text[i - 1] == space && text[i + 1] == space {
            out.removeLast()
            i += 1
            text[i] = 0  // llama.cpp blanks the skipped space in place; later checks see it
        }
        out.append(x)
        i += 1
    }

    // " 's", " 'm", " 're", " 've"
    text = out
    out = [text[0]]
    for i in 1 ..< text.count {
        let x = text[i]
        if text[i - 1] == space && x == apostrophe && i + 1 < text.count {
            let x1 = text[i + 1]
            if x1 == UInt8(ascii: "s") || x1 == UInt8(ascii: "m") {
                out.removeLast()
            } else if x1 != UInt8(ascii: "t") && x1 != UInt8(ascii: "d") && i + 2 < text.count {
                let x2 = text[i + 2]
                if (x1 == UInt8(ascii: "r") || x1 == UInt8(ascii: "v")) && x2 == UInt8(ascii: "e") {
                    out.removeLast()
                }
            }
        }
        out.append(x)
    }
    return out
}
