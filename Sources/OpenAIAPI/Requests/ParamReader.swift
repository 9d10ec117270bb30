/// Typed, strict access to the members of one JSON object of a request, producing OpenAI-style
/// errors that name the parameter by its full path (`messages[1].content`).
///
/// `null` counts as absent for every optional parameter.
struct ParamReader {
    let object: JSONObject
    /// Path of this object inside the request, e.g. `""` at top level or `"stream_options"`.
    let path: String

    init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    /// Reads the top-level object of a body, mapping parse failures to `invalid_json`.
    static func topLevel(_ body: [UInt8]) throws(APIError) -> ParamReader {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes: body)
        } catch {
            throw APIError.invalidJSON(error.description)
        }
        guard case .object(let object) = value else {
            throw APIError(status: 400, message: "The request body must be a JSON object, but it is \(value.typeName).",
                           type: APIError.invalidRequestType, code: "invalid_json")
        }
        return ParamReader(object)
    }

    /// The full parameter name of `key`.
    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Rejects the first member (in document order) whose key is not in `allowed`.
    func rejectUnknownKeys(allowing allowed: Set<String>) throws(APIError) {
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw APIError.unsupportedParameter(name(unknown))
        }
    }

    /// The value of `key`, nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func required(_ key: String) throws(APIError) -> JSONValue {
        guard let value = value(key) else { throw APIError.missingParameter(name(key)) }
        return value
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let value = value(key) else { return nil }
        return try Self.string(value, param: name(key))
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            throw APIError.invalidType(name(key), expected: "a boolean", actual: value.typeName)
        }
        return flag
    }

    /// An integer within `range`; `true`, `"3"` and `2.5` are type errors.
    func integer(_ key: String, in range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        guard let value = value(key) else { return nil }
        return try Self.integer(value, param: name(key), in: range)
    }

    /// A number (integer or fraction) satisfying `isValid`, whose rule `rule` names for the message.
    func number(_ key: String, rule: String, _ isValid: (Double) -> Bool) throws(APIError) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value else {
            throw APIError.invalidType(name(key), expected: "a number", actual: value.typeName)
        }
        let double = number.doubleValue
        guard double.isFinite, isValid(double) else {
            throw APIError.invalidValue(name(key), "expected \(rule), but got \(number.literal).")
        }
        return double
    }

    func object(_ key: String) throws(APIError) -> ParamReader? {
        guard let value = value(key) else { return nil }
        guard case .object(let object) = value else {
            throw APIError.invalidType(name(key), expected: "an object", actual: value.typeName)
        }
        return ParamReader(object, path: name(key))
    }

    static func string(_ value: JSONValue, param: String) throws(APIError) -> String {
        guard case .string(let string) = value else {
            throw APIError.invalidType(param, expected: "a string", actual: value.typeName)
        }
        return string
    }

    static func integer(_ value: JSONValue, param: String, in range: ClosedRange<Int64>) throws(APIError) -> Int64 {
        guard case .number(let number) = value else {
            throw APIError.invalidType(param, expected: "an integer", actual: value.typeName)
        }
        guard let integer = number.int64Value else {
            if number.literal.allSatisfy({ $0 == "-" || $0.isNumber }) {  // integral but beyond Int64
                throw APIError.invalidValue(param, "expected an integer in \(range.lowerBound)...\(range.upperBound), but got \(number.literal).")
            }
            throw APIError.invalidType(param, expected: "an integer", actual: "a number (\(number.literal))")
        }
        guard range.contains(integer) else {
            throw APIError.invalidValue(param, "expected an integer in \(range.lowerBound)...\(range.upperBound), but got \(integer).")
        }
        return integer
    }
}
