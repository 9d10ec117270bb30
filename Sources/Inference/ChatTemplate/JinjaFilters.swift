import Foundation

/// The filters templates can apply with `|`: Jinja's built-ins that chat templates use, with
/// transformers' `tojson`.
enum Filters {
    static let names: Set<String> = [
        "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max",
        "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort",
        "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]
}

extension Evaluator {
    func applyFilter(_ name: String, _ value: Value, _ args: Arguments) throws(ChatTemplateError) -> Value {
        let result = try filterResult(name, value, args)
        try checkSize(result)
        return result
    }

    private func filterResult(_ name: String, _ value: Value, _ args: Arguments) throws(ChatTemplateError) -> Value {
        // Jinja's map/select family returns nothing for any falsy input, iterable or not.
        if ["map", "select", "reject", "selectattr", "rejectattr"].contains(name) && !value.truthy {
            return .array([])
        }
        switch name {
        case "abs":
            try args.check(name, [])
            switch value.number {
            case .int(let i)?:
                guard i != Int.min else { throw ChatTemplateError(kind: .type, message: "integer overflow in abs") }
                return .int(Swift.abs(i))
            case .double(let d)?: return .double(Swift.abs(d))
            case nil: throw ChatTemplateError(kind: .type, message: "bad operand type for abs(): '\(value.typeName)'")
            }
        case "attr":
            try args.check(name, ["name"])
            return attribute(of: value, try stringify(args.get(0, "name") ?? .missing))
        case "capitalize":
            try args.check(name, [])
            return .string(pyCapitalize(try stringify(value)))
        case "center":
            try args.check(name, ["width"])
            let width = try intArgument(args.get(0, "width"), 80, name)
            try checkWidth(width)
            return .string(pyCenter(try stringify(value), width: width))
        case "count", "length":
            try args.check(name, [])
            return .int(try length(of: value))
        case "d", "default":
            try args.check(name, ["default_value", "boolean"])
            let fallback = args.get(0, "default_value") ?? .string("")
            let boolean = args.get(1, "boolean")?.truthy ?? false
            if value.isUndefined || (boolean && !value.truthy) { return fallback }
            return value
        case "dictsort":
            try args.check(name, ["case_sensitive", "by", "reverse"])
            guard case .object(let dict) = value else {
                throw ChatTemplateError(kind: .type, message: "dictsort requires a mapping, got '\(value.typeName)'")
            }
            let caseSensitive = args.get(0, "case_sensitive")?.truthy ?? false
            let byValue: Bool
            switch args.get(1, "by") {
            case nil, .string("key")?: byValue = false
            case .string("value")?: byValue = true
            default: throw ChatTemplateError(kind: .type, message: "dictsort: 'by' must be 'key' or 'value'")
            }
            let pairs = dict.pairs.map { Value.array([.string($0.0), $0.1]) }
            let sorted = try sortValues(pairs, reverse: args.get(2, "reverse")?.truthy ?? false) { (pair: Value) throws(ChatTemplateError) -> Value in
                guard case .array(let kv) = pair else { return pair }
                return foldCase(kv[byValue ? 1 : 0], caseSensitive)
            }
            return .array(sorted)
        case "e", "escape", "forceescape":
            try args.check(name, [])
            return .string(htmlEscape(try stringify(value)))
        case "first":
            try args.check(name, [])
            return try iterate(value).first ?? .undefined(hint: "no first item, sequence was empty")
        case "last":
            try args.check(name, [])
            return try iterate(value).last ?? .undefined(hint: "no last item, sequence was empty")
        case "float":
            try args.check(name, ["default"])
            return toFloat(value) ?? args.get(0, "default") ?? .double(0)
        case "format":
            let mapping = Value.object(Dict(args.keywords))
            return .string(try percentFormat(try stringify(value), args.positional, mapping: args.keywords.isEmpty ? nil : mapping))
        case "indent":
            try args.check(name, ["width", "first", "blank"])
            let indentation: String
            switch args.get(0, "width") {
            case .string(let s)?: indentation = s
            case let other:
                let width = try intArgument(other, 4, name)
                try checkWidth(width)
                indentation = String(repeating: " ", count: max(0, width))
            }
            return .string(
                pyIndent(try stringify(value), indentation, first: args.get(1, "first")?.truthy ?? false,
                         blank: args.get(2, "blank")?.truthy ?? false))
        case "int":
            try args.check(name, ["default", "base"])
            let base = try intArgument(args.get(1, "base"), 10, name)
            return toInt(value, base: base).map(Value.int) ?? args.get(0, "default") ?? .int(0)
        case "items":
            try args.check(name, [])
            switch value {
            case .undefined: return .array([])
            case .object(let dict): return .array(dict.pairs.map { .array([.string($0.0), $0.1]) })
            default: throw ChatTemplateError(kind: .type, message: "Can only get item pairs from a mapping.")
            }
        case "join":
            try args.check(name, ["d", "attribute"])
            var items = try iterate(value)
            if let attr = args.get(1, "attribute") { items = items.map { lookupPath($0, attr) } }
            let separator = try stringify(args.get(0, "d") ?? .string(""))
            var parts: [String] = []
            var total = 0
            for item in items {
                let part = try stringify(item)
                total += part.utf8.count + separator.utf8.count
                if total > limits.maxOutputBytes {
                    throw ChatTemplateError(kind: .limit, message: "string exceeds \(limits.maxOutputBytes) bytes")
                }
                parts.append(part)
            }
            return .string(parts.joined(separator: separator))
        case "list":
            try args.check(name, [])
            return .array(try iterate(value))
        case "lower":
            try args.check(name, [])
            return .string(try stringify(value).lowercased())
        case "upper":
            try args.check(name, [])
            return .string(try stringify(value).uppercased())
        case "map":
            return .array(try mapFilter(value, args))
        case "max", "min":
            try args.check(name, ["case_sensitive", "attribute"])
            let caseSensitive = args.get(0, "case_sensitive")?.truthy ?? false
            let attribute = args.get(1, "attribute")
            let sorted = try sortValues(try iterate(value), reverse: name == "max") { (item: Value) throws(ChatTemplateError) -> Value in
                foldCase(attribute.map { lookupPath(item, $0) } ?? item, caseSensitive)
            }
            return sorted.first ?? .undefined(hint: "no \(name) item, sequence was empty")
        case "select", "reject":
            let expect = name == "select"
            var kept: [Value] = []
            let testArgs = Arguments(positional: Array(args.positional.dropFirst()), keywords: args.keywords)
            for item in try iterate(value) {
                let passes: Bool
                if case .string(let test)? = args.positional.first {
                    passes = try applyTest(test, item, testArgs)
                } else {
                    passes = item.truthy
                }
                if passes == expect { kept.append(item) }
            }
            return .array(kept)
        case "selectattr", "rejectattr":
            let expect = name == "selectattr"
            guard let path = args.positional.first else {
                throw ChatTemplateError(kind: .type, message: "\(name) needs an attribute name")
            }
            var kept: [Value] = []
            let testArgs = Arguments(positional: Array(args.positional.dropFirst(2)), keywords: args.keywords)
            for item in try iterate(value) {
                let attributeValue = lookupPath(item, path)
                let passes: Bool
                if args.positional.count > 1 {
                    passes = try applyTest(try stringify(args.positional[1]), attributeValue, testArgs)
                } else {
                    passes = attributeValue.truthy
                }
                if passes == expect { kept.append(item) }
            }
            return .array(kept)
        case "replace":
            try args.check(name, ["old", "new", "count"])
            guard let old = args.get(0, "old"), let new = args.get(1, "new") else {
                throw ChatTemplateError(kind: .type, message: "replace needs 'old' and 'new' arguments")
            }
            let count = try args.get(2, "count").map { (v: Value) throws(ChatTemplateError) -> Int in try intArgument(v, -1, name) } ?? -1
            return .string(try pyReplace(try stringify(value), try stringify(old), try stringify(new), count: count, maxBytes: limits.maxOutputBytes))
        case "reverse":
            try args.check(name, [])
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .array(try iterate(value).reversed())
        case "round":
            try args.check(name, ["precision", "method"])
            let precision = try intArgument(args.get(0, "precision"), 0, name)
            let method = try stringify(args.get(1, "method") ?? .string("common"))
            guard let number = value.number else {
                throw ChatTemplateError(kind: .type, message: "round needs a number, got '\(value.typeName)'")
            }
            // Python's round() keeps integers integral; ceil/floor divide and so give floats.
            if case .int(let i) = number, method == "common", precision >= 0 { return .int(i) }
            return .double(try pyRound(number.asDouble, precision: precision, method: method))
        case "safe", "string":
            try args.check(name, [])
            return .string(try stringify(value))
        case "sort":
            try args.check(name, ["reverse", "case_sensitive", "attribute"])
            let caseSensitive = args.get(1, "case_sensitive")?.truthy ?? false
            let attribute = args.get(2, "attribute")
            return .array(try sortValues(try iterate(value), reverse: args.get(0, "reverse")?.truthy ?? false) { (item: Value) throws(ChatTemplateError) -> Value in
                foldCase(attribute.map { lookupPath(item, $0) } ?? item, caseSensitive)
            })
        case "sum":
            try args.check(name, ["attribute", "start"])
            var total = args.get(1, "start") ?? .int(0)
            let attribute = args.get(0, "attribute")
            for item in try iterate(value) {
                total = try binary("+", total, attribute.map { lookupPath(item, $0) } ?? item)
            }
            return total
        case "title":
            try args.check(name, [])
            return .string(jinjaTitle(try stringify(value)))
        case "tojson":
            try args.check(name, ["indent", "ensure_ascii", "separators", "sort_keys"])
            var options = JSONOptions()
            switch args.get(0, "indent") {
            case nil, .none?: break
            case .string(let s)?: options.indent = s
            case let other?:
                let width = try intArgument(other, 0, name)
                try checkWidth(width)
                options.indent = String(repeating: " ", count: max(0, width))
            }
            options.ensureASCII = args.get(1, "ensure_ascii")?.truthy ?? false
            if case .array(let seps)? = args.get(2, "separators"), seps.count == 2 {
                options.itemSeparator = try stringify(seps[0])
                options.keySeparator = try stringify(seps[1])
            }
            options.sortKeys = args.get(3, "sort_keys")?.truthy ?? false
            return .string(try toJSON(value, options))
        case "trim":
            try args.check(name, ["chars"])
            let chars = try args.get(0, "chars").map { (v: Value) throws(ChatTemplateError) -> String? in v.isNone ? nil : try stringify(v) } ?? nil
            return .string(pyStrip(try stringify(value), chars, left: true, right: true))
        case "unique":
            try args.check(name, ["case_sensitive", "attribute"])
            let caseSensitive = args.get(0, "case_sensitive")?.truthy ?? false
            let attribute = args.get(1, "attribute")
            // Scalars are deduplicated through a hash set (so a long list stays linear); other values by
            // comparison with those seen before.
            var seenScalars = Set<String>()
            var seenOthers: [Value] = []
            var kept: [Value] = []
            for item in try iterate(value) {
                let key = foldCase(attribute.map { lookupPath(item, $0) } ?? item, caseSensitive)
                if let hashKey = key.hashKey {
                    if seenScalars.insert(hashKey).inserted { kept.append(item) }
                } else if !seenOthers.contains(where: { pyEquals($0, key) }) {
                    try charge(seenOthers.count)
                    seenOthers.append(key)
                    kept.append(item)
                }
            }
            return .array(kept)
        case "wordcount":
            try args.check(name, [])
            var count = 0
            var inWord = false
            for scalar in try stringify(value).unicodeScalars {
                let isWordChar = scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                if isWordChar && !inWord { count += 1 }
                inWord = isWordChar
            }
            return .int(count)
        default:
            throw ChatTemplateError(kind: .syntax, message: "unknown filter '\(name)'")
        }
    }

    /// `map(attribute='x', default=...)` or `map('filter', args...)`.
    private func mapFilter(_ value: Value, _ args: Arguments) throws(ChatTemplateError) -> [Value] {
        let items = try iterate(value)
        if let path = args.keywords.last(where: { $0.0 == "attribute" })?.1 {
            let fallback = args.keywords.last(where: { $0.0 == "default" })?.1
            return items.map { item in
                let found = lookupPath(item, path)
                if found.isUndefined, let fallback { return fallback }
                return found
            }
        }
        guard case .string(let filter)? = args.positional.first else {
            throw ChatTemplateError(kind: .type, message: "map needs a filter name or attribute=")
        }
        guard Filters.names.contains(filter) else {
            throw ChatTemplateError(kind: .type, message: "unknown filter '\(filter)' in map")
        }
        let filterArgs = Arguments(positional: Array(args.positional.dropFirst()), keywords: args.keywords)
        var mapped: [Value] = []
        for item in items { mapped.append(try applyFilter(filter, item, filterArgs)) }
        return mapped
    }

    /// Jinja's attribute getter for filters: `"a.b"` walks `item.a.b`; numeric parts index lists.
    func lookupPath(_ item: Value, _ path: Value) -> Value {
        guard case .string(let text) = path else { return self.item(of: item, path) }
        var current = item
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            if let index = Int(part) {
                current = self.item(of: current, .int(index))
            } else {
                current = self.item(of: current, .string(String(part)))
            }
        }
        return current
    }

    /// Widths that would build absurdly long padding are refused up front.
    func checkWidth(_ width: Int) throws(ChatTemplateError) {
        if width > limits.maxOutputBytes {
            throw ChatTemplateError(kind: .limit, message: "width \(width) exceeds \(limits.maxOutputBytes)")
        }
    }

    func length(of value: Value) throws(ChatTemplateError) -> Int {
        switch value {
        case .string(let s):
            try charge(s.utf8.count >> 8)
            return s.unicodeScalars.count
        case .array(let items): return items.count
        case .object(let dict): return dict.count
        case .undefined: return 0
        default: throw ChatTemplateError(kind: .type, message: "object of type '\(value.typeName)' has no len()")
        }
    }

    func intArgument(_ value: Value?, _ defaultValue: Int, _ function: String) throws(ChatTemplateError) -> Int {
        guard let value else { return defaultValue }
        switch value {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .none: return defaultValue
        default:
            throw ChatTemplateError(kind: .type, message: "'\(function)' expected an integer argument, got '\(value.typeName)'")
        }
    }

    private func foldCase(_ value: Value, _ caseSensitive: Bool) -> Value {
        if !caseSensitive, case .string(let s) = value { return .string(s.lowercased()) }
        return value
    }

    /// A stable merge sort with Python ordering (which can fail for mixed types).
    func sortValues(
        _ items: [Value], reverse: Bool, key: (Value) throws(ChatTemplateError) -> Value
    ) throws(ChatTemplateError) -> [Value] {
        var keyed: [(key: Value, item: Value)] = []
        keyed.reserveCapacity(items.count)
        for item in items { keyed.append((try key(item), item)) }
        func before(_ a: Value, _ b: Value) throws(ChatTemplateError) -> Bool {
            guard let order = try pyCompare(a, b, operator: "<") else { return false }
            return reverse ? order > 0 : order < 0
        }
        var buffer = keyed
        var width = 1
        while width < keyed.count {
            var start = 0
            while start < keyed.count {
                let mid = min(start + width, keyed.count)
                let end = min(start + 2 * width, keyed.count)
                var i = start
                var j = mid
                var k = start
                while i < mid && j < end {
                    // Take from the right only when strictly before, keeping equal items in order.
                    if try before(keyed[j].key, keyed[i].key) {
                        buffer[k] = keyed[j]
                        j += 1
                    } else {
                        buffer[k] = keyed[i]
                        i += 1
                    }
                    k += 1
                }
                while i < mid { buffer[k] = keyed[i]; i += 1; k += 1 }
                while j < end { buffer[k] = keyed[j]; j += 1; k += 1 }
                start = end
            }
            swap(&keyed, &buffer)
            width *= 2
        }
        return keyed.map(\.item)
    }

    private func toFloat(_ value: Value) -> Value? {
        switch value {
        case .int(let i): return .double(Double(i))
        case .bool(let b): return .double(b ? 1 : 0)
        case .double: return value
        case .string(let s):
            let trimmed = pyStrip(s, nil, left: true, right: true).replacingOccurrences(of: "_", with: "")
            switch trimmed.lowercased() {
            case "inf", "+inf", "infinity", "+infinity": return .double(.infinity)
            case "-inf", "-infinity": return .double(-.infinity)
            case "nan", "+nan", "-nan": return .double(.nan)
            default: return Double(trimmed).map(Value.double)
            }
        default: return nil
        }
    }

    private func toInt(_ value: Value, base: Int) -> Int? {
        switch value {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .double(let d):
            guard d.isFinite, Swift.abs(d) < 9.2e18 else { return nil }
            return Int(d)
        case .string(let s):
            var text = pyStrip(s, nil, left: true, right: true).replacingOccurrences(of: "_", with: "")
            var radix = base
            var negative = false
            if text.hasPrefix("-") || text.hasPrefix("+") {
                negative = text.hasPrefix("-")
                text.removeFirst()
            }
            let lower = text.lowercased()
            for (prefix, r) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) && (base == r || base == 0) {
                text.removeFirst(2)
                radix = r
            }
            if radix == 0 { radix = 10 }
            if (2...36).contains(radix), let i = Int(text, radix: radix) { return negative ? -i : i }
            if case .double(let d)? = toFloat(value) { return toInt(.double(d), base: 10) }
            return nil
        default: return nil
        }
    }

    private func pyRound(_ x: Double, precision: Int, method: String) throws(ChatTemplateError) -> Double {
        guard x.isFinite else { return x }
        let scale = Foundation.pow(10.0, Double(precision))
        switch method {
        case "common":
            // Python's round(): correctly rounded decimal, ties to even, as printf does.
            guard (-300...300).contains(precision) else { return x }
            if precision >= 0 {
                return Double(String(format: "%.\(precision)f", x)) ?? x
            }
            return (x / scale).rounded(.toNearestOrEven) * scale
        case "ceil": return (x * scale).rounded(.up) / scale
        case "floor": return (x * scale).rounded(.down) / scale
        default:
            throw ChatTemplateError(kind: .type, message: "round: method must be 'common', 'ceil' or 'floor'")
        }
    }
}

extension Value {
    /// A key equal for values Python considers equal (1, 1.0 and True), for scalars only.
    var hashKey: String? {
        switch self {
        case .none: return "none"
        case .string(let s): return "s" + s
        case .bool(let b): return b ? "n1" : "n0"
        case .int(let i): return "n\(i)"
        case .double(let d):
            if d == d.rounded(), Swift.abs(d) < 9e18 { return "n\(Int(d))" }
            return "d\(d.bitPattern)"
        default: return nil
        }
    }

    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}

func htmlEscape(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&#34;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
