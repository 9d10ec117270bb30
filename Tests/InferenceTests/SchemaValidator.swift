import Foundation

/// A JSON value decoded with Foundation's strict `JSONDecoder` (booleans, integers and other numbers kept apart).
indirect enum TestJSON: Decodable, Equatable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([TestJSON]), object([String: TestJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([TestJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: TestJSON].self)) }
    }

    static func parse(_ text: String) throws -> TestJSON {
        try JSONDecoder().decode(TestJSON.self, from: Data(text.utf8))
    }
}

/// An independent validator for the JSON Schema keywords the structured-output tests use. Returns the
/// first violation found, or nil.
enum SchemaValidator {
    static func violation(_ value: TestJSON, _ schema: TestJSON, root: TestJSON? = nil, path: String = "$") -> String? {
        let root = root ?? schema
        guard case .object(let s) = schema else { return nil }
        if case .string(let ref)? = s["$ref"] {
            let name = String(ref.split(separator: "/").last ?? "")
            guard case .object(let r) = root, case .object(let defs)? = r["$defs"], let target = defs[name] else {
                return "\(path): unresolved \(ref)"
            }
            return violation(value, target, root: root, path: path)
        }
        if let c = s["const"], !equal(c, value) { return "\(path): not the const" }
        if case .array(let options)? = s["enum"], !options.contains(where: { equal($0, value) }) {
            return "\(path): \(value) not in enum"
        }
        for key in ["anyOf", "oneOf"] {
            if case .array(let alts)? = s[key] {
                let passing = alts.filter { violation(value, $0, root: root, path: path) == nil }.count
                if passing == 0 || (key == "oneOf" && passing > 1) { return "\(path): \(key) matched \(passing)" }
            }
        }
        if let t = s["type"] {
            let types: [String]
            switch t {
            case .string(let one): types = [one]
            case .array(let many):
                types = many.compactMap { (t: TestJSON) -> String? in
                    guard case .string(let x) = t else { return nil }
                    return x
                }
            default: types = []
            }
            if !types.contains(where: { has(value, type: $0) }) { return "\(path): \(value) is not \(types)" }
        }
        switch value {
        case .string(let str):
            let length = str.unicodeScalars.count
            if let n = number(s["minLength"]), Double(length) < n { return "\(path): shorter than \(n)" }
            if let n = number(s["maxLength"]), Double(length) > n { return "\(path): longer than \(n)" }
            if case .string(let p)? = s["pattern"] {
                guard let re = try? NSRegularExpression(pattern: p) else { return "\(path): bad pattern" }
                if re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil { return "\(path): '\(str)' !~ \(p)" }
            }
            if case .string(let f)? = s["format"], f == "date" {
                let re = try! NSRegularExpression(pattern: "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
                if re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil { return "\(path): not a date" }
            }
        case .int, .double:
            let x = number(value)!
            if let m = number(s["minimum"]), x < m { return "\(path): \(x) < \(m)" }
            if let m = number(s["maximum"]), x > m { return "\(path): \(x) > \(m)" }
            if let m = number(s["exclusiveMinimum"]), x <= m { return "\(path): \(x) <= \(m)" }
            if let m = number(s["exclusiveMaximum"]), x >= m { return "\(path): \(x) >= \(m)" }
        case .array(let items):
            if let n = number(s["minItems"]), Double(items.count) < n { return "\(path): fewer than \(n) items" }
            if let n = number(s["maxItems"]), Double(items.count) > n { return "\(path): more than \(n) items" }
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() {
                    if let v = violation(item, itemSchema, root: root, path: "\(path)[\(i)]") { return v }
                }
            }
        case .object(let members):
            let props: [String: TestJSON]
            if case .object(let p)? = s["properties"] { props = p } else { props = [:] }
            if case .array(let req)? = s["required"] {
                for case .string(let name) in req where members[name] == nil { return "\(path): missing '\(name)'" }
            }
            for (k, v) in members {
                if let ps = props[k] {
                    if let e = violation(v, ps, root: root, path: "\(path).\(k)") { return e }
                } else if s["additionalProperties"] == .bool(false) {
                    return "\(path): unexpected '\(k)'"
                }
            }
        default: break
        }
        return nil
    }

    private static func has(_ v: TestJSON, type: String) -> Bool {
        switch (type, v) {
        case ("null", .null), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
             ("string", .string), ("array", .array), ("object", .object): return true
        default: return false
        }
    }

    private static func number(_ v: TestJSON?) -> Double? {
        switch v {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }

    private static func equal(_ a: TestJSON, _ b: TestJSON) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }
}
