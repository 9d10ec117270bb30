/// Parses GBNF, llama.cpp's grammar notation, into a `Grammar`.
///
/// Supported: `name ::= alternatives` rules (the start rule is `root`), `|`, sequences, groups `( )`,
/// string literals with escapes (`\n \r \t \\ \" \xHH \uHHHH \UHHHHHHHH`), character classes `[a-z]`,
/// `[^"\\]`, `.`, repetition `* + ?` and `{m}`, `{m,}`, `{m,n}`, comments from `#`. A newline ends a rule
/// except inside parentheses or right after `::=` or `|`.
public extension Grammar {
    /// Parses GBNF text; `root` names the start rule.
    init(gbnf text: String, root: String = "root") throws(GrammarError) {
        var parser = GBNFParser(text)
        try parser.parseGrammar()
        self = try parser.builder.build(root: root)
    }
}

/// Collects rules while parsing and generating helper rules for groups and repetitions.
struct GrammarBuilder {
    private(set) var rules: [[[Grammar.Element]]?] = []
    private(set) var names: [String] = []
    private var index: [String: Int] = [:]
    private var classes: [CharClass] = []
    private var classIndex: [String: Int32] = [:]
    private var firstUseLine: [Int: Int] = [:]
    /// Bound on helper rules created by `{m,n}`, so a huge count fails instead of exhausting memory.
    static let maxRepetition = 4096

    /// The index of rule `name`, created (undefined) on first mention.
    mutating func ruleIndex(_ name: String, line: Int = 0) -> Int {
        if let i = index[name] { return i }
        let i = rules.count
        rules.append(nil)
        names.append(name)
        index[name] = i
        firstUseLine[i] = line
        return i
    }

    mutating func define(_ rule: Int, _ alternatives: [[Grammar.Element]], line: Int) throws(GrammarError) {
        guard rules[rule] == nil else { throw .syntax("rule '\(names[rule])' is defined twice", line: line) }
        rules[rule] = alternatives
    }

    /// A new helper rule named after `base`.
    mutating func helper(_ base: String, _ alternatives: [[Grammar.Element]]) -> Grammar.Element {
        let i = ruleIndex("\(base)-\(rules.count)")
        rules[i] = alternatives
        return .rule(Int32(i))
    }

    mutating func charClass(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> Grammar.Element {
        let key = (negated ? "^" : "") + ranges.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
        if let i = classIndex[key] { return .chars(i) }
        let i = Int32(classes.count)
        classes.append(CharClass(ranges: ranges, negated: negated))
        classIndex[key] = i
        return .chars(i)
    }

    /// `item` repeated between `min` and `max` (nil: unbounded) times, as elements of a sequence.
    mutating func repeated(_ item: [Grammar.Element], min: Int, max: Int?, base: String,
                           line: Int) throws(GrammarError) -> [Grammar.Element] {
        guard min >= 0, max.map({ $0 >= min }) ?? true else {
            throw .syntax("invalid repetition bounds {\(min),\(max.map(String.init) ?? "")}", line: line)
        }
        guard min <= Self.maxRepetition, (max ?? 0) <= Self.maxRepetition else {
            throw .syntax("repetition counts above \(Self.maxRepetition) are not supported", line: line)
        }
        var out: [Grammar.Element] = []
        for _ in 0..<min { out.append(contentsOf: item) }
        if let max {
            guard max > min else { return out }
            // Nested optionals: opt_k ::= item opt_{k+1} | ε, built from the innermost out.
            var tail: Grammar.Element? = nil
            for _ in min..<max {
                tail = helper(base, [item + (tail.map { [$0] } ?? []), []])
            }
            if let tail { out.append(tail) }
        } else {
            // star ::= item star | ε
            let star = ruleIndex("\(base)-\(rules.count)")
            rules[star] = [item + [.rule(Int32(star))], []]
            out.append(.rule(Int32(star)))
        }
        return out
    }

    func build(root: String) throws(GrammarError) -> Grammar {
        var complete: [[[Grammar.Element]]] = []
        for (i, r) in rules.enumerated() {
            guard let r else {
                throw .syntax("undefined rule '\(names[i])'", line: firstUseLine[i] ?? 0)
            }
            complete.append(r)
        }
        guard let rootIndex = index[root] else {
            throw GrammarError(.syntax, "the grammar has no '\(root)' rule")
        }
        return try Grammar(rules: complete, names: names, classes: classes, root: rootIndex)
    }
}

struct GBNFParser {
    private let text: [UInt32]
    private var pos = 0
    private var line = 1
    var builder = GrammarBuilder()

    init(_ source: String) { text = source.unicodeScalars.map(\.value) }

    private var current: UInt32? { pos < text.count ? text[pos] : nil }
    private func peek(_ offset: Int = 0) -> UInt32? { pos + offset < text.count ? text[pos + offset] : nil }
    private func error(_ message: String) -> GrammarError { .syntax(message, line: line) }

    mutating func parseGrammar() throws(GrammarError) {
        skipSpace(newlines: true)
        while current != nil {
            try parseRule()
            skipSpace(newlines: true)
        }
    }

    /// Skips blanks and comments; newlines too when `newlines`.
    private mutating func skipSpace(newlines: Bool) {
        while let c = current {
            if c == 0x20 || c == 0x09 || c == 0x0D {
                pos += 1
            } else if c == 0x0A && newlines {
                pos += 1
                line += 1
            } else if c == 0x23 {  // '#' to the end of the line
                while let d = current, d != 0x0A { _ = d; pos += 1 }
            } else {
                break
            }
        }
    }

    private static func isNameChar(_ c: UInt32) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
    }

    private mutating func parseName() throws(GrammarError) -> String {
        let start = pos
        while let c = current, Self.isNameChar(c) { pos += 1 }
        guard pos > start else {
            let found = current.flatMap(Unicode.Scalar.init).map { "'\(Character($0))'" } ?? "the end of the text"
            throw error("expected a rule name, found \(found)")
        }
        return String(String.UnicodeScalarView(text[start..<pos].compactMap(Unicode.Scalar.init)))
    }

    private mutating func parseRule() throws(GrammarError) {
        let ruleLine = line
        let name = try parseName()
        skipSpace(newlines: false)
        guard peek() == 0x3A, peek(1) == 0x3A, peek(2) == 0x3D else { throw error("expected '::=' after '\(name)'") }
        pos += 3
        skipSpace(newlines: true)
        let alternatives = try parseAlternatives(name, nested: false)
        let index = builder.ruleIndex(name, line: ruleLine)
        try builder.define(index, alternatives, line: ruleLine)
        skipSpace(newlines: false)
        if let c = current {
            guard c == 0x0A else {
                throw error("unexpected '\(Character(Unicode.Scalar(c) ?? "?"))' at the end of rule '\(name)'")
            }
        }
    }

    private mutating func parseAlternatives(_ name: String, nested: Bool) throws(GrammarError) -> [[Grammar.Element]] {
        var alternatives = [try parseSequence(name, nested: nested)]
        while current == 0x7C {  // '|'
            pos += 1
            skipSpace(newlines: true)
            alternatives.append(try parseSequence(name, nested: nested))
        }
        return alternatives
    }

    private mutating func parseSequence(_ name: String, nested: Bool) throws(GrammarError) -> [Grammar.Element] {
        var seq: [Grammar.Element] = []
        while let c = current {
            let itemStart = seq.count
            switch c {
            case 0x22:  // '"'
                pos += 1
                for cp in try parseLiteral() { seq.append(builder.charClass([cp...cp], negated: false)) }
            case 0x5B:  // '['
                pos += 1
                seq.append(try parseClass())
            case 0x2E:  // '.'
                pos += 1
                seq.append(builder.charClass([], negated: true))
            case 0x28:  // '('
                pos += 1
                skipSpace(newlines: true)
                let alternatives = try parseAlternatives(name, nested: true)
                guard current == 0x29 else { throw error("expected ')'") }
                pos += 1
                seq.append(builder.helper(name, alternatives))
            default:
                guard Self.isNameChar(c) else { return seq }
                let ref = try parseName()
                seq.append(.rule(Int32(builder.ruleIndex(ref, line: line))))
            }
            skipSpace(newlines: nested)
            try parsePostfix(&seq, from: itemStart, name)
        }
        return seq
    }

    private mutating func parsePostfix(_ seq: inout [Grammar.Element], from start: Int, _ name: String) throws(GrammarError) {
        guard let c = current else { return }
        let item = Array(seq[start...])
        let bounds: (Int, Int?)
        switch c {
        case 0x2A: pos += 1; bounds = (0, nil)   // '*'
        case 0x2B: pos += 1; bounds = (1, nil)   // '+'
        case 0x3F: pos += 1; bounds = (0, 1)     // '?'
        case 0x7B:                               // '{'
            pos += 1
            skipSpace(newlines: false)
            let low = try parseInt()
            skipSpace(newlines: false)
            var high: Int? = low
            if current == 0x2C {  // ','
                pos += 1
                skipSpace(newlines: false)
                if let d = current, d >= 0x30, d <= 0x39 { high = try parseInt() } else { high = nil }
                skipSpace(newlines: false)
            }
            guard current == 0x7D else { throw error("expected '}' to close a repetition") }
            pos += 1
            bounds = (low, high)
        default:
            return
        }
        guard !item.isEmpty else { throw error("a repetition operator must follow an item") }
        seq.removeSubrange(start...)
        seq.append(contentsOf: try builder.repeated(item, min: bounds.0, max: bounds.1, base: name, line: line))
        skipSpace(newlines: false)
        if let next = current, [0x2A, 0x2B, 0x3F, 0x7B].contains(next) {
            throw error("two repetition operators in a row; wrap the item in parentheses")
        }
    }

    private mutating func parseInt() throws(GrammarError) -> Int {
        var value = 0
        var digits = 0
        while let c = current, c >= 0x30, c <= 0x39 {
            guard value <= 1_000_000 else { throw error("repetition count too large") }
            value = value * 10 + Int(c - 0x30)
            digits += 1
            pos += 1
        }
        guard digits > 0 else { throw error("expected a number in a repetition") }
        return value
    }

    private mutating func parseLiteral() throws(GrammarError) -> [UInt32] {
        var out: [UInt32] = []
        while true {
            guard let c = current, c != 0x0A else { throw error("unterminated string literal") }
            pos += 1
            if c == 0x22 { return out }
            out.append(c == 0x5C ? try parseEscape() : c)
        }
    }

    private mutating func parseClass() throws(GrammarError) -> Grammar.Element {
        var negated = false
        if current == 0x5E { negated = true; pos += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let c = current, c != 0x0A else { throw error("unterminated character class") }
            pos += 1
            if c == 0x5D { break }  // ']'
            let low = c == 0x5C ? try parseEscape() : c
            var high = low
            if current == 0x2D, let after = peek(1), after != 0x5D {  // a range 'a-z'
                pos += 1
                guard let h = current else { throw error("unterminated character class") }
                pos += 1
                high = h == 0x5C ? try parseEscape() : h
                guard high >= low else { throw error("character range is reversed") }
            }
            ranges.append(low...high)
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        return builder.charClass(ranges, negated: negated)
    }

    /// After a backslash.
    private mutating func parseEscape() throws(GrammarError) -> UInt32 {
        guard let c = current else { throw error("a backslash ends the text") }
        pos += 1
        switch c {
        case 0x6E: return 0x0A  // n
        case 0x72: return 0x0D  // r
        case 0x74: return 0x09  // t
        case 0x30: return 0     // 0
        case 0x78: return try parseHex(2)  // x
        case 0x75: return try parseHex(4)  // u
        case 0x55: return try parseHex(8)  // U
        default: return c       // \\ \" \[ \] \- and any other character stand for themselves
        }
    }

    private mutating func parseHex(_ count: Int) throws(GrammarError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let c = current else { throw error("expected \(count) hex digits") }
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: throw error("expected \(count) hex digits")
            }
            value = value << 4 | digit
            pos += 1
        }
        guard value <= 0x10FFFF else { throw error("escape beyond U+10FFFF") }
        return value
    }
}
