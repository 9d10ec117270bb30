/// Calendar dates in the usual written forms: `1984-03-12` (also with `/` or `.`), `03/12/1984`,
/// `12.03.1984`, `12-03-84`, `12 March 1984`, `12th Mar. 1984`, `12. März 1984`, `March 12, 1984`.
/// Numeric day-month order may be either way round; one valid reading is enough. Four-digit years
/// run 1900–2099.
extension PIIScanner {
    /// The end of a date starting at `s`, if one does.
    func parseDate(at s: Int) -> Int? {
        PIIBytes.isDigit(bytes[s]) ? parseNumericOrDayFirstDate(at: s) : parseMonthFirstDate(at: s)
    }

    private func readNumber(at p: Int, maxDigits: Int) -> (value: Int, digits: Int) {
        var value = 0, count = 0
        while count < maxDigits, PIIBytes.isDigit(at(p + count)) {
            value = value * 10 + PIIBytes.digitValue(at(p + count))
            count += 1
        }
        return (value, count)
    }

    private func parseNumericOrDayFirstDate(at s: Int) -> Int? {
        let first = readNumber(at: s, maxDigits: 5)
        var p = s + first.digits
        let separator = at(p)
        if separator == PIIBytes.minus || separator == PIIBytes.slash || separator == PIIBytes.dot,
           PIIBytes.isDigit(at(p + 1)) {
            let second = readNumber(at: p + 1, maxDigits: 3)
            p += 1 + second.digits
            guard at(p) == separator else { return nil }
            let third = readNumber(at: p + 1, maxDigits: 5)
            p += 1 + third.digits
            guard second.digits <= 2, isDateEnd(p) else { return nil }
            if first.digits == 4 {
                return third.digits <= 2 && isValidDate(year: first.value, month: second.value, day: third.value) ? p : nil
            }
            guard first.digits <= 2, third.digits == 4 || third.digits == 2 else { return nil }
            let year = third.digits == 4 ? third.value : 2000
            guard third.digits == 2 || isValidYear(year) else { return nil }
            let dayFirst = isValidDate(year: year, month: second.value, day: first.value)
            let monthFirst = isValidDate(year: year, month: first.value, day: second.value)
            return dayFirst || monthFirst ? p : nil
        }
        // Day first, then a month name: `12 March 1984`, `12th Mar 1984`, `12. März 1984`, `12-Mar-1984`.
        guard first.digits <= 2 else { return nil }
        p = skipOrdinalSuffix(at: p)
        if at(p) == PIIBytes.dot { p += 1 }
        guard at(p) == PIIBytes.space || at(p) == PIIBytes.minus else { return nil }
        p += 1
        guard let (month, monthEnd) = matchMonthName(at: p) else { return nil }
        p = monthEnd
        if at(p) == PIIBytes.dot { p += 1 }
        if at(p) == PIIBytes.comma { p += 1 }
        guard at(p) == PIIBytes.space || at(p) == PIIBytes.minus else { return nil }
        p += 1
        let year = readNumber(at: p, maxDigits: 5)
        p += year.digits
        guard year.digits == 4, isDateEnd(p), isValidDate(year: year.value, month: month, day: first.value) else {
            return nil
        }
        return p
    }

    /// `March 12, 1984`, `Mar. 12th 1984`.
    private func parseMonthFirstDate(at s: Int) -> Int? {
        guard let (month, monthEnd) = matchMonthName(at: s) else { return nil }
        var p = monthEnd
        if at(p) == PIIBytes.dot { p += 1 }
        guard at(p) == PIIBytes.space else { return nil }
        p += 1
        let day = readNumber(at: p, maxDigits: 3)
        guard (1...2).contains(day.digits) else { return nil }
        p = skipOrdinalSuffix(at: p + day.digits)
        if at(p) == PIIBytes.comma { p += 1 }
        guard at(p) == PIIBytes.space else { return nil }
        p += 1
        let year = readNumber(at: p, maxDigits: 5)
        p += year.digits
        guard year.digits == 4, isDateEnd(p), isValidDate(year: year.value, month: month, day: day.value) else {
            return nil
        }
        return p
    }

    private func skipOrdinalSuffix(at p: Int) -> Int {
        let a = PIIBytes.lower(at(p)), b = PIIBytes.lower(at(p + 1))
        let suffixes: [(UInt8, UInt8)] = [(0x73, 0x74), (0x6E, 0x64), (0x72, 0x64), (0x74, 0x68)]  // st nd rd th
        guard suffixes.contains(where: { $0 == (a, b) }), !PIIBytes.isLetter(at(p + 2)) else { return p }
        return p + 2
    }

    /// A date ends where no word, further number or time follows (`1984-03-12T…` is still a date).
    private func isDateEnd(_ p: Int) -> Bool {
        let next = at(p)
        if next == UInt8(ascii: "T"), PIIBytes.isDigit(at(p + 1)) { return true }
        if PIIBytes.isAlnum(next) { return false }
        if next == PIIBytes.minus || next == PIIBytes.slash || next == PIIBytes.dot || next == PIIBytes.colon {
            return !PIIBytes.isDigit(at(p + 1))
        }
        return true
    }

    private func isValidYear(_ year: Int) -> Bool { (1900...2099).contains(year) }

    private func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard isValidYear(year), (1...12).contains(month), day >= 1 else { return false }
        let days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= days[month - 1] else { return false }
        if month == 2, day == 29 { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
        return true
    }

    /// A month name in English (full or abbreviated), German or French, and the month number.
    private func matchMonthName(at p: Int) -> (Int, Int)? {
        guard PIIBytes.isLetter(at(p)), let candidates = PIIMonthNames.byFirstLetter[PIIBytes.lower(bytes[p])] else {
            return nil
        }
        for (name, month) in candidates {
            if let end = matchKeyword(name, at: p) { return (month, end) }
        }
        return nil
    }
}

enum PIIMonthNames {
    static let byFirstLetter: [UInt8: [([UInt8], Int)]] = {
        let names: [[String]] = [
            ["january", "jan", "januar", "jänner", "janvier"],
            ["february", "feb", "februar", "février", "fevrier"],
            ["march", "mar", "märz", "maerz", "mars"],
            ["april", "apr", "avril"],
            ["may", "mai"],
            ["june", "jun", "juni", "juin"],
            ["july", "jul", "juli", "juillet"],
            ["august", "aug", "août", "aout"],
            ["september", "sep", "sept", "septembre"],
            ["october", "oct", "oktober", "okt", "octobre"],
            ["november", "nov", "novembre"],
            ["december", "dec", "dezember", "dez", "décembre", "decembre"],
        ]
        var table = [UInt8: [([UInt8], Int)]]()
        for (index, spellings) in names.enumerated() {
            for spelling in spellings {
                let bytes = Array(spelling.utf8)
                table[bytes[0], default: []].append((bytes, index + 1))
            }
        }
        // Longest first: `juillet` before `juin`'s shorter neighbours never matters, but `sept` vs `sep` does.
        return table.mapValues { $0.sorted { $0.0.count > $1.0.count } }
    }()
}
