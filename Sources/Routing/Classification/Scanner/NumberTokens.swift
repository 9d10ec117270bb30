/// What joins a digit group to the one before it.
enum PIISeparator: UInt8 {
    case none, space, dash, dot, slash, openParen, closeParen
}

/// One run of digits inside a number token: bytes `start..<end`, preceded by `separator`.
struct PIINumberGroup {
    let start: Int
    let end: Int
    let separator: PIISeparator

    var length: Int { end - start }
}

/// How a number token ends.
enum PIITokenEnd {
    case clean      // end of text, whitespace or punctuation
    case ipSuffix   // `:port` or `/prefix-length`: acceptable after an IPv4 address only
    case bad        // glued to a word, an `@`, a decimal part or a time
}

/// Number tokens: runs of digit groups joined by single separators (space, `-`, `.`, `/`, parentheses),
/// optionally after `+` or `(`. Every prefix of the groups that ends at a clean boundary is tried,
/// longest first, as IPv4, payment card, SSN and phone number; the first that fits wins.
extension PIIScanner {
    mutating func scanNumber(at start: Int) -> Int {
        guard isNumberStart(start) else { return skipDigits(from: start) }
        groups.removeAll(keepingCapacity: true)
        var p = start
        let plus = at(p) == PIIBytes.plus
        if plus { p += 1 }
        let paren = at(p) == PIIBytes.openParen
        if paren { p += 1 }
        guard PIIBytes.isDigit(at(p)) else { return start + 1 }

        var separator = PIISeparator.none
        while true {
            let groupStart = p
            while PIIBytes.isDigit(at(p)) { p += 1 }
            groups.append(PIINumberGroup(start: groupStart, end: p, separator: separator))
            // A dozen groups is more than any format we look for; the rest is scanned as a new token.
            if groups.count == 12 { break }
            let (next, width) = readSeparator(at: p)
            guard next != .none, PIIBytes.isDigit(at(p + width)) else { break }
            separator = next
            p += width
        }
        let tokenEnd = groups[groups.count - 1].end

        for k in stride(from: groups.count, through: 1, by: -1) {
            let ending = tokenEnding(prefix: k)
            if case .bad = ending { continue }
            if let type = classifyNumber(prefix: k, plus: plus, paren: paren, ending: ending) {
                let end = groups[k - 1].end
                // Only a phone number owns a leading `(`; an address or card in parentheses starts at its digits.
                let entityStart = type == .phone ? start : groups[0].start
                found.append(PIICandidate(type: type, start: entityStart, end: end))
                return end
            }
        }
        return tokenEnd
    }

    /// A number may not continue a word (`abc123`), an order number (`#123`, `ORD-2024-1`), a decimal
    /// or thousands group (`1.5`, `1,234`) or a time (`12:30`).
    private func isNumberStart(_ s: Int) -> Bool {
        let prev = at(s - 1)
        if PIIBytes.isAlnum(prev) || prev == PIIBytes.underscore || prev == PIIBytes.hash { return false }
        switch prev {
        case PIIBytes.minus, PIIBytes.dot, PIIBytes.slash:
            return !PIIBytes.isAlnum(at(s - 2))
        case PIIBytes.colon, PIIBytes.comma, PIIBytes.plus:
            return !PIIBytes.isDigit(at(s - 2))
        default:
            return true
        }
    }

    private func skipDigits(from s: Int) -> Int {
        var i = s + 1
        while PIIBytes.isDigit(at(i)) { i += 1 }
        return i
    }

    private func readSeparator(at p: Int) -> (PIISeparator, Int) {
        switch at(p) {
        case PIIBytes.space: return at(p + 1) == PIIBytes.openParen ? (.openParen, 2) : (.space, 1)
        case PIIBytes.minus: return (.dash, 1)
        case PIIBytes.dot: return (.dot, 1)
        case PIIBytes.slash: return (.slash, 1)
        case PIIBytes.openParen: return (.openParen, 1)
        case PIIBytes.closeParen:
            let after = at(p + 1)
            return after == PIIBytes.space || after == PIIBytes.minus ? (.closeParen, 2) : (.closeParen, 1)
        default: return (.none, 0)
        }
    }

    /// A shorter prefix may only stop at a plain space (`call 555-123-4567 2 times`); the whole token
    /// must not be glued to what follows.
    private func tokenEnding(prefix k: Int) -> PIITokenEnd {
        if k < groups.count {
            switch groups[k].separator {
            case .space: return .clean
            case .slash: return .ipSuffix  // CIDR: `10.0.0.0/8`
            default: return .bad
            }
        }
        let e = groups[k - 1].end
        let next = at(e)
        if PIIBytes.isAlnum(next) || next == PIIBytes.underscore || next == PIIBytes.at { return .bad }
        if PIIBytes.isDigit(at(e + 1)) {
            if next == PIIBytes.colon { return .ipSuffix }
            if next == PIIBytes.comma || next == PIIBytes.dot || next == PIIBytes.minus { return .bad }
        }
        return .clean
    }

    private mutating func classifyNumber(prefix k: Int, plus: Bool, paren: Bool, ending: PIITokenEnd) -> EntityType? {
        // A `(` before the digits may belong to the prose; a `+` makes it a phone number or nothing.
        let plain = !plus
        if plain, switches.ipAddress, isIPv4Groups(k) { return .ipAddress }
        guard case .clean = ending else { return nil }
        collectDigits(prefix: k)
        if plain, switches.paymentCard, isPaymentCard(k) { return .paymentCard }
        if plain, switches.ssn, isSSN(k) { return .ssn }
        if switches.phone, isPhone(k, plus: plus, paren: paren) { return .phone }
        return nil
    }

    private mutating func collectDigits(prefix k: Int) {
        digits.removeAll(keepingCapacity: true)
        for g in groups[0..<k] {
            for i in g.start..<g.end { digits.append(bytes[i] &- 0x30) }
        }
    }

    private func isIPv4Groups(_ k: Int) -> Bool {
        guard k == 4 else { return false }
        for (index, g) in groups[0..<4].enumerated() {
            if index > 0, g.separator != .dot { return false }
            guard g.length <= 3, octetValue(g.start, g.end) <= 255 else { return false }
        }
        return true
    }

    func octetValue(_ s: Int, _ e: Int) -> Int {
        var v = 0
        for i in s..<e { v = v * 10 + PIIBytes.digitValue(bytes[i]) }
        return v
    }

    /// 13–19 digits, either unbroken or in groups (first of four) joined by one kind of separator,
    /// with a known issuer prefix and length, and a valid Luhn check digit.
    private func isPaymentCard(_ k: Int) -> Bool {
        guard (13...19).contains(digits.count) else { return false }
        if k > 1 {
            let separator = groups[1].separator
            guard separator == .space || separator == .dash, groups[0].length == 4 else { return false }
            for g in groups[1..<k] where g.separator != separator || !(1...6).contains(g.length) {
                return false
            }
        }
        return PIIChecksums.isKnownCardPrefix(digits) && PIIChecksums.luhn(digits)
    }

    /// `AAA-GG-SSSS` or `AAA GG SSSS`; area 000, 666 and 900–999, group 00 and serial 0000 were never issued.
    private func isSSN(_ k: Int) -> Bool {
        guard k == 3, groups[0].length == 3, groups[1].length == 2, groups[2].length == 4 else { return false }
        let separator = groups[1].separator
        guard separator == .dash || separator == .space, groups[2].separator == separator else { return false }
        let area = Int(digits[0]) * 100 + Int(digits[1]) * 10 + Int(digits[2])
        let group = Int(digits[3]) * 10 + Int(digits[4])
        let serial = digits[5...8].reduce(0) { $0 * 10 + Int($1) }
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }
}
