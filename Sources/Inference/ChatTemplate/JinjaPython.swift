/// Python's rendering, equality and ordering rules for template values, which Jinja inherits.
extension Value {
    /// Python `str()`: what `{{ value }}` prints. Undefined prints as the empty string.
    var pyStr: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pyRepr
        }
    }

    /// Python `repr()`: used for the elements of printed lists and dicts.
    var pyRepr: String {
        var out = ""
        _ = appendRepr(to: &out, limit: Int.max)
        return out
    }

    /// Appends `repr(self)`; returns false (leaving `out` partial) once `out` would exceed `limit` UTF-8 bytes,
    /// so printing a list that shares one huge string many times cannot exhaust memory.
    func appendRepr(to out: inout String, limit: Int) -> Bool {
        switch self {
        case .undefined: break
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .double(let d): out += Value.pyFloat(d)
        case .string(let s): out += Value.pyStringRepr(s)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                guard item.appendRepr(to: &out, limit: limit) else { return false }
            }
            out += "]"
        case .object(let dict):
            out += "{"
            for (i, (key, item)) in dict.pairs.enumerated() {
                if i > 0 { out += ", " }
                out += Value.pyStringRepr(key) + ": "
                guard item.appendRepr(to: &out, limit: limit) else { return false }
            }
            out += "}"
        case .namespace(let ns):
            out += "<Namespace "
            guard Value.object(ns.attributes).appendRepr(to: &out, limit: limit) else { return false }
            out += ">"
        case .function(let f): out += "<function \(f.name)>"
        case .loop(let loop): out += "<LoopContext \(loop.index0 + 1)/\(loop.items.count)>"
        }
        return out.utf8.count <= limit
    }

    /// Python float repr: shortest round-trip digits, exponent form outside 1e-4 ..< 1e16.
    /// Swift's `description` follows the same rules for finite values.
    static func pyFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    static func pyStringRepr(_ s: String) -> String {
        let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x100 {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        out.append(quote)
        return out
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
            .spaceSeparator:
            return false
        default: return true
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Python `==`: numbers compare across int/float/bool, containers compare element-wise, strings by code point.
func pyEquals(_ a: Value, _ b: Value) -> Bool {
    if let x = a.number, let y = b.number {
        switch (x, y) {
        case (.int(let i), .int(let j)): return i == j
        default: return x.asDouble == y.asDouble
        }
    }
    switch (a, b) {
    case (.undefined, .undefined), (.none, .none): return true
    case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { pyEquals($0, $1) }
    case (.object(let x), .object(let y)):
        guard x.count == y.count else { return false }
        return x.pairs.allSatisfy { key, value in y[key].map { pyEquals(value, $0) } ?? false }
    case (.namespace(let x), .namespace(let y)): return x === y
    default: return false
    }
}

/// Python ordering: -1, 0 or 1, or nil when unordered (NaN). Throws for types Python cannot order.
func pyCompare(_ a: Value, _ b: Value, operator op: String) throws(ChatTemplateError) -> Int? {
    if let x = a.number, let y = b.number {
        switch (x, y) {
        case (.int(let i), .int(let j)): return i < j ? -1 : (i == j ? 0 : 1)
        default:
            let (p, q) = (x.asDouble, y.asDouble)
            if p.isNaN || q.isNaN { return nil }
            return p < q ? -1 : (p == q ? 0 : 1)
        }
    }
    switch (a, b) {
    case (.string(let x), .string(let y)):
        // UTF-8 byte order is code point order, which is how Python orders strings.
        return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : (x.utf8.elementsEqual(y.utf8) ? 0 : 1)
    case (.array(let x), .array(let y)):
        for (p, q) in zip(x, y) where !pyEquals(p, q) {
            return try pyCompare(p, q, operator: op)
        }
        return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
    case (.undefined(let hint), _), (_, .undefined(let hint)):
        throw ChatTemplateError(kind: .undefined, message: hint)
    default:
        throw ChatTemplateError(
            kind: .type,
            message: "'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
    }
}

/// Python's `str.isspace` set: Unicode White_Space plus the information separators U+001C..U+001F.
func isPyWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    if (0x1C...0x1F).contains(scalar.value) { return true }
    return scalar.properties.isWhitespace
}

/// Python's `str.splitlines()` line boundaries.
func isPyLineBreak(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
    default: return false
    }
}

/// Python slice resolution (`seq[start:stop:step]`): the indices selected in a sequence of `count` items.
func pySliceIndices(count: Int, start: Int?, stop: Int?, step: Int?) throws(ChatTemplateError) -> [Int] {
    let step = step ?? 1
    if step == 0 { throw ChatTemplateError(kind: .type, message: "slice step cannot be zero") }
    func clamp(_ value: Int?, defaultValue: Int, low: Int, high: Int) -> Int {
        guard var v = value else { return defaultValue }
        if v < 0 { v = v < -count ? low : v + count }
        return min(max(v, low), high)
    }
    var result: [Int] = []
    if step > 0 {
        let lo = clamp(start, defaultValue: 0, low: 0, high: count)
        let hi = clamp(stop, defaultValue: count, low: 0, high: count)
        var i = lo
        while i < hi {
            result.append(i)
            let (next, overflow) = i.addingReportingOverflow(step)
            if overflow { break }
            i = next
        }
    } else {
        let lo = clamp(start, defaultValue: count - 1, low: -1, high: count - 1)
        let hi = clamp(stop, defaultValue: -1, low: -1, high: count - 1)
        var i = lo
        while i > hi {
            result.append(i)
            let (next, overflow) = i.addingReportingOverflow(step)
            if overflow { break }
            i = next
        }
    }
    return result
}
