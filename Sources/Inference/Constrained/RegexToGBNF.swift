/// Turns a JSON Schema `pattern` (a practical subset of ECMAScript regular expressions) into a GBNF
/// expression for the *content* of a JSON string that matches it in full.
///
/// Supported: literals, `.`, escapes (`\d \D \w \W \s \S` and escaped punctuation), classes `[...]` and
/// `[^...]` with ranges, groups `(...)` and `(?:...)`, `|`, quantifiers `* + ? {m} {m,} {m,n}` (a lazy
/// `?` suffix is accepted: it does not change the language), and `^` / `$` at the ends. Refused with a
/// clear error: lookaround, backreferences, word boundaries, anchors elsewhere. Characters a JSON string
/// must escape (`"`, `\`, control characters) are written escaped; classes and `.` leave them out.
enum RegexToGBNF {
    static func convert(_ pattern: String, path: String) throws(GrammarError) -> String {
        var p = RegexParser(Array(pattern.unicodeScalars.map(\.value)), path: path)
        return try p.parseWhole()
    }
}

private struct RegexParser {
    let text: [UInt32]
    let path: String
    var pos = 0

    init(_ text: [UInt32], path: String) {
        self.text = text
        self.path = path
    }

    /// Code points a JSON string holds only escaped.
    static let unsafe: [ClosedRange<UInt32>] = [0...0x1F, 0x22...0x22, 0x5C...0x5C, 0x7F...0x7F]

    private var current: UInt32? { pos < text.count ? text[pos] : nil }

    private func unsupported(_ what: String) -> GrammarError {
        .unsupported("pattern", at: path, "\(what) is not supported in patterns")
    }

    private func invalid(_ what: String) -> GrammarError {
        GrammarError(.invalidSchema, "invalid pattern at \(path): \(what)")
    }

    mutating func parseWhole() throws(GrammarError) -> String {
        if current == 0x5E { pos += 1 }  // ^
        let body = try parseAlternatives(top: true)
        if current == 0x24 { pos += 1 }  // $
        guard pos == text.count else {
            if current == 0x29 { throw invalid("unbalanced ')'") }
            throw unsupported("an anchor inside the pattern")
        }
        return "( " + body + " )"
    }

    private mutating func parseAlternatives(top: Bool) throws(GrammarError) -> String {
        var alts = [try parseSequence(top: top)]
        while current == 0x7C {
            pos += 1
            alts.append(try parseSequence(top: top))
        }
        return alts.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: " | ")
    }

    private mutating func parseSequence(top: Bool) throws(GrammarError) -> String {
        var items: [String] = []
        while let c = current {
            if c == 0x7C || c == 0x29 { break }
            if c == 0x24 {  // '$' only at the very end
                if top && pos == text.count - 1 { break }
                throw unsupported("'$' inside the pattern")
            }
            var atom = try parseAtom()
            atom = try parseQuantifier(atom)
            items.append(atom)
        }
        return items.joined(separator: " ")
    }

    private mutating func parseAtom() throws(GrammarError) -> String {
        guard let c = current else { throw invalid("unexpected end") }
        pos += 1
        switch c {
        case 0x28:  // (
            if current == 0x3F {  // (?
                guard pos + 1 < text.count, text[pos + 1] == 0x3A else { throw unsupported("lookaround and named groups") }
                pos += 2
            }
            let inner = try parseAlternatives(top: false)
            guard current == 0x29 else { throw invalid("missing ')'") }
            pos += 1
            return "( " + inner + " )"
        case 0x5B: return try parseClass()
        case 0x2E: return Self.classText([], negated: true)
        case 0x5C: return try parseEscapeAtom()
        case 0x5E: throw unsupported("'^' inside the pattern")
        case 0x2A, 0x2B, 0x3F, 0x7B: throw invalid("a quantifier without an atom")
        default: return Self.literal(c)
        }
    }

    private mutating func parseEscapeAtom() throws(GrammarError) -> String {
        guard let e = current else { throw invalid("a trailing backslash") }
        pos += 1
        if let class_ = Self.shorthand(e) { return Self.classText(class_.0, negated: class_.1) }
        if let single = try singleEscape(e) { return Self.literal(single) }
        throw unsupported("the escape '\\\(Character(Unicode.Scalar(e) ?? "?"))'")
    }

    /// `\d`, `\w`, `\s` and their negations; `\s` is only the space inside a JSON string.
    private static func shorthand(_ e: UInt32) -> ([ClosedRange<UInt32>], Bool)? {
        switch e {
        case 0x64: return ([0x30...0x39], false)                                        // d
        case 0x44: return ([0x30...0x39], true)                                         // D
        case 0x77: return ([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A], false) // w
        case 0x57: return ([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A], true)  // W
        case 0x73: return ([0x20...0x20], false)                                        // s
        case 0x53: return ([0x20...0x20], true)                                         // S
        default: return nil
        }
    }

    /// An escaped character standing for one code point, or nil for an unsupported escape.
    private mutating func singleEscape(_ e: UInt32) throws(GrammarError) -> UInt32? {
        switch e {
        case 0x6E: return 0x0A
        case 0x74: return 0x09
        case 0x72: return 0x0D
        case 0x62, 0x42: throw unsupported("word boundaries")
        case 0x31...0x39: throw unsupported("backreferences")
        case 0x75, 0x78:
            let n = e == 0x75 ? 4 : 2
            var v: UInt32 = 0
            for _ in 0..<n {
                guard let h = current, let digit = Self.hex(h) else { throw invalid("bad hex escape") }
                v = v << 4 | digit
                pos += 1
            }
            return v
        default:
            let isAlnum = (e >= 0x30 && e <= 0x39) || (e >= 0x41 && e <= 0x5A) || (e >= 0x61 && e <= 0x7A)
            return isAlnum ? nil : e
        }
    }

    private static func hex(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    private mutating func parseClass() throws(GrammarError) -> String {
        var negated = false
        if current == 0x5E { negated = true; pos += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while true {
            guard let c = current else { throw invalid("missing ']'") }
            pos += 1
            if c == 0x5D && !first { break }
            first = false
            var low = c
            if c == 0x5C {
                guard let e = current else { throw invalid("a trailing backslash") }
                pos += 1
                if let class_ = Self.shorthand(e) {
                    guard !class_.1 else { throw unsupported("a negated shorthand inside a class") }
                    ranges += class_.0
                    continue
                }
                guard let s = try singleEscape(e) else { throw unsupported("that escape inside a class") }
                low = s
            }
            var high = low
            if current == 0x2D, pos + 1 < text.count, text[pos + 1] != 0x5D {
                pos += 1
                guard var h = current else { throw invalid("missing ']'") }
                pos += 1
                if h == 0x5C {
                    guard let e = current else { throw invalid("a trailing backslash") }
                    pos += 1
                    guard let s = try singleEscape(e) else { throw unsupported("that escape inside a class") }
                    h = s
                }
                guard h >= low else { throw invalid("a reversed range") }
                high = h
            }
            ranges.append(low...high)
        }
        if negated { return Self.classText(ranges, negated: true) }
        let safe = Self.subtractUnsafe(ranges)
        guard !safe.isEmpty else { throw unsupported("a class of only characters a JSON string must escape") }
        return Self.classText(safe, negated: false)
    }

    private mutating func parseQuantifier(_ atom: String) throws(GrammarError) -> String {
        guard let c = current else { return atom }
        var suffix: String
        switch c {
        case 0x2A: suffix = "*"; pos += 1
        case 0x2B: suffix = "+"; pos += 1
        case 0x3F: suffix = "?"; pos += 1
        case 0x7B:
            let start = pos
            pos += 1
            var body = ""
            while let d = current, d != 0x7D {
                guard (d >= 0x30 && d <= 0x39) || d == 0x2C else {
                    pos = start
                    throw invalid("bad repetition braces")
                }
                body.unicodeScalars.append(Unicode.Scalar(d)!)
                pos += 1
            }
            guard current == 0x7D, !body.isEmpty, body.first != "," else { throw invalid("bad repetition braces") }
            pos += 1
            suffix = "{" + body + "}"
        default:
            return atom
        }
        if current == 0x3F { pos += 1 }  // lazy: same language
        if let next = current, [0x2A, 0x2B, 0x3F, 0x7B].contains(next) { throw unsupported("possessive or stacked quantifiers") }
        return "( " + atom + " )" + suffix
    }

    /// A literal code point as the JSON string content that writes it.
    static func literal(_ c: UInt32) -> String {
        guard let scalar = Unicode.Scalar(c) else { return "\"\"" }
        let json = JSONGrammarRules.jsonString(String(Character(scalar)))
        return JSONGrammarRules.literal(String(json.dropFirst().dropLast()))
    }

    static func subtractUnsafe(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        for r in ranges {
            var pieces = [r]
            for u in unsafe {
                pieces = pieces.flatMap { p -> [ClosedRange<UInt32>] in
                    guard p.overlaps(u) else { return [p] }
                    var rest: [ClosedRange<UInt32>] = []
                    if p.lowerBound < u.lowerBound { rest.append(p.lowerBound...(u.lowerBound - 1)) }
                    if p.upperBound > u.upperBound { rest.append((u.upperBound + 1)...p.upperBound) }
                    return rest
                }
            }
            out += pieces
        }
        return out
    }

    /// A GBNF class; negated classes also leave out what a JSON string must escape.
    static func classText(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> String {
        let all = negated ? ranges + unsafe : ranges
        var text = negated ? "[^" : "["
        for r in all {
            text += escapeInClass(r.lowerBound)
            if r.upperBound != r.lowerBound { text += "-" + escapeInClass(r.upperBound) }
        }
        return text + "]"
    }

    private static func escapeInClass(_ c: UInt32) -> String {
        if c < 0x20 || c == 0x7F || c == 0x5C || c == 0x5D || c == 0x5B || c == 0x2D || c == 0x5E || c == 0x22 {
            return "\\x" + String(c, radix: 16).leftPadded(to: 2)
        }
        guard let s = Unicode.Scalar(c) else { return "" }
        return String(Character(s))
    }
}
