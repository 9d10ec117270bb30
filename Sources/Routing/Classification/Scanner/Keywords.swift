/// Case-insensitive keyword matching at a word start. Keywords are stored lowercase; ASCII letters in
/// the text are lowered before comparing, other bytes (`é` in `née`) must match exactly.
extension PIIScanner {
    /// The end of `keyword` if the text at `s` spells it and the next byte does not continue a word.
    func matchKeyword(_ keyword: [UInt8], at s: Int) -> Int? {
        guard s + keyword.count <= bytes.count else { return nil }
        for (offset, k) in keyword.enumerated() where PIIBytes.lower(bytes[s + offset]) != k {
            return nil
        }
        let end = s + keyword.count
        let last = keyword[keyword.count - 1]
        // `geb.` ends in punctuation: anything may follow. Otherwise the word must end here.
        if PIIBytes.isLetter(last) || last >= 0x80, PIIBytes.isLetter(at(end)) { return nil }
        return end
    }

    /// The end of the first keyword in `list` found at `s`.
    func matchAnyKeyword(_ list: [[UInt8]], at s: Int) -> Int? {
        for keyword in list {
            if let end = matchKeyword(keyword, at: s) { return end }
        }
        return nil
    }
}

/// Keyword tables, grouped by first letter so a word is compared only with keywords it could be.
enum PIIKeywords {
    static func bytes(_ words: [String]) -> [[UInt8]] {
        // Longest first, so `date of birth` wins over a shorter keyword sharing its start.
        words.map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    /// Words that announce a date of birth, in English, German, French and Spanish.
    static let birth: [UInt8: [[UInt8]]] = [
        UInt8(ascii: "b"): bytes(["born", "birthday", "birth date", "birthdate"]),
        UInt8(ascii: "d"): bytes(["dob", "d.o.b.", "d.o.b", "date of birth", "date de naissance"]),
        UInt8(ascii: "g"): bytes(["geboren", "geb.", "geburtsdatum", "geburtstag"]),
        UInt8(ascii: "n"): bytes(["né", "née", "naissance", "nacido", "nacida"]),
        UInt8(ascii: "f"): bytes(["fecha de nacimiento"]),
    ]

    /// `MRN`, or `medical record` followed by `number`, `no`, `nr` or `#`.
    static let mrn = bytes(["mrn"])
    static let medicalRecord = bytes(["medical record"])
    static let medicalRecordSuffixes = bytes([" number", " no.", " no", " nr.", " nr", " #", "#"])
}
