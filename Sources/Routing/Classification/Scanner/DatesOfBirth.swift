/// Dates of birth: a date that follows a birth keyword (`DOB`, `date of birth`, `born`, `birthday`,
/// `geboren`, `né le`, …) within a short window, 40 bytes from the keyword's end. The window stops
/// at the end of a sentence, a blank line, or a number that is not a date (`born in 1984 and moved on
/// 2001-05-02` finds nothing). Dates without such a keyword (log timestamps, due dates) are never
/// matched, and neither is a date before its keyword (`12.03.1984 (DOB)`).
extension PIIScanner {
    static let birthWindow = 40

    mutating func scanBirthKeyword(at s: Int) {
        guard let keywords = PIIKeywords.birth[PIIBytes.lower(bytes[s])],
              let keywordEnd = matchAnyKeyword(keywords, at: s)
        else { return }
        let limit = min(bytes.count, keywordEnd + Self.birthWindow)
        var p = keywordEnd
        while p < limit {
            let b = bytes[p]
            if PIIBytes.isAlnum(b), !PIIBytes.isAlnum(at(p - 1)) {
                if let end = parseDate(at: p) {
                    found.append(PIICandidate(type: .dateOfBirth, start: p, end: end))
                    return
                }
                if PIIBytes.isDigit(b) { return }
                while PIIBytes.isAlnum(at(p)) { p += 1 }
                continue
            }
            let next = at(p + 1)
            if b == PIIBytes.newline, next == PIIBytes.newline { return }
            if p > keywordEnd, b == PIIBytes.dot || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") || b == UInt8(ascii: ";"),
               next == PIIBytes.space || next == PIIBytes.newline {
                return
            }
            p += 1
        }
    }
}
