/// The placeholder syntax: `[LABEL_N]`, where LABEL is an uppercase ASCII letter followed by uppercase
/// letters, digits or `_`, and N is a decimal number without leading zero. ASCII so upstream models copy
/// it verbatim; anything of this shape already in the input is escaped by the redactor (see `Redactor`).
enum Placeholder {
    /// Placeholders are never longer than this many bytes, which bounds what a streaming restorer holds.
    static let maxLength = 48
    /// Labels are cut to this many bytes.
    static let maxLabelLength = 32
    /// The label of placeholders that stand for placeholder-shaped text found in the input.
    static let literalLabel = "LITERAL"

    static func make(label: String, number: Int) -> String { "[\(label)_\(number)]" }

    /// The end (one past `]`) of a placeholder-shaped run starting at the `[` at `start`.
    static func match<C: RandomAccessCollection>(_ bytes: C, at start: C.Index) -> C.Index?
    where C.Element == UInt8 {
        let limit = bytes.index(start, offsetBy: maxLength, limitedBy: bytes.endIndex) ?? bytes.endIndex
        var i = bytes.index(after: start)
        guard i < limit, PIIBytes.isUpper(bytes[i]) else { return nil }
        var lastUnderscore: C.Index? = nil
        while i < limit {
            let b = bytes[i]
            if b == PIIBytes.closeBracket {
                // LABEL `_` NUMBER: the number is everything after the last `_`.
                guard let u = lastUnderscore else { return nil }
                let numberStart = bytes.index(after: u)
                guard numberStart < i, bytes[numberStart] != UInt8(ascii: "0"),
                      bytes[numberStart..<i].allSatisfy(PIIBytes.isDigit)
                else { return nil }
                return bytes.index(after: i)
            }
            if b == PIIBytes.underscore {
                lastUnderscore = i
            } else if !PIIBytes.isUpper(b), !PIIBytes.isDigit(b) {
                return nil
            }
            i = bytes.index(after: i)
        }
        return nil
    }

    /// A label derived from a custom pattern's name: uppercase letters and digits, other characters
    /// as `_`, starting with a letter.
    static func sanitizedLabel(_ name: String) -> String {
        var bytes = [UInt8]()
        for b in name.utf8 where bytes.count < maxLabelLength {
            if PIIBytes.isLetter(b) {
                bytes.append(b & ~0x20)
            } else if PIIBytes.isDigit(b) {
                bytes.append(b)
            } else {
                bytes.append(PIIBytes.underscore)
            }
        }
        guard let first = bytes.first else { return "CUSTOM" }
        if !PIIBytes.isUpper(first) { bytes.insert(UInt8(ascii: "X"), at: 0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
