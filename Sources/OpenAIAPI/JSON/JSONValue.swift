/// A JSON document as parsed from a request body, exact enough to check types strictly.
///
/// Unlike `JSONSerialization`, booleans and numbers are distinct cases, numbers keep their
/// source text (so a 64-bit integer is never rounded through `Double`), and objects keep their
/// member order (which matters to a later JSON-schema-to-grammar step).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name used in error messages ("string", "integer", "object", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let number): return number.int64Value == nil ? "number" : "integer"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A JSON number, stored as its RFC 8259 literal text.
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    /// The literal exactly as written, e.g. `-0.5e3`.
    public let literal: String

    /// Creates a number from a literal that must already follow the RFC 8259 number grammar.
    init(validatedLiteral: String) { self.literal = validatedLiteral }

    /// Creates a number from an integer.
    public init(_ value: Int64) { self.literal = String(value) }

    /// Creates a number from a finite double (non-finite values, which JSON cannot hold, become 0).
    public init(double value: Double) { self.literal = value.isFinite ? "\(value)" : "0" }

    /// The value as a double; may be ±infinity for literals beyond `Double`'s range.
    public var doubleValue: Double { Double(literal) ?? .nan }

    /// The value as an exact integer, or nil when it is not integral or does not fit in `Int64`.
    ///
    /// Literals with a fraction or exponent (`5.0`, `1e3`) count as integers when their value is
    /// integral and within ±2^53, where `Double` is exact; some clients serialize integers that way.
    public var int64Value: Int64? {
        if let exact = Int64(literal) { return exact }
        if literal.allSatisfy({ $0 == "-" || $0.isASCII && $0.isNumber }) { return nil }  // integer overflow
        let value = doubleValue
        guard value.isFinite, value == value.rounded(), abs(value) <= 9_007_199_254_740_992 else { return nil }
        return Int64(value)
    }

    public var description: String { literal }
}

/// A JSON object with its members in document order; keys are unique (the parser rejects duplicates).
public struct JSONObject: Sendable, Equatable {
    /// Member names in document order.
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    /// Creates an empty object.
    public init() {}

    /// Creates an object from members in order; a repeated key keeps its last value and first position.
    public init(_ members: [(String, JSONValue)]) {
        for (key, value) in members { self[key] = value }
    }

    /// The value of `key`, or nil when the key is absent. Setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The number of members.
    public var count: Int { keys.count }

    /// Members in document order.
    public var members: [(key: String, value: JSONValue)] {
        keys.map { ($0, values[$0] ?? .null) }
    }

    /// Objects are equal when they have the same members, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.values == rhs.values  // JSON objects are unordered
    }
}
