/// The character classes llama.cpp's pre-tokenizer regexes test, one bit each.
///
/// llama.cpp derives them from the Unicode general category (`\p{L}`, `\p{N}`, ...) and the White_Space
/// property (`\s`), generated with Python's `regex` module. We take both from the Swift standard library's
/// Unicode tables; the two can differ only for code points assigned in newer Unicode versions.
struct UnicodeFlags: OptionSet, Sendable {
    let rawValue: UInt8

    static let number = UnicodeFlags(rawValue: 1 << 0)       // \p{N}
    static let letter = UnicodeFlags(rawValue: 1 << 1)       // \p{L}
    static let whitespace = UnicodeFlags(rawValue: 1 << 2)   // \s (White_Space)
    static let punctuation = UnicodeFlags(rawValue: 1 << 3) // \p{P}
    static let symbol = UnicodeFlags(rawValue: 1 << 4)       // \p{S}
    static let mark = UnicodeFlags(rawValue: 1 << 5)         // \p{M}

    /// Flags of code point `scalar`; values outside Unicode have none.
    static func of(_ scalar: UInt32) -> UnicodeFlags {
        if scalar < 0x10000 {
            return UnicodeFlags(rawValue: basicPlane[Int(scalar)])
        }
        return compute(scalar)
    }

    /// Precomputed flags of the Basic Multilingual Plane, where nearly all text lives.
    private static let basicPlane: [UInt8] = (0 ..< 0x10000).map { compute(UInt32($0)).rawValue }

    private static func compute(_ value: UInt32) -> UnicodeFlags {
        guard let scalar = Unicode.Scalar(value) else { return [] }
        var flags: UnicodeFlags = []
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            flags.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            flags.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            flags.insert(.punctuation)
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            flags.insert(.symbol)
        case .nonspacingMark, .spacingMark, .enclosingMark:
            flags.insert(.mark)
        default:
            break
        }
        if scalar.properties.isWhitespace { flags.insert(.whitespace) }
        return flags
    }
}
