/// The placeholders issued for one request and the values they stand for. Share one map across all
/// messages of a request (see `Redactor.redact(_:entities:into:)`) so a value keeps its placeholder
/// throughout the conversation, then restore the upstream's answer with it. Keep it on the device:
/// it holds the very values that were redacted.
public struct RedactionMap: Sendable, Equatable {
    private var valuesByPlaceholder: [String: String] = [:]
    private var placeholdersByValue: [ValueKey: String] = [:]
    private var counters: [String: Int] = [:]

    private struct ValueKey: Hashable, Sendable {
        let label: String
        let value: String
    }

    /// An empty map.
    public init() {}

    /// How many distinct placeholders have been issued.
    public var count: Int { valuesByPlaceholder.count }
    /// Whether nothing has been redacted yet.
    public var isEmpty: Bool { valuesByPlaceholder.isEmpty }
    /// The placeholders issued so far.
    public var placeholders: [String] { Array(valuesByPlaceholder.keys) }

    /// The original value behind `placeholder`, if this map issued it.
    public func value(forPlaceholder placeholder: String) -> String? {
        valuesByPlaceholder[placeholder]
    }

    /// The placeholder for `value` under `label`: the existing one if this value was seen before,
    /// otherwise the next number for the label (`[EMAIL_1]`, `[EMAIL_2]`, …).
    mutating func placeholder(for value: String, label: String) -> String {
        let key = ValueKey(label: label, value: value)
        if let existing = placeholdersByValue[key] { return existing }
        let number = counters[label, default: 0] + 1
        counters[label] = number
        let placeholder = Placeholder.make(label: label, number: number)
        placeholdersByValue[key] = placeholder
        valuesByPlaceholder[placeholder] = value
        return placeholder
    }

    /// `text` with every placeholder this map issued replaced by its value, in one pass: a restored
    /// value is never itself scanned again. Placeholder-shaped text the map did not issue is kept.
    public func restore(_ text: String) -> String {
        guard !isEmpty else { return text }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        restore(Array(text.utf8)[...], into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func restore(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == PIIBytes.openBracket, let end = Placeholder.match(bytes, at: i),
               let value = valuesByPlaceholder[String(decoding: bytes[i..<end], as: UTF8.self)] {
                out.append(contentsOf: value.utf8)
                i = end
            } else {
                out.append(b)
                i += 1
            }
        }
    }
}
