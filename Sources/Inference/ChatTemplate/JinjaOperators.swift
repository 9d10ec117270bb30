import Foundation

/// Arithmetic, concatenation, comparison and membership with Python's semantics. Integer overflow
/// (Python would grow the integer) and results larger than the limits are errors.
extension Evaluator {
    func unary(_ op: String, _ operand: Value) throws(ChatTemplateError) -> Value {
        if case .undefined(let hint) = operand { throw ChatTemplateError(kind: .undefined, message: hint) }
        switch (op, operand.number) {
        case ("-", .int(let i)?):
            guard i != Int.min else { throw overflow() }
            return .int(-i)
        case ("-", .double(let d)?): return .double(-d)
        case ("+", .int(let i)?): return .int(i)
        case ("+", .double(let d)?): return .double(d)
        default:
            throw ChatTemplateError(kind: .type, message: "bad operand type for unary \(op): '\(operand.typeName)'")
        }
    }

    func binary(_ op: String, _ a: Value, _ b: Value) throws(ChatTemplateError) -> Value {
        if op == "~" {
            let result = Value.string(try stringify(a) + stringify(b))
            try checkSize(result)
            return result
        }
        if case .undefined(let hint) = a { throw ChatTemplateError(kind: .undefined, message: hint) }
        if case .undefined(let hint) = b { throw ChatTemplateError(kind: .undefined, message: hint) }
        if let x = a.number, let y = b.number {
            return try arithmetic(op, x, y)
        }
        let result: Value
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)):
            guard x.utf8.count + y.utf8.count <= limits.maxOutputBytes else { throw tooLong() }
            result = .string(x + y)
        case ("+", .array(let x), .array(let y)):
            result = .array(x + y)
        case ("*", .string(let s), _), ("*", _, .string(let s)):
            guard case .int(let n)? = (a.string == nil ? a : b).number else { throw unsupported(op, a, b) }
            guard n > 0 else { return .string("") }
            let (total, overflowed) = s.utf8.count.multipliedReportingOverflow(by: n)
            guard !overflowed, total <= limits.maxOutputBytes else { throw tooLong() }
            result = .string(String(repeating: s, count: n))
        case ("*", .array(let items), _), ("*", _, .array(let items)):
            guard case .int(let n)? = (a.isArray ? b : a).number else { throw unsupported(op, a, b) }
            guard n > 0 else { return .array([]) }
            let (total, overflowed) = items.count.multipliedReportingOverflow(by: n)
            guard !overflowed, total <= limits.maxListLength else {
                throw ChatTemplateError(kind: .limit, message: "list exceeds \(limits.maxListLength) items")
            }
            var repeated: [Value] = []
            repeated.reserveCapacity(total)
            for _ in 0..<n { repeated.append(contentsOf: items) }
            result = .array(repeated)
        case ("%", .string(let format), _):
            switch b {
            case .array(let items): result = .string(try percentFormat(format, items, mapping: nil))
            case .object: result = .string(try percentFormat(format, [b], mapping: b))
            default: result = .string(try percentFormat(format, [b], mapping: nil))
            }
        default:
            throw unsupported(op, a, b)
        }
        try checkSize(result)
        return result
    }

    private func arithmetic(_ op: String, _ x: Number, _ y: Number) throws(ChatTemplateError) -> Value {
        if case .int(let i) = x, case .int(let j) = y {
            switch op {
            case "+": return try checked(i.addingReportingOverflow(j))
            case "-": return try checked(i.subtractingReportingOverflow(j))
            case "*": return try checked(i.multipliedReportingOverflow(by: j))
            case "/":
                guard j != 0 else { throw divisionByZero() }
                return .double(Double(i) / Double(j))
            case "//":
                guard j != 0 else { throw divisionByZero() }
                guard !(i == Int.min && j == -1) else { throw overflow() }
                let q = i / j
                return .int((i % j != 0 && ((i < 0) != (j < 0))) ? q - 1 : q)
            case "%":
                guard j != 0 else { throw ChatTemplateError(kind: .type, message: "integer modulo by zero") }
                guard j != -1 else { return .int(0) }
                let r = i % j
                return .int(r != 0 && ((r < 0) != (j < 0)) ? r + j : r)
            case "**":
                if j < 0 { return .double(pow(Double(i), Double(j))) }
                return try integerPower(i, j)
            default: break
            }
        }
        let (p, q) = (x.asDouble, y.asDouble)
        switch op {
        case "+": return .double(p + q)
        case "-": return .double(p - q)
        case "*": return .double(p * q)
        case "/":
            guard q != 0 else { throw divisionByZero() }
            return .double(p / q)
        case "//":
            guard q != 0 else { throw divisionByZero() }
            return .double(pyFloatDivmod(p, q).quotient)
        case "%":
            guard q != 0 else { throw ChatTemplateError(kind: .type, message: "float modulo") }
            return .double(pyFloatDivmod(p, q).remainder)
        case "**": return .double(pow(p, q))
        default:
            throw ChatTemplateError(kind: .type, message: "unsupported operator '\(op)'")
        }
    }

    private func integerPower(_ base: Int, _ exponent: Int) throws(ChatTemplateError) -> Value {
        var result = 1
        var b = base
        var e = exponent
        while e > 0 {
            if e & 1 == 1 {
                let (r, o) = result.multipliedReportingOverflow(by: b)
                if o { throw overflow() }
                result = r
            }
            e >>= 1
            if e > 0 {
                let (sq, o) = b.multipliedReportingOverflow(by: b)
                if o { throw overflow() }
                b = sq
            }
        }
        return .int(result)
    }

    private func checked(_ r: (partialValue: Int, overflow: Bool)) throws(ChatTemplateError) -> Value {
        if r.overflow { throw overflow() }
        return .int(r.partialValue)
    }

    private func overflow() -> ChatTemplateError {
        ChatTemplateError(kind: .type, message: "integer overflow (values must fit in 64 bits)")
    }

    private func divisionByZero() -> ChatTemplateError {
        ChatTemplateError(kind: .type, message: "division by zero")
    }

    private func tooLong() -> ChatTemplateError {
        ChatTemplateError(kind: .limit, message: "string exceeds \(limits.maxOutputBytes) bytes")
    }

    private func unsupported(_ op: String, _ a: Value, _ b: Value) -> ChatTemplateError {
        ChatTemplateError(
            kind: .type, message: "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    /// A comparison or membership operator of a (possibly chained) comparison.
    func compare(_ op: String, _ a: Value, _ b: Value) throws(ChatTemplateError) -> Bool {
        try charge(workSize(a) + workSize(b))
        switch op {
        case "==": return pyEquals(a, b)
        case "!=": return !pyEquals(a, b)
        case "in": return try contains(b, a)
        case "not in": return !(try contains(b, a))
        default:
            guard let order = try pyCompare(a, b, operator: op) else { return false }
            switch op {
            case "<": return order < 0
            case "<=": return order <= 0
            case ">": return order > 0
            default: return order >= 0
            }
        }
    }

    /// Units of work to compare or search a value: its items, or its bytes in blocks of 256.
    func workSize(_ value: Value) -> Int {
        switch value {
        case .string(let s): return s.utf8.count >> 8
        case .array(let items): return items.count
        case .object(let dict): return dict.count
        default: return 0
        }
    }

    /// Python `needle in container`.
    func contains(_ container: Value, _ needle: Value) throws(ChatTemplateError) -> Bool {
        try charge(workSize(container))
        switch container {
        case .string(let s):
            guard case .string(let sub) = needle else {
                throw ChatTemplateError(kind: .type, message: "'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return sub.isEmpty || s.utf8.firstRange(of: sub.utf8) != nil
        case .array(let items): return items.contains { pyEquals($0, needle) }
        case .object(let dict):
            if case .string(let key) = needle { return dict[key] != nil }
            return false
        case .namespace(let ns):
            if case .string(let key) = needle { return ns.attributes[key] != nil }
            return false
        case .undefined: return false
        default:
            throw ChatTemplateError(kind: .type, message: "argument of type '\(container.typeName)' is not iterable")
        }
    }
}

/// Python's float `divmod` (Objects/floatobject.c), so `7 // 0.1` is 69.0 as in Python, not 70.0.
func pyFloatDivmod(_ x: Double, _ y: Double) -> (quotient: Double, remainder: Double) {
    var mod = fmod(x, y)
    var div = (x - mod) / y
    if mod != 0 {
        if (y < 0) != (mod < 0) {
            mod += y
            div -= 1
        }
    } else {
        mod = copysign(0, y)
    }
    var floorDiv: Double
    if div != 0 {
        floorDiv = div.rounded(.down)
        if div - floorDiv > 0.5 { floorDiv += 1 }
    } else {
        floorDiv = copysign(0, x / y)
    }
    return (floorDiv, mod)
}

extension Value {
    var isArray: Bool {
        if case .array = self { return true }
        return false
    }
}
