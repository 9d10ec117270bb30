/// A small JSON parser that keeps object key order.
struct JSONValueParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var depth = 0
    private static let maxDepth = 512

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(ChatTemplateError) -> JinjaValue {
        let value = try parseValue()
        skipWhitespace()
        if pos < bytes.count { throw error("unexpected trailing characters") }
        return value
    }

    private func error(_ message: String) -> ChatTemplateError {
        ChatTemplateError(kind: .json, message: "\(message) at byte offset \(pos)")
    }

    private mutating func skipWhitespace() {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    private mutating func literal(_ word: String, _ value: JinjaValue) throws(ChatTemplateError) -> JinjaValue {
        let utf8 = Array(word.utf8)
        guard pos + utf8.count <= bytes.count, Array(bytes[pos..<pos + utf8.count]) == utf8 else {
            throw error("invalid literal")
        }
        pos += utf8.count
        return value
    }

    private mutating func parseValue() throws(ChatTemplateError) -> JinjaValue {
        skipWhitespace()
        guard pos < bytes.count else { throw error("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            return try nested { (p: inout JSONValueParser) throws(ChatTemplateError) in try p.parseObject() }
        case UInt8(ascii: "["):
            return try nested { (p: inout JSONValueParser) throws(ChatTemplateError) in try p.parseArray() }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .none)
        default: return try parseNumber()
        }
    }

    private mutating func nested(
        _ body: (inout JSONValueParser) throws(ChatTemplateError) -> JinjaValue
    ) throws(ChatTemplateError) -> JinjaValue {
        depth += 1
        defer { depth -= 1 }
        if depth > JSONValueParser.maxDepth { throw error("nesting deeper than \(JSONValueParser.maxDepth)") }
        return try body(&self)
    }

    private mutating func parseObject() throws(ChatTemplateError) -> JinjaValue {
        pos += 1
        var pairs: [(String, JinjaValue)] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return .dictionary(pairs)
        }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("expected ':'") }
            pos += 1
            pairs.append((key, try parseValue()))
            skipWhitespace()
            guard pos < bytes.count else { throw error("unterminated object") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
            } else if bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                return .dictionary(pairs)
            } else {
                throw error("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws(ChatTemplateError) -> JinjaValue {
        pos += 1
        var items: [JinjaValue] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(items)
        }
        while true {
            items.append(try parseValue())
            skipWhitespace()
            guard pos < bytes.count else { throw error("unterminated array") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
            } else if bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            } else {
                throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func hex4() throws(ChatTemplateError) -> UInt32 {
        guard pos + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16) else {
            throw error("invalid \\u escape")
        }
        pos += 4
        return value
    }

    private mutating func parseString() throws(ChatTemplateError) -> String {
        pos += 1
        var raw: [UInt8] = []
        while pos < bytes.count {
            let b = bytes[pos]
            pos += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: raw, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard pos < bytes.count else { throw error("unterminated string") }
                let e = bytes[pos]
                pos += 1
                let simple: [UInt8: String] = [
                    UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\", UInt8(ascii: "/"): "/", UInt8(ascii: "b"): "\u{08}",
                    UInt8(ascii: "f"): "\u{0C}", UInt8(ascii: "n"): "\n", UInt8(ascii: "r"): "\r", UInt8(ascii: "t"): "\t",
                ]
                if let s = simple[e] {
                    raw.append(contentsOf: s.utf8)
                } else if e == UInt8(ascii: "u") {
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"),
                        bytes[pos + 1] == UInt8(ascii: "u")
                    {
                        pos += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    raw.append(contentsOf: String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8)
                } else {
                    throw error("invalid escape")
                }
            default:
                if b < 0x20 { throw error("control character in string") }
                raw.append(b)
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseNumber() throws(ChatTemplateError) -> JinjaValue {
        let start = pos
        var isInteger = true
        while pos < bytes.count {
            let b = bytes[pos]
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
                pos += 1
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                isInteger = false
                pos += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if text.isEmpty { throw error("unexpected character") }
        if isInteger, let i = Int(text) { return .int(i) }
        guard let d = Double(text), text.first != "+" else { throw error("invalid number") }
        return .double(d)
    }
}
