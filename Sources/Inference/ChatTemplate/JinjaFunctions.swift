import Foundation

/// Global functions (`range`, `namespace`, `raise_exception`, `strftime_now`, `dict`) and the methods
/// of strings, dicts and `loop` that templates call.
extension Evaluator {
    static let globalFunctions: Set<String> = ["range", "namespace", "raise_exception", "strftime_now", "dict"]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get"]
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "replace", "find", "rfind", "count", "join", "format", "isdigit", "isalpha",
        "isalnum", "isspace", "islower", "isupper", "removeprefix", "removesuffix",
    ]
    /// Jinja's sandbox refuses ranges longer than this.
    static let maxRange = 100_000

    func callGlobal(_ name: String, _ args: Arguments) throws(ChatTemplateError) -> Value {
        switch name {
        case "range":
            guard args.keywords.isEmpty, (1...3).contains(args.positional.count) else {
                throw ChatTemplateError(kind: .type, message: "range expects 1 to 3 integer arguments")
            }
            var bounds: [Int] = []
            for value in args.positional { bounds.append(try intArgument(value, 0, name)) }
            let (start, stop) = bounds.count == 1 ? (0, bounds[0]) : (bounds[0], bounds[1])
            let step = bounds.count == 3 ? bounds[2] : 1
            guard step != 0 else { throw ChatTemplateError(kind: .type, message: "range() arg 3 must not be zero") }
            let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
            let count = span <= 0 ? 0 : Int((span / Double(Swift.abs(step))).rounded(.up))
            guard count <= Evaluator.maxRange else {
                throw ChatTemplateError(kind: .limit, message: "range too big: \(count) items, at most \(Evaluator.maxRange) are allowed")
            }
            try charge(count)
            return .array((0..<count).map { .int(start + $0 * step) })
        case "namespace":
            var attributes = Dict()
            for value in args.positional {
                guard case .object(let dict) = value else {
                    throw ChatTemplateError(kind: .type, message: "namespace() positional arguments must be mappings")
                }
                for (key, item) in dict.pairs { attributes[key] = item }
            }
            for (key, item) in args.keywords { attributes[key] = item }
            let ns = Value.namespace(Namespace(attributes))
            try checkSize(.array([ns]))
            return ns
        case "dict":
            var dict = Dict()
            for (key, item) in args.keywords { dict[key] = item }
            try checkSize(.object(dict))
            return .object(dict)
        case "raise_exception":
            let message = try stringify(args.get(0, "message") ?? .string(""))
            throw ChatTemplateError(kind: .raised, message: message)
        case "strftime_now":
            return .string(strftimeNow(try stringify(args.get(0, "format") ?? .string(""))))
        default:
            throw ChatTemplateError(kind: .undefined, message: "'\(name)' is undefined")
        }
    }

    private func strftimeNow(_ format: String) -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 512)
        let written = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<written].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func callMethod(_ receiver: Value, _ name: String, _ args: Arguments) throws(ChatTemplateError) -> Value {
        switch receiver {
        case .object(let dict): return try dictMethod(dict, name, args)
        case .string(let s):
            let result = try stringMethod(s, name, args)
            try checkSize(result)
            return result
        case .int(let index) where name == "loop.cycle":
            guard !args.positional.isEmpty else {
                throw ChatTemplateError(kind: .type, message: "loop.cycle needs at least one value")
            }
            return args.positional[index % args.positional.count]
        default:
            throw ChatTemplateError(kind: .type, message: "'\(receiver.typeName)' object has no method '\(name)'")
        }
    }

    private func dictMethod(_ dict: Dict, _ name: String, _ args: Arguments) throws(ChatTemplateError) -> Value {
        switch name {
        case "items":
            try args.check(name, [])
            return .array(dict.pairs.map { .array([.string($0.0), $0.1]) })
        case "keys":
            try args.check(name, [])
            return .array(dict.keys.map(Value.string))
        case "values":
            try args.check(name, [])
            return .array(dict.values)
        case "get":
            try args.check(name, ["key", "default"])
            guard let key = args.get(0, "key") else {
                throw ChatTemplateError(kind: .type, message: "get expected at least 1 argument, got 0")
            }
            if case .string(let k) = key, let found = dict[k] { return found }
            return args.get(1, "default") ?? .none
        default:
            throw ChatTemplateError(kind: .type, message: "'dict' object has no method '\(name)'")
        }
    }

    private func optionalString(_ value: Value?) throws(ChatTemplateError) -> String? {
        guard let value, !value.isNone else { return nil }
        guard case .string(let s) = value else {
            throw ChatTemplateError(kind: .type, message: "expected a string argument, got '\(value.typeName)'")
        }
        return s
    }

    private func stringMethod(_ s: String, _ name: String, _ args: Arguments) throws(ChatTemplateError) -> Value {
        switch name {
        case "strip", "lstrip", "rstrip":
            try args.check(name, ["chars"])
            let chars = try optionalString(args.get(0, "chars"))
            return .string(pyStrip(s, chars, left: name != "rstrip", right: name != "lstrip"))
        case "split", "rsplit":
            try args.check(name, ["sep", "maxsplit"])
            let separator = try optionalString(args.get(0, "sep"))
            let maxSplit = try intArgument(args.get(1, "maxsplit"), -1, name)
            return .array(try pySplit(s, separator, maxSplit: maxSplit, fromRight: name == "rsplit").map(Value.string))
        case "splitlines":
            try args.check(name, ["keepends"])
            return .array(pySplitLines(s, keepEnds: args.get(0, "keepends")?.truthy ?? false).map(Value.string))
        case "startswith", "endswith":
            try args.check(name, ["prefix", "start", "end"])
            var candidates: [String] = []
            switch args.get(0, "prefix") {
            case .string(let p)?: candidates = [p]
            case .array(let items)?:
                for item in items {
                    guard case .string(let p) = item else {
                        throw ChatTemplateError(kind: .type, message: "\(name) tuple must contain only strings")
                    }
                    candidates.append(p)
                }
            default: throw ChatTemplateError(kind: .type, message: "\(name) needs a string or a tuple of strings")
            }
            let scalars = Array(s.unicodeScalars)
            let range = try pySliceIndices(
                count: scalars.count, start: try args.get(1, "start").map { (v: Value) throws(ChatTemplateError) in try intArgument(v, 0, name) },
                stop: try args.get(2, "end").map { (v: Value) throws(ChatTemplateError) in try intArgument(v, scalars.count, name) }, step: 1)
            let part = range.map { scalars[$0] }
            return .bool(candidates.contains { candidate in
                let c = Array(candidate.unicodeScalars)
                return name == "startswith" ? part.starts(with: c) : part.reversed().starts(with: c.reversed())
            })
        case "upper":
            try args.check(name, [])
            return .string(s.uppercased())
        case "lower":
            try args.check(name, [])
            return .string(s.lowercased())
        case "title":
            try args.check(name, [])
            return .string(pyTitle(s))
        case "capitalize":
            try args.check(name, [])
            return .string(pyCapitalize(s))
        case "replace":
            try args.check(name, ["old", "new", "count"])
            guard case .string(let old)? = args.get(0, "old"), case .string(let new)? = args.get(1, "new") else {
                throw ChatTemplateError(kind: .type, message: "replace needs two string arguments")
            }
            return .string(try pyReplace(s, old, new, count: try intArgument(args.get(2, "count"), -1, name), maxBytes: limits.maxOutputBytes))
        case "find", "rfind", "count":
            try args.check(name, ["sub"])
            guard case .string(let sub)? = args.get(0, "sub") else {
                throw ChatTemplateError(kind: .type, message: "\(name) needs a string argument")
            }
            let hay = Array(s.unicodeScalars)
            let needle = Array(sub.unicodeScalars)
            var positions: [Int] = []
            var i = 0
            while i + needle.count <= hay.count {
                if hay[i..<i + needle.count].elementsEqual(needle) {
                    positions.append(i)
                    i += max(needle.count, 1)
                } else {
                    i += 1
                }
            }
            if needle.isEmpty { positions = Array(0...hay.count) }
            if name == "count" { return .int(positions.count) }
            if name == "find" { return .int(positions.first ?? -1) }
            if needle.isEmpty { return .int(hay.count) }
            // rfind: the last match, overlapping allowed.
            var j = hay.count - needle.count
            while j >= 0 {
                if hay[j..<j + needle.count].elementsEqual(needle) { return .int(j) }
                j -= 1
            }
            return .int(-1)
        case "join":
            try args.check(name, ["iterable"])
            var parts: [String] = []
            var total = 0
            for item in try iterate(args.get(0, "iterable") ?? .array([])) {
                guard case .string(let part) = item else {
                    throw ChatTemplateError(kind: .type, message: "sequence item: expected str instance, \(item.typeName) found")
                }
                total += part.utf8.count + s.utf8.count
                if total > limits.maxOutputBytes {
                    throw ChatTemplateError(kind: .limit, message: "string exceeds \(limits.maxOutputBytes) bytes")
                }
                parts.append(part)
            }
            return .string(parts.joined(separator: s))
        case "format":
            return .string(try braceFormat(s, args))
        case "isdigit", "isalpha", "isalnum", "isspace":
            try args.check(name, [])
            guard !s.isEmpty else { return .bool(false) }
            return .bool(s.unicodeScalars.allSatisfy { scalar in
                switch name {
                case "isdigit": return scalar.properties.numericType == .digit || scalar.properties.numericType == .decimal
                case "isalpha": return scalar.properties.isAlphabetic
                case "isalnum": return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                default: return isPyWhitespace(scalar)
                }
            })
        case "islower", "isupper":
            try args.check(name, [])
            let cased = s.unicodeScalars.filter { $0.properties.isCased }
            guard !cased.isEmpty else { return .bool(false) }
            return .bool(name == "islower" ? s == s.lowercased() : s == s.uppercased())
        case "removeprefix", "removesuffix":
            try args.check(name, ["affix"])
            guard case .string(let affix)? = args.get(0, "affix") else {
                throw ChatTemplateError(kind: .type, message: "\(name) needs a string argument")
            }
            let scalars = Array(s.unicodeScalars)
            let a = Array(affix.unicodeScalars)
            if name == "removeprefix", scalars.starts(with: a) {
                return .string(String(String.UnicodeScalarView(scalars[a.count...])))
            }
            if name == "removesuffix", !a.isEmpty, scalars.reversed().starts(with: a.reversed()) {
                return .string(String(String.UnicodeScalarView(scalars[..<(scalars.count - a.count)])))
            }
            return .string(s)
        default:
            throw ChatTemplateError(kind: .type, message: "'str' object has no method '\(name)'")
        }
    }
}
