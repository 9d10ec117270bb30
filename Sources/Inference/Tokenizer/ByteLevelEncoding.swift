/// GPT-2's reversible map between bytes and printable characters.
///
/// Byte-level BPE vocabularies store every byte as a visible character: the printable Latin-1 bytes
/// map to themselves and the other 68 bytes to U+0100, U+0101, ... in byte order.
enum ByteLevelEncoding {
    /// The character standing for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0 ..< 256 {
            if (0x21 ... 0x7E).contains(byte) || (0xA1 ... 0xAC).contains(byte) || (0xAE ... 0xFF).contains(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// UTF-8 of the character standing for each byte.
    static let utf8ForByte: [[UInt8]] = scalarForByte.map { appendUTF8($0, to: []) }

    /// The byte a character stands for, or nil if it stands for none.
    static func byte(for scalar: UInt32) -> UInt8? {
        byteForScalar[Int(min(scalar, 512))]
    }

    private static let byteForScalar: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 513)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = UInt8(byte) }
        return table
    }()
}

/// Appends the UTF-8 encoding of a valid code point.
@inline(__always)
func appendUTF8(_ scalar: UInt32, to bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    appendUTF8(scalar, into: &bytes)
    return bytes
}

@inline(__always)
func appendUTF8(_ scalar: UInt32, into bytes: inout [UInt8]) {
    switch scalar {
    case 0 ..< 0x80:
        bytes.append(UInt8(scalar))
    case 0x80 ..< 0x800:
        bytes.append(UInt8(0xC0 | (scalar >> 6)))
        bytes.append(UInt8(0x80 | (scalar & 0x3F)))
    case 0x800 ..< 0x10000:
        bytes.append(UInt8(0xE0 | (scalar >> 12)))
        bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        bytes.append(UInt8(0xF0 | ((scalar >> 18) & 0x07)))
        bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        bytes.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}

/// Number of bytes of the UTF-8 sequence starting with `lead`, judged by its high nibble as llama.cpp does.
@inline(__always)
func utf8SequenceLength(_ lead: UInt8) -> Int {
    switch lead >> 4 {
    case 0xC, 0xD: 2
    case 0xE: 3
    case 0xF: 4
    default: 1
    }
}
