import Foundation

/// A mapping from the parsed YAML, with typed accessors whose errors name the key's full path.
///
/// Accepts both `[String: Any]` and `[AnyHashable: Any]` (what Yams produces for nested mappings).
struct ConfigTable {
    let values: [String: Any]
    let path: String

    init(_ value: Any, path: String) throws(RoutingConfigError) {
        self.path = path
        if let strings = value as? [String: Any] {
            values = strings
        } else if let hashables = value as? [AnyHashable: Any] {
            var converted: [String: Any] = [:]
            for (key, element) in hashables {
                guard let name = key.base as? String else {
                    throw RoutingConfigError(.invalidType, path: path, "keys must be strings, but got '\(key)'.")
                }
                converted[name] = element
            }
            values = converted
        } else {
            throw RoutingConfigError(.invalidType, path: path, "expected a mapping, but got \(Self.typeName(value)).")
        }
    }

    /// Path of a key in this table.
    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Fails on the first key (in sorted order, so the error is stable) not in `allowed`.
    func rejectUnknownKeys(allowing allowed: Set<String>) throws(RoutingConfigError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            let known = allowed.sorted().joined(separator: ", ")
            throw RoutingConfigError(.unknownKey, path: name(unknown), "unknown key '\(unknown)'; expected one of: \(known).")
        }
    }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    func string(_ key: String) throws(RoutingConfigError) -> String? {
        guard has(key), let value = values[key] else { return nil }
        guard let string = value as? String else { throw typeError(key, "a string", value) }
        return string
    }

    func requiredString(_ key: String) throws(RoutingConfigError) -> String {
        guard let string = try string(key) else {
            throw RoutingConfigError(.missingKey, path: name(key), "required key '\(key)' is missing.")
        }
        guard !string.isEmpty else { throw RoutingConfigError(.invalidValue, path: name(key), "must not be empty.") }
        return string
    }

    func bool(_ key: String) throws(RoutingConfigError) -> Bool? {
        guard has(key), let value = values[key] else { return nil }
        guard let bool = value as? Bool else { throw typeError(key, "true or false", value) }
        return bool
    }

    /// A number that must satisfy `rule` (described by `ruleText` in the error).
    func double(_ key: String, _ ruleText: String, _ rule: (Double) -> Bool) throws(RoutingConfigError) -> Double? {
        guard has(key), let value = values[key] else { return nil }
        guard let number = Self.number(value) else { throw typeError(key, "a number", value) }
        guard number.isFinite, rule(number) else {
            throw RoutingConfigError(.invalidValue, path: name(key), "must be \(ruleText), but got \(number).")
        }
        return number
    }

    /// A whole number in `range`.
    func int(_ key: String, in range: ClosedRange<Int>) throws(RoutingConfigError) -> Int? {
        guard has(key), let value = values[key] else { return nil }
        guard let number = Self.number(value), number.rounded() == number, abs(number) < 1e15 else {
            throw typeError(key, "a whole number", value)
        }
        let int = Int(number)
        guard range.contains(int) else {
            throw RoutingConfigError(.invalidValue, path: name(key),
                                     "must be in \(range.lowerBound)...\(range.upperBound), but got \(int).")
        }
        return int
    }

    func table(_ key: String) throws(RoutingConfigError) -> ConfigTable? {
        guard has(key), let value = values[key] else { return nil }
        return try ConfigTable(value, path: name(key))
    }

    func array(_ key: String) throws(RoutingConfigError) -> [Any]? {
        guard has(key), let value = values[key] else { return nil }
        guard let array = value as? [Any] else { throw typeError(key, "a list", value) }
        return array
    }

    func typeError(_ key: String, _ expected: String, _ value: Any) -> RoutingConfigError {
        RoutingConfigError(.invalidType, path: name(key), "expected \(expected), but got \(Self.typeName(value)).")
    }

    static func number(_ value: Any) -> Double? {
        if value is Bool { return nil }
        switch value {
        case let int as Int: return Double(int)
        case let double as Double: return double
        case let int as Int64: return Double(int)
        case let uint as UInt: return Double(uint)
        case let float as Float: return Double(float)
        default: return nil
        }
    }

    static func typeName(_ value: Any) -> String {
        switch value {
        case is Bool: return "a boolean"
        case is String: return "a string"
        case is [Any]: return "a list"
        case is [String: Any], is [AnyHashable: Any]: return "a mapping"
        case is NSNull: return "null"
        default: return number(value) != nil ? "a number" : "a value of type \(type(of: value))"
        }
    }
}
