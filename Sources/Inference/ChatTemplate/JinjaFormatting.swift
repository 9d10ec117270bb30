import Foundation

/// Python string formatting: `str.format` (brace fields) and the `%` operator / `format` filter
/// (printf-style conversions).
extension Evaluator {
    /// Python `str.format` for the forms templates use: `{}`, `{0}`, `{name}`, `{{`/`}}`, and simple
    /// `!r`/`!s` conversions; format specs are not supported.
    func braceFormat(_ format: String, _ args: Arguments) throws(ChatTemplateError) -> String {
        var out = ""
        var scalars = format.unicodeScalars.makeIterator()
        var autoIndex = 0
        while let c = scalars.next() {
            if c == "}" {
                guard scalars.next() == "}" else {
                    throw ChatTemplateError(kind: .type, message: "Single '}' encountered in format string")
                }
                out += "}"
                continue
            }
            guard c == "{" else {
                out.unicodeScalars.append(c)
                continue
            }
            var field = ""
            var closed = false
            while let d = scalars.next() {
                if d == "{" && field.isEmpty {
                    out += "{"
                    closed = true
                    field = "\u{0}"
                    break
                }
                if d == "}" {
                    closed = true
                    break
                }
                field.unicodeScalars.append(d)
            }
            guard closed else { throw ChatTemplateError(kind: .type, message: "Single '{' encountered in format string") }
            if field == "\u{0}" { continue }
            var conversion = "s"
            if let bang = field.firstIndex(of: "!") {
                conversion = String(field[field.index(after: bang)...])
                field = String(field[..<bang])
            }
            if field.contains(":") {
                throw ChatTemplateError(kind: .type, message: "format specifications in str.format are not supported")
            }
            let value: Value
            if field.isEmpty {
                guard autoIndex < args.positional.count else {
                    throw ChatTemplateError(kind: .type, message: "Replacement index \(autoIndex) out of range for positional args tuple")
                }
                value = args.positional[autoIndex]
                autoIndex += 1
            } else if let index = Int(field) {
                guard index >= 0, index < args.positional.count else {
                    throw ChatTemplateError(kind: .type, message: "Replacement index \(index) out of range for positional args tuple")
                }
                value = args.positional[index]
            } else if let found = args.keywords.last(where: { $0.0 == field })?.1 {
                value = found
            } else {
                throw ChatTemplateError(kind: .type, message: "KeyError: '\(field)'")
            }
            out += conversion == "r" ? value.pyRepr : try stringify(value)
        }
        return out
    }

    /// Python printf-style `format % values` for `%s %r %d %i %f %x %o %e %g %%`, with flags, width and precision.
    func percentFormat(_ format: String, _ values: [Value], mapping: Value?) throws(ChatTemplateError) -> String {
        var out = ""
        let scalars = Array(format.unicodeScalars)
        var i = 0
        var next = 0
        func take() throws(ChatTemplateError) -> Value {
            guard next < values.count else {
                throw ChatTemplateError(kind: .type, message: "not enough arguments for format string")
            }
            defer { next += 1 }
            return values[next]
        }
        while i < scalars.count {
            let c = scalars[i]
            i += 1
            guard c == "%" else {
                out.unicodeScalars.append(c)
                continue
            }
            var key: String?
            if i < scalars.count, scalars[i] == "(" {
                var name = ""
                i += 1
                while i < scalars.count, scalars[i] != ")" {
                    name.unicodeScalars.append(scalars[i])
                    i += 1
                }
                i += 1
                key = name
            }
            var spec = "%"
            while i < scalars.count, "-+ #0123456789.".unicodeScalars.contains(scalars[i]) {
                spec.unicodeScalars.append(scalars[i])
                i += 1
            }
            guard i < scalars.count else { throw ChatTemplateError(kind: .type, message: "incomplete format") }
            for number in spec.split(whereSeparator: { !$0.isNumber }) {
                guard let n = Int(number) else { throw ChatTemplateError(kind: .limit, message: "format width too large") }
                try checkWidth(n)
            }
            let conversion = scalars[i]
            i += 1
            if conversion == "%" {
                out += "%"
                continue
            }
            let value: Value
            if let key {
                guard case .object(let dict)? = mapping, let found = dict[key] else {
                    throw ChatTemplateError(kind: .type, message: "format requires a mapping with key '\(key)'")
                }
                value = found
            } else {
                value = try take()
            }
            out += try formatOne(spec, conversion, value)
        }
        // Unused arguments are not an error: Python treats a lone list as a mapping and ignores it, and
        // lists here also stand in for tuples.
        return out
    }

    private func formatOne(_ spec: String, _ conversion: Unicode.Scalar, _ value: Value) throws(ChatTemplateError) -> String {
        switch conversion {
        case "s", "r", "a":
            let text = conversion == "s" ? try stringify(value) : value.pyRepr
            // Apply width and precision through a string pad, as %s does.
            return padString(text, spec)
        case "d", "i", "u", "x", "X", "o", "c":
            guard let number = value.number else {
                throw ChatTemplateError(kind: .type, message: "%\(conversion) format: a number is required, not \(value.typeName)")
            }
            let integer: Int
            switch number {
            case .int(let n): integer = n
            case .double(let d):
                guard d.isFinite, Swift.abs(d) < 9.2e18 else { throw ChatTemplateError(kind: .type, message: "cannot convert float to integer") }
                integer = Int(d)
            }
            if conversion == "c" {
                return String(Character(Unicode.Scalar(UInt32(clamping: integer)) ?? "\u{FFFD}"))
            }
            let letter = conversion == "i" || conversion == "u" ? "d" : String(conversion)
            return String(format: spec + "l" + letter, integer)
        case "f", "F", "e", "E", "g", "G":
            guard let number = value.number else {
                throw ChatTemplateError(kind: .type, message: "must be real number, not \(value.typeName)")
            }
            return String(format: spec + String(conversion), number.asDouble)
        default:
            throw ChatTemplateError(kind: .type, message: "unsupported format character '\(conversion)'")
        }
    }

    private func padString(_ text: String, _ spec: String) -> String {
        var body = spec.dropFirst()
        let leftAlign = body.hasPrefix("-")
        body = body.drop { "-+ #0".contains($0) }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var result = text
        if parts.count == 2, let precision = Int(parts[1]) {
            result = String(String.UnicodeScalarView(result.unicodeScalars.prefix(precision)))
        }
        if let width = parts.first.flatMap({ Int($0) }) {
            let pad = max(0, width - result.unicodeScalars.count)
            let padding = String(repeating: " ", count: pad)
            result = leftAlign ? result + padding : padding + result
        }
        return result
    }
}
