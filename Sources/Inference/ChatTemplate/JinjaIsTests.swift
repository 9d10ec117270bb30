/// The tests templates can apply with `is` (Jinja's built-ins).
enum IsTests {
    static let names: Set<String> = [
        "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "escaped", "even", "false", "filter",
        "float", "ge", "greaterthan", "gt", "in", "integer", "iterable", "le", "lessthan", "lower", "lt", "mapping",
        "ne", "none", "number", "odd", "sameas", "sequence", "string", "test", "true", "undefined", "upper",
        "==", "!=", "<", "<=", ">", ">=",
    ]
}

extension Evaluator {
    func applyTest(_ name: String, _ value: Value, _ args: Arguments) throws(ChatTemplateError) -> Bool {
        let other = args.get(0, "value") ?? .missing
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean":
            if case .bool = value { return true }
            return false
        case "true":
            if case .bool(true) = value { return true }
            return false
        case "false":
            if case .bool(false) = value { return true }
            return false
        case "integer":
            if case .int = value { return true }
            return false
        case "float":
            if case .double = value { return true }
            return false
        case "number": return value.number != nil
        case "string": return value.string != nil
        case "mapping":
            if case .object = value { return true }
            return false
        // Jinja's Undefined is iterable (and a sequence): it iterates as empty.
        case "iterable":
            switch value {
            case .array, .object, .string, .undefined: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .array, .object, .string, .undefined: return true
            default: return false
            }
        case "callable":
            switch value {
            case .function, .undefined: return true  // Jinja's Undefined defines __call__ (which raises)
            default: return false
            }
        case "escaped": return false
        case "lower":
            let s = try stringify(value)
            return s.contains { $0.isCased } && s == s.lowercased()
        case "upper":
            let s = try stringify(value)
            return s.contains { $0.isCased } && s == s.uppercased()
        case "odd", "even", "divisibleby":
            let divisor = name == "divisibleby" ? other : .int(2)
            let remainder = try binary("%", value, divisor)
            return pyEquals(remainder, .int(name == "odd" ? 1 : 0))
        case "eq", "equalto", "==": return pyEquals(value, other)
        case "ne", "!=": return !pyEquals(value, other)
        case "lt", "lessthan", "<": return try compare("<", value, other)
        case "le", "<=": return try compare("<=", value, other)
        case "gt", "greaterthan", ">": return try compare(">", value, other)
        case "ge", ">=": return try compare(">=", value, other)
        case "in": return try contains(other, value)
        case "sameas":
            switch (value, other) {
            case (.namespace(let a), .namespace(let b)): return a === b
            case (.none, .none), (.undefined, .undefined): return true
            case (.bool(let a), .bool(let b)): return a == b
            // CPython shares small ints and interned strings, so `is` holds for equal literals.
            case (.int(let a), .int(let b)): return a == b
            case (.string(let a), .string(let b)): return a == b
            default: return false
            }
        case "filter": return value.string.map(Filters.names.contains) ?? false
        case "test": return value.string.map(IsTests.names.contains) ?? false
        default:
            throw ChatTemplateError(kind: .syntax, message: "unknown test '\(name)'")
        }
    }
}

extension Character {
    fileprivate var isCased: Bool { unicodeScalars.contains { $0.properties.isCased } }
}
