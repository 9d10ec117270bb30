/// Compiles a JSON Schema into a GBNF grammar whose sentences are the JSON texts valid under it.
///
/// Supported: `type` (string, number, integer, boolean, null, object, array, or a list of them),
/// `properties` + `required` (properties in declaration order; optional ones may be left out),
/// `additionalProperties` (never generated when properties are declared; a schema for the values of an
/// object without properties), `enum`, `const`, `anyOf` / `oneOf` (as alternatives), a single-entry
/// `allOf`, `items`, `minItems`, `maxItems`, `minLength`, `maxLength`, `pattern` (see `RegexToGBNF`),
/// `format` (date, time, date-time, uuid, email), integer `minimum` / `maximum` / `exclusiveMinimum` /
/// `exclusiveMaximum`, number `minimum: 0`, and local `$ref`s to `#/$defs/…` or `#/definitions/…`
/// (recursion allowed). Annotations (`title`, `description`, …) are ignored. Anything else is refused
/// with a `GrammarError` naming the keyword and where it is.
public enum JSONSchemaCompiler {
    /// The grammar of JSON mode: any JSON object.
    public static func jsonObjectGrammar() throws(GrammarError) -> Grammar {
        try Grammar(gbnf: JSONGrammarRules.jsonObjectGBNF)
    }

    /// The grammar of JSON texts valid under `schema` (JSON text).
    public static func compile(schema: String) throws(GrammarError) -> Grammar {
        try Grammar(gbnf: try gbnf(schema: schema))
    }

    /// The GBNF text `compile` parses.
    public static func gbnf(schema: String) throws(GrammarError) -> String {
        let value: JinjaValue
        do {
            var parser = JSONValueParser(Array(schema.utf8))
            value = try parser.parseDocument()
        } catch {
            throw GrammarError(.invalidSchema, "the JSON schema is not valid JSON: \(error)")
        }
        var converter = SchemaConverter(root: value)
        let root = try converter.visit(value, path: "#")
        return converter.render(root: root)
    }
}

private struct SchemaConverter {
    private var rules: [(String, String)] = []
    private var used = Set<String>()
    private var primitivesNeeded = Set<String>()
    private var refRules: [String: String] = [:]
    private let definitions: [String: JinjaValue]

    private static let annotations: Set<String> = [
        "title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated",
        "readOnly", "writeOnly", "$defs", "definitions", "strict",
    ]
    private static let known: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "anyOf", "oneOf", "allOf",
        "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "$ref",
    ]
    private static let formats = ["date", "time", "date-time", "uuid", "email"]

    init(root: JinjaValue) {
        var defs: [String: JinjaValue] = [:]
        if case .object(let o, _) = root {
            for key in ["$defs", "definitions"] {
                if case .object(let d, _)? = o[key] { for (k, v) in d { defs["#/\(key)/\(k)"] = v } }
            }
        }
        definitions = defs
    }

    func render(root: String) -> String {
        var text = "root ::= \(root)\n"
        for (name, body) in rules { text += "\(name) ::= \(body)\n" }
        // Primitives and what they need, once each.
        var needed = primitivesNeeded
        var queue = Array(primitivesNeeded)
        while let p = queue.popLast() {
            for d in JSONGrammarRules.dependencies[p] ?? [] where !needed.contains(d) {
                needed.insert(d)
                queue.append(d)
            }
        }
        for (name, body) in JSONGrammarRules.primitives where needed.contains(name) { text += "\(name) ::= \(body)\n" }
        return text
    }

    private mutating func primitive(_ name: String) -> String {
        primitivesNeeded.insert(name)
        return name
    }

    private mutating func addRule(_ hint: String, _ body: String) -> String {
        let name = uniqueName(hint)
        rules.append((name, body))
        return name
    }

    private mutating func uniqueName(_ hint: String) -> String {
        var base = String(hint.unicodeScalars.map { c -> Character in
            let v = c.value
            let ok = (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39) || v == 0x2D
            return ok ? Character(c) : "-"
        })
        if base.isEmpty { base = "r" }
        base = "s-" + base.prefix(60)
        var name = base
        var n = 1
        while used.contains(name) { n += 1; name = "\(base)-\(n)" }
        used.insert(name)
        return name
    }

    // MARK: - Schemas

    /// A GBNF expression for `schema` (a rule name or a parenthesised expression).
    mutating func visit(_ schema: JinjaValue, path: String) throws(GrammarError) -> String {
        let o: [String: JinjaValue]
        let order: [String]
        switch schema {
        case .bool(true): return primitive("value")
        case .bool(false): throw .unsupported("false", at: path, "a schema that accepts nothing cannot be generated")
        case .object(let object, let keys): o = object; order = JinjaValue.orderedKeys(object, keys)
        default: throw GrammarError(.invalidSchema, "the schema at \(path) is not an object")
        }
        for key in order where !Self.known.contains(key) && !Self.annotations.contains(key) {
            throw .unsupported(key, at: path)
        }
        if let ref = o["$ref"] {
            guard o.keys.allSatisfy({ $0 == "$ref" || Self.annotations.contains($0) }) else {
                throw .unsupported("$ref with sibling keywords", at: path)
            }
            return try reference(ref, path: path)
        }
        if let c = o["const"] { return try literal(c, path: path + "/const") }
        if let e = o["enum"] {
            guard case .array(let values) = e, !values.isEmpty else {
                throw GrammarError(.invalidSchema, "'enum' at \(path) must be a non-empty array")
            }
            var alts: [String] = []
            for (i, v) in values.enumerated() { alts.append(try literal(v, path: "\(path)/enum/\(i)")) }
            return "(" + alts.joined(separator: " | ") + ")"
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            guard let list = o[key] else { continue }
            guard case .array(let items) = list, !items.isEmpty else {
                throw GrammarError(.invalidSchema, "'\(key)' at \(path) must be a non-empty array")
            }
            if key == "allOf" {
                guard items.count == 1 else { throw .unsupported("allOf", at: path, "only a single-entry allOf is supported") }
                return try visit(items[0], path: "\(path)/allOf/0")
            }
            var alts: [String] = []
            for (i, s) in items.enumerated() { alts.append(try visit(s, path: "\(path)/\(key)/\(i)")) }
            return "(" + alts.joined(separator: " | ") + ")"
        }
        switch o["type"] {
        case .string(let t)?:
            return try typed(t, o, path: path)
        case .array(let types)?:
            var alts: [String] = []
            for t in types {
                guard case .string(let name) = t else {
                    throw GrammarError(.invalidSchema, "'type' at \(path) must be a string or an array of strings")
                }
                alts.append(try typed(name, o, path: path))
            }
            guard !alts.isEmpty else { throw GrammarError(.invalidSchema, "'type' at \(path) is an empty array") }
            return "(" + alts.joined(separator: " | ") + ")"
        case nil:
            if o["properties"] != nil || o["additionalProperties"] != nil { return try typed("object", o, path: path) }
            if o["items"] != nil { return try typed("array", o, path: path) }
            return primitive("value")
        default:
            throw GrammarError(.invalidSchema, "'type' at \(path) must be a string or an array of strings")
        }
    }

    private mutating func reference(_ ref: JinjaValue, path: String) throws(GrammarError) -> String {
        guard case .string(let target) = ref else { throw GrammarError(.invalidSchema, "'$ref' at \(path) must be a string") }
        if let name = refRules[target] { return name }
        guard let schema = definitions[target] else {
            throw .unsupported("$ref", at: path, "only local references to #/$defs/NAME or #/definitions/NAME that exist are supported; got '\(target)'")
        }
        // Reserve the name first so recursive references resolve to it.
        let name = uniqueName("ref-" + (target.split(separator: "/").last.map(String.init) ?? "def"))
        refRules[target] = name
        let index = rules.count
        rules.append((name, ""))
        let body = try visit(schema, path: target)
        rules[index] = (name, body)
        return name
    }

    /// A JSON value written out exactly.
    private func literal(_ value: JinjaValue, path: String) throws(GrammarError) -> String {
        JSONGrammarRules.literal(try Self.serialize(value, path: path))
    }

    private static func serialize(_ value: JinjaValue, path: String) throws(GrammarError) -> String {
        switch value {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            guard d.isFinite else { throw GrammarError(.invalidSchema, "non-finite number at \(path)") }
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case .string(let s): return JSONGrammarRules.jsonString(s)
        case .array(let items):
            var parts: [String] = []
            for (i, v) in items.enumerated() { parts.append(try serialize(v, path: "\(path)/\(i)")) }
            return "[" + parts.joined(separator: ",") + "]"
        case .object(let o, let keys):
            var parts: [String] = []
            for k in JinjaValue.orderedKeys(o, keys) {
                parts.append(JSONGrammarRules.jsonString(k) + ":" + (try serialize(o[k] ?? .none, path: "\(path)/\(k)")))
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .undefined:
            throw GrammarError(.invalidSchema, "undefined value at \(path)")
        }
    }

    private func refuse(_ o: [String: JinjaValue], _ keys: [String], for type: String, path: String) throws(GrammarError) {
        for k in keys where o[k] != nil { throw .unsupported(k, at: path, "not supported for type '\(type)'") }
    }

    private mutating func typed(_ type: String, _ o: [String: JinjaValue], path: String) throws(GrammarError) -> String {
        let hint = path.split(separator: "/").suffix(2).joined(separator: "-")
        switch type {
        case "string": return try string(o, path: path, hint: hint)
        case "integer": return try integer(o, path: path, hint: hint)
        case "number":
            try refuse(o, ["maximum", "exclusiveMinimum", "exclusiveMaximum"], for: "number", path: path)
            if let m = o["minimum"] {
                guard Self.number(m) == 0 else {
                    throw .unsupported("minimum", at: path, "only minimum 0 is supported for numbers; use type integer for other bounds")
                }
                return addRule(hint, #"( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?"#)
            }
            return primitive("number")
        case "boolean": return primitive("boolean")
        case "null": return primitive("null")
        case "object": return try object(o, path: path, hint: hint)
        case "array": return try array(o, path: path, hint: hint)
        default: throw GrammarError(.invalidSchema, "unknown type '\(type)' at \(path)")
        }
    }

    private mutating func string(_ o: [String: JinjaValue], path: String, hint: String) throws(GrammarError) -> String {
        if let p = o["pattern"] {
            guard case .string(let pattern) = p else { throw GrammarError(.invalidSchema, "'pattern' at \(path) must be a string") }
            try refuse(o, ["format", "minLength", "maxLength"], for: "string with a pattern", path: path)
            let body = try RegexToGBNF.convert(pattern, path: path + "/pattern")
            return addRule(hint, "\"\\\"\" " + body + " \"\\\"\"")
        }
        if let f = o["format"] {
            guard case .string(let format) = f else { throw GrammarError(.invalidSchema, "'format' at \(path) must be a string") }
            guard Self.formats.contains(format) else {
                throw .unsupported("format", at: path, "format '\(format)' is not supported; supported: \(Self.formats.joined(separator: ", "))")
            }
            try refuse(o, ["minLength", "maxLength"], for: "string with a format", path: path)
            return addRule(hint, "\"\\\"\" " + primitive(format) + " \"\\\"\"")
        }
        let low = try count(o["minLength"], "minLength", path: path) ?? 0
        let high = try count(o["maxLength"], "maxLength", path: path)
        if low == 0 && high == nil { return primitive("string") }
        if let high, high < low { throw GrammarError(.invalidSchema, "maxLength < minLength at \(path)") }
        _ = primitive("char")
        return addRule(hint, "\"\\\"\" char{\(low),\(high.map(String.init) ?? "")} \"\\\"\"")
    }

    private func count(_ v: JinjaValue?, _ key: String, path: String) throws(GrammarError) -> Int? {
        guard let v else { return nil }
        guard let n = Self.number(v), n >= 0, n == n.rounded() else {
            throw GrammarError(.invalidSchema, "'\(key)' at \(path) must be a non-negative integer")
        }
        guard n <= Double(GrammarBuilder.maxRepetition) else {
            throw .unsupported(key, at: path, "values above \(GrammarBuilder.maxRepetition) are not supported")
        }
        return Int(n)
    }

    private static func number(_ v: JinjaValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    private mutating func integer(_ o: [String: JinjaValue], path: String, hint: String) throws(GrammarError) -> String {
        var low: Int64?, high: Int64?
        let limit = 1e15
        for key in ["minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"] {
            guard let v = o[key] else { continue }
            guard let d = Self.number(v), d.isFinite else {
                throw GrammarError(.invalidSchema, "'\(key)' at \(path) must be a number")
            }
            guard abs(d) < limit else { throw .unsupported(key, at: path, "bounds beyond ±10^15 are not supported") }
            switch key {
            case "minimum": low = max(low ?? .min, Int64(d.rounded(.up)))
            case "exclusiveMinimum": low = max(low ?? .min, Int64(d.rounded(.down)) + 1)
            case "maximum": high = min(high ?? .max, Int64(d.rounded(.down)))
            default: high = min(high ?? .max, Int64(d.rounded(.up)) - 1)
            }
        }
        if low == nil && high == nil { return primitive("integer") }
        if let low, let high, low > high {
            throw GrammarError(.invalidSchema, "no integer satisfies the bounds at \(path)")
        }
        return addRule(hint, IntegerRange.gbnf(low: low, high: high))
    }

    private mutating func object(_ o: [String: JinjaValue], path: String, hint: String) throws(GrammarError) -> String {
        var required = Set<String>()
        if let r = o["required"] {
            guard case .array(let names) = r else { throw GrammarError(.invalidSchema, "'required' at \(path) must be an array") }
            for n in names {
                guard case .string(let s) = n else { throw GrammarError(.invalidSchema, "'required' at \(path) must list strings") }
                required.insert(s)
            }
        }
        let ws = primitive("ws")
        guard case .object(let props, let keys)? = o["properties"] else {
            if o["properties"] != nil { throw GrammarError(.invalidSchema, "'properties' at \(path) must be an object") }
            if let missing = required.first {
                throw .unsupported("required", at: path, "required property '\(missing)' without 'properties'")
            }
            switch o["additionalProperties"] {
            case .bool(false)?: return addRule(hint, "\"{\" \(ws) \"}\"")
            case nil, .bool(true)?: return primitive("object")
            case let schema?:
                let v = try visit(schema, path: path + "/additionalProperties")
                let s = primitive("string")
                let kv = "\(s) \(ws) \":\" \(ws) \(v)"
                return addRule(hint, "\"{\" \(ws) ( \(kv) ( \(ws) \",\" \(ws) \(kv) )* \(ws) )? \"}\"")
            }
        }
        let names = JinjaValue.orderedKeys(props, keys)
        if let missing = required.first(where: { props[$0] == nil }) {
            throw .unsupported("required", at: path, "required property '\(missing)' is not in 'properties'")
        }
        var members: [String] = []   // (properties) `"name" ws ":" ws value`
        for name in names {
            let value = try visit(props[name] ?? .bool(true), path: "\(path)/properties/\(name)")
            members.append("\(JSONGrammarRules.literal(JSONGrammarRules.jsonString(name))) \(ws) \":\" \(ws) \(value)")
        }
        // tail(k): what may follow once a member was written; head(k): before any member.
        let n = names.count
        var tail = Array(repeating: "", count: n + 1)
        var head = Array(repeating: "", count: n + 1)
        for k in stride(from: n - 1, through: 0, by: -1) {
            let rest = tail[k + 1].isEmpty ? "" : " " + tail[k + 1]
            let withMember = "\(ws) \",\" \(ws) \(members[k])\(rest)"
            if required.contains(names[k]) {
                tail[k] = addRule(hint + "-t\(k)", withMember)
                head[k] = addRule(hint + "-h\(k)", members[k] + rest)
            } else {
                // An empty alternative goes first: after a trailing `|` GBNF would read on into the next line.
                tail[k] = addRule(hint + "-t\(k)", "\(tail[k + 1]) | \(withMember)")
                head[k] = addRule(hint + "-h\(k)", "\(head[k + 1]) | \(members[k])\(rest)")
            }
        }
        let body = n == 0 ? "" : " " + head[0]
        return addRule(hint, "\"{\" \(ws)\(body) \(ws) \"}\"")
    }

    private mutating func array(_ o: [String: JinjaValue], path: String, hint: String) throws(GrammarError) -> String {
        if let u = o["uniqueItems"], u != .bool(false) { throw .unsupported("uniqueItems", at: path) }
        let item = try visit(o["items"] ?? .bool(true), path: path + "/items")
        let low = try count(o["minItems"], "minItems", path: path) ?? 0
        let high = try count(o["maxItems"], "maxItems", path: path)
        if let high, high < low { throw GrammarError(.invalidSchema, "maxItems < minItems at \(path)") }
        let ws = primitive("ws")
        let more = "( \(ws) \",\" \(ws) \(item) )"
        if high == 0 { return addRule(hint, "\"[\" \(ws) \"]\"") }
        let rest: String
        if let high {
            rest = "\(more){\(max(low - 1, 0)),\(high - 1)}"
        } else {
            rest = "\(more){\(max(low - 1, 0)),}"
        }
        let items = "\(item) \(rest) \(ws)"
        return addRule(hint, low == 0 ? "\"[\" \(ws) ( \(items) )? \"]\"" : "\"[\" \(ws) \(items) \"]\"")
    }
}
