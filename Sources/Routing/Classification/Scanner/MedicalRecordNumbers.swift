/// Medical record numbers: `MRN` or `medical record number|no|nr|#`, then up to six separator bytes
/// (spaces, `:`, `#`, `=`, `-`, `.`) and optionally `is`, then an identifier of 6–12 letters and
/// digits (at least one digit), optionally split by single `-`, `/` or `.`. Only the identifier is
/// the entity.
extension PIIScanner {
    mutating func scanMedicalRecordKeyword(at s: Int) {
        guard PIIBytes.lower(bytes[s]) == UInt8(ascii: "m") else { return }
        var end: Int
        if let e = matchAnyKeyword(PIIKeywords.mrn, at: s) {
            end = e
        } else if let e = matchAnyKeyword(PIIKeywords.medicalRecord, at: s),
                  let suffixEnd = matchAnyKeyword(PIIKeywords.medicalRecordSuffixes, at: e) {
            end = suffixEnd
        } else {
            return
        }
        var skipped = 0
        while skipped < 6, isMRNSeparator(at(end)) {
            end += 1
            skipped += 1
        }
        if let afterIs = matchKeyword(Array("is".utf8), at: end), at(afterIs) == PIIBytes.space {
            end = afterIs + 1
        }
        if let idEnd = parseRecordIdentifier(at: end) {
            found.append(PIICandidate(type: .medicalRecordNumber, start: end, end: idEnd))
        }
    }

    private func isMRNSeparator(_ b: UInt8) -> Bool {
        switch b {
        case PIIBytes.space, PIIBytes.colon, PIIBytes.hash, PIIBytes.minus, PIIBytes.dot, UInt8(ascii: "="): return true
        default: return false
        }
    }

    private func parseRecordIdentifier(at s: Int) -> Int? {
        guard PIIBytes.isAlnum(at(s)) else { return nil }
        var p = s, characters = 0, sawDigit = false
        while true {
            while PIIBytes.isAlnum(at(p)) {
                sawDigit = sawDigit || PIIBytes.isDigit(at(p))
                characters += 1
                p += 1
            }
            let b = at(p)
            guard b == PIIBytes.minus || b == PIIBytes.slash || b == PIIBytes.dot, PIIBytes.isAlnum(at(p + 1)) else { break }
            p += 1
        }
        return (6...12).contains(characters) && sawDigit ? p : nil
    }
}
