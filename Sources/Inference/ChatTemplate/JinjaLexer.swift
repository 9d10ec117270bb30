/// Splits template source into text and tags, applying Hugging Face's whitespace settings
/// (`trim_blocks=True`, `lstrip_blocks=True`, `keep_trailing_newline=False`) and the `-`/`+` markers,
/// and tokenises the inside of each tag.

/// One token inside a `{{ }}` or `{% %}` tag.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case name(String)
        case string(String)
        case int(Int)
        case double(Double)
        /// Punctuation or operator, e.g. `==`, `(`, `|`.
        case op(String)
    }
    var kind: Kind
    var location: SourceLocation
}

/// A piece of the template at the top level.
enum Segment: Sendable {
    case text(String, SourceLocation)
    /// `{{ expression }}`: its tokens and the location of `{{`.
    case output([Token], SourceLocation)
    /// `{% statement %}`: its tokens and the location of `{%`.
    case statement([Token], SourceLocation)
}

struct Lexer {
    private let src: [Unicode.Scalar]
    private var pos = 0
    private var lineStarts: [Int] = [0]
    private var segments: [Segment] = []
    private var pending: [Unicode.Scalar] = []
    private var pendingStart = 0
    /// Whether the previous tag's end consumed a newline, so text right after it starts a line.
    private var lineStarting = true

    init(source: String) {
        // Jinja normalises every newline sequence to "\n" and drops one trailing newline.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousCR = false
        for s in source.unicodeScalars {
            if s == "\r" {
                scalars.append("\n")
                previousCR = true
                continue
            }
            if s == "\n" && previousCR {
                previousCR = false
                continue
            }
            previousCR = false
            scalars.append(s)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        src = scalars
        for (i, s) in src.enumerated() where s == "\n" { lineStarts.append(i + 1) }
    }

    static func tokenize(_ source: String) throws(ChatTemplateError) -> [Segment] {
        var lexer = Lexer(source: source)
        try lexer.run()
        return lexer.segments
    }

    func location(_ index: Int) -> SourceLocation {
        // Binary search for the last line start <= index.
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return SourceLocation(line: lo + 1, column: index - lineStarts[lo] + 1)
    }

    private func at(_ i: Int) -> Unicode.Scalar? { i < src.count ? src[i] : nil }

    private func matches(_ text: String, at i: Int) -> Bool {
        var j = i
        for s in text.unicodeScalars {
            guard j < src.count, src[j] == s else { return false }
            j += 1
        }
        return true
    }

    private mutating func run() throws(ChatTemplateError) {
        pendingStart = 0
        while pos < src.count {
            if src[pos] == "{", let next = at(pos + 1), next == "{" || next == "%" || next == "#" {
                try tag(opening: next)
            } else {
                if pending.isEmpty { pendingStart = pos }
                pending.append(src[pos])
                pos += 1
            }
        }
        flushText()
    }

    private mutating func flushText() {
        if !pending.isEmpty {
            var text = ""
            text.unicodeScalars.append(contentsOf: pending)
            segments.append(.text(text, location(pendingStart)))
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Applies the markers at the start of a tag to the text before it.
    private mutating func stripBefore(marker: Unicode.Scalar?, isBlock: Bool) {
        if marker == "-" {
            while let last = pending.last, isPyWhitespace(last) { pending.removeLast() }
        } else if marker != "+" && isBlock {
            // lstrip_blocks: drop the indentation before a block tag that starts its line.
            let lineStart = (pending.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
            if (lineStart > 0 || lineStarting) && lineStart < pending.count
                && pending[lineStart...].allSatisfy(isPyWhitespace)
            {
                pending.removeSubrange(lineStart...)
            }
        }
    }

    /// Applies the markers at the end of a tag to the text after it.
    private mutating func skipAfter(marker: Unicode.Scalar?, isBlock: Bool) {
        lineStarting = false
        if marker == "-" {
            while let s = at(pos), isPyWhitespace(s) {
                lineStarting = s == "\n"
                pos += 1
            }
        } else if marker != "+" && isBlock && at(pos) == "\n" {
            pos += 1  // trim_blocks
            lineStarting = true
        }
    }

    private mutating func tag(opening: Unicode.Scalar) throws(ChatTemplateError) {
        let start = pos
        pos += 2
        var marker: Unicode.Scalar?
        if let m = at(pos), m == "-" || m == "+" {
            marker = m
            pos += 1
        }
        stripBefore(marker: marker, isBlock: opening != "{")
        flushText()
        switch opening {
        case "#":
            try comment(start: start)
        case "{":
            let (tokens, endMarker) = try tagTokens(closing: "}", start: start)
            if tokens.isEmpty {
                throw ChatTemplateError(.syntax, "expected an expression in '{{ }}'", at: location(start))
            }
            segments.append(.output(tokens, location(start)))
            skipAfter(marker: endMarker, isBlock: false)
        default:
            let (tokens, endMarker) = try tagTokens(closing: "%", start: start)
            if tokens.isEmpty {
                throw ChatTemplateError(.syntax, "expected a statement name in '{% %}'", at: location(start))
            }
            skipAfter(marker: endMarker, isBlock: true)
            if case .name("raw") = tokens[0].kind, tokens.count == 1 {
                try raw(start: start)
            } else {
                segments.append(.statement(tokens, location(start)))
            }
        }
        pendingStart = pos
    }

    private mutating func comment(start: Int) throws(ChatTemplateError) {
        while pos < src.count {
            if src[pos] == "#", at(pos + 1) == "}" {
                let marker: Unicode.Scalar? = pos > start + 2 && (src[pos - 1] == "-" || src[pos - 1] == "+") ? src[pos - 1] : nil
                pos += 2
                skipAfter(marker: marker, isBlock: true)
                return
            }
            pos += 1
        }
        throw ChatTemplateError(.syntax, "unclosed comment '{#'", at: location(start))
    }

    /// `{% raw %}...{% endraw %}`: the text in between is output verbatim.
    private mutating func raw(start: Int) throws(ChatTemplateError) {
        var i = pos
        while i < src.count {
            if src[i] == "{", at(i + 1) == "%" {
                var j = i + 2
                var marker: Unicode.Scalar?
                if let m = at(j), m == "-" || m == "+" {
                    marker = m
                    j += 1
                }
                while let s = at(j), isPyWhitespace(s) { j += 1 }
                if matches("endraw", at: j) {
                    j += 6
                    while let s = at(j), isPyWhitespace(s) { j += 1 }
                    var endMarker: Unicode.Scalar?
                    if let m = at(j), m == "-" || m == "+" {
                        endMarker = m
                        j += 1
                    }
                    if matches("%}", at: j) {
                        pending = Array(src[pos..<i])
                        pendingStart = pos
                        stripBefore(marker: marker, isBlock: true)
                        flushText()
                        pos = j + 2
                        skipAfter(marker: endMarker, isBlock: true)
                        return
                    }
                }
            }
            i += 1
        }
        throw ChatTemplateError(.syntax, "missing '{% endraw %}'", at: location(start))
    }

    /// Tokens up to the closing `}}` or `%}` (which only counts outside brackets), and the end's `-`/`+` marker.
    private mutating func tagTokens(
        closing: Unicode.Scalar, start: Int
    ) throws(ChatTemplateError) -> ([Token], Unicode.Scalar?) {
        var tokens: [Token] = []
        var depth = 0
        while true {
            while let s = at(pos), isPyWhitespace(s) { pos += 1 }
            guard let c = at(pos) else {
                let what = closing == "}" ? "'}}'" : "'%}'"
                throw ChatTemplateError(.syntax, "unexpected end of template, expected \(what)", at: location(start))
            }
            if depth == 0 {
                if c == closing, at(pos + 1) == "}" {
                    pos += 2
                    return (tokens, nil)
                }
                if c == "-" || c == "+", at(pos + 1) == closing, at(pos + 2) == "}" {
                    pos += 3
                    return (tokens, c)
                }
            }
            let token = try nextToken()
            if case .op(let op) = token.kind {
                switch op {
                case "(", "[", "{": depth += 1
                case ")", "]", "}": depth = max(0, depth - 1)
                default: break
                }
            }
            tokens.append(token)
        }
    }

    private static let twoCharOps: Set<String> = ["//", "**", "==", "!=", "<=", ">="]
    private static let oneCharOps: Set<Unicode.Scalar> = [
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";",
    ]

    private mutating func nextToken() throws(ChatTemplateError) -> Token {
        let start = pos
        let loc = location(start)
        let c = src[pos]
        if c == "'" || c == "\"" {
            return Token(kind: .string(try stringLiteral(quote: c)), location: loc)
        }
        if c.properties.isASCIIHexDigit && ("0"..."9").contains(c) {
            return Token(kind: try number(), location: loc)
        }
        if c == "_" || c.properties.isXIDStart {
            var name = ""
            while let s = at(pos), s == "_" || s.properties.isXIDContinue {
                name.unicodeScalars.append(s)
                pos += 1
            }
            return Token(kind: .name(name), location: loc)
        }
        if let n = at(pos + 1) {
            var two = ""
            two.unicodeScalars.append(c)
            two.unicodeScalars.append(n)
            if Lexer.twoCharOps.contains(two) {
                pos += 2
                return Token(kind: .op(two), location: loc)
            }
        }
        if Lexer.oneCharOps.contains(c) {
            pos += 1
            return Token(kind: .op(String(c)), location: loc)
        }
        throw ChatTemplateError(.syntax, "unexpected character '\(c)'", at: loc)
    }

    private mutating func digits(_ allowed: (Unicode.Scalar) -> Bool) -> String {
        var out = ""
        while let s = at(pos), allowed(s) || (s == "_" && at(pos + 1).map(allowed) == true && !out.isEmpty) {
            if s != "_" { out.unicodeScalars.append(s) }
            pos += 1
        }
        return out
    }

    private mutating func number() throws(ChatTemplateError) -> Token.Kind {
        let start = pos
        let isDecimal: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        if src[pos] == "0", let p = at(pos + 1), "xXoObB".unicodeScalars.contains(p) {
            pos += 2
            let radix: Int
            let allowed: (Unicode.Scalar) -> Bool
            switch p {
            case "x", "X": radix = 16; allowed = { $0.properties.isASCIIHexDigit }
            case "o", "O": radix = 8; allowed = { ("0"..."7").contains($0) }
            default: radix = 2; allowed = { $0 == "0" || $0 == "1" }
            }
            let body = digits(allowed)
            guard let value = Int(body, radix: radix) else {
                throw ChatTemplateError(.syntax, "invalid integer literal", at: location(start))
            }
            return .int(value)
        }
        var text = digits(isDecimal)
        var isFloat = false
        if at(pos) == ".", let d = at(pos + 1), isDecimal(d) {
            pos += 1
            text += "." + digits(isDecimal)
            isFloat = true
        }
        if let e = at(pos), e == "e" || e == "E" {
            var j = pos + 1
            var sign = ""
            if let s = at(j), s == "+" || s == "-" {
                sign = String(s)
                j += 1
            }
            if let d = at(j), isDecimal(d) {
                pos = j
                text += "e" + sign + digits(isDecimal)
                isFloat = true
            }
        }
        if isFloat {
            guard let value = Double(text) else {
                throw ChatTemplateError(.syntax, "invalid float literal", at: location(start))
            }
            return .double(value)
        }
        guard let value = Int(text) else {
            throw ChatTemplateError(.syntax, "integer literal '\(text)' is too large", at: location(start))
        }
        return .int(value)
    }

    /// A quoted string with Python's escapes (Jinja decodes literals with `unicode-escape`).
    private mutating func stringLiteral(quote: Unicode.Scalar) throws(ChatTemplateError) -> String {
        let start = pos
        pos += 1
        var out = String.UnicodeScalarView()
        while let c = at(pos) {
            pos += 1
            if c == quote { return String(out) }
            guard c == "\\" else {
                out.append(c)
                continue
            }
            guard let e = at(pos) else { break }
            pos += 1
            switch e {
            case "\n": break  // line continuation
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                var hex = ""
                for _ in 0..<width {
                    guard let h = at(pos), h.properties.isASCIIHexDigit else {
                        throw ChatTemplateError(.syntax, "truncated \\\(e) escape in string", at: location(pos))
                    }
                    hex.unicodeScalars.append(h)
                    pos += 1
                }
                guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                    throw ChatTemplateError(.syntax, "invalid \\\(e) escape in string", at: location(pos))
                }
                out.append(scalar)
            case "0"..."7":
                var value = e.value - 0x30
                var count = 1
                while count < 3, let d = at(pos), ("0"..."7").contains(d) {
                    value = value * 8 + (d.value - 0x30)
                    pos += 1
                    count += 1
                }
                out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default:
                // Unknown escapes keep their backslash, as in Python.
                out.append("\\")
                out.append(e)
            }
        }
        throw ChatTemplateError(.syntax, "unterminated string literal", at: location(start))
    }
}
