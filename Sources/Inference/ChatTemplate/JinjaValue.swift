/// A value passed into a chat template: the JSON-like data model of Jinja (Python) values.
///
/// Objects keep their key order in `keys`, because templates serialise tool schemas with `tojson`
/// and Hugging Face renders keys in insertion order. Keys present in the dictionary but missing from
/// `keys` are appended in sorted order; names in `keys` that the dictionary lacks are ignored.
public indirect enum JinjaValue: Sendable, Equatable {
    /// Jinja's `Undefined`: falsy, renders as the empty string.
    case undefined
    /// Python `None`.
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    /// A mapping with string keys; `keys` gives the iteration order.
    case object([String: JinjaValue], keys: [String])

    /// An object whose key order is the order of `pairs`. A repeated key keeps its last value at its first position.
    public static func dictionary(_ pairs: [(String, JinjaValue)]) -> JinjaValue {
        var storage: [String: JinjaValue] = [:]
        var keys: [String] = []
        for (key, value) in pairs {
            if storage.updateValue(value, forKey: key) == nil { keys.append(key) }
        }
        return .object(storage, keys: keys)
    }

    /// The key order to use for an object: `keys` filtered to present keys, then any unlisted keys sorted.
    static func orderedKeys(_ storage: [String: JinjaValue], _ keys: [String]) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for key in keys where storage[key] != nil && !seen.contains(key) {
            seen.insert(key)
            result.append(key)
        }
        if result.count < storage.count {
            result.append(contentsOf: storage.keys.filter { !seen.contains($0) }.sorted())
        }
        return result
    }
}

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    /// Keeps the literal's key order.
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .dictionary(elements) }
    /// `nil` is Python `None`.
    public init(nilLiteral: ()) { self = .none }
}

extension JinjaValue {
    /// Parses a JSON document, keeping object key order (so `tojson` reproduces it).
    ///
    /// Numbers without a fraction or exponent that fit in `Int` become `.int`, others `.double`; `null` is `.none`.
    public static func parseJSON(_ text: String) throws(ChatTemplateError) -> JinjaValue {
        var parser = JSONValueParser(Array(text.utf8))
        return try parser.parseDocument()
    }
}
