import Foundation

/// A site-specific pattern from the configuration, such as an employee or customer number.
/// Matches are reported as `EntityType.custom` with `label == name`.
public struct CustomPattern: Sendable, Hashable, Codable {
    /// Names the pattern in `DetectedEntity.label` and in redaction placeholders.
    public let name: String
    /// An ICU regular expression (`NSRegularExpression` syntax); use `(?i)` for case-insensitivity.
    public let regex: String

    /// A pattern; it is validated when a `PIIDetector` is created with it.
    public init(name: String, regex: String) {
        self.name = name
        self.regex = regex
    }
}

/// A custom pattern that cannot be used, named so the configuration can be fixed.
public struct InvalidCustomPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The offending pattern's name (possibly empty, if that is the problem).
    public let name: String
    /// Why it was rejected.
    public let reason: String

    /// A one-line message for logs and configuration errors.
    public var description: String { "custom PII pattern '\(name)': \(reason)" }
}

/// A compiled custom pattern. `NSRegularExpression` is immutable after creation and documented as safe
/// to use from several threads, which is what makes sharing it across tasks sound.
struct CompiledCustomPattern: @unchecked Sendable {
    let name: String
    let expression: NSRegularExpression

    init(_ pattern: CustomPattern) throws(InvalidCustomPatternError) {
        guard !pattern.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw InvalidCustomPatternError(name: pattern.name, reason: "the name is empty")
        }
        guard !pattern.regex.isEmpty else {
            throw InvalidCustomPatternError(name: pattern.name, reason: "the regular expression is empty")
        }
        do {
            expression = try NSRegularExpression(pattern: pattern.regex)
        } catch {
            throw InvalidCustomPatternError(name: pattern.name, reason: "invalid regular expression: \(pattern.regex)")
        }
        name = pattern.name
    }

    /// Non-empty matches as UTF-8 byte offsets into `text`.
    func candidates(in text: String) -> [PIICandidate] {
        let whole = NSRange(text.startIndex..<text.endIndex, in: text)
        var result = [PIICandidate]()
        for match in expression.matches(in: text, range: whole) where match.range.length > 0 {
            guard let range = Range(match.range, in: text) else { continue }
            let start = text.utf8.distance(from: text.startIndex, to: range.lowerBound)
            let end = start + text.utf8.distance(from: range.lowerBound, to: range.upperBound)
            result.append(PIICandidate(type: .custom, start: start, end: end, label: name))
        }
        return result
    }
}
