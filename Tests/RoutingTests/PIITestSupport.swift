import Routing
import XCTest

/// Shared helpers for the PII tests: detection results as (kind, matched text) pairs.
enum PII {
    static let detector = PIIDetector.builtIn

    static func matches(_ text: String, detector: PIIDetector = detector) -> [Match] {
        detector.detect(text).map { Match(type: $0.type, text: String(text[$0.range]), label: $0.label) }
    }

    struct Match: Equatable, CustomStringConvertible {
        let type: EntityType
        let text: String
        var label: String

        var description: String { "\(type)(\(text))" }
    }
}

extension XCTestCase {
    /// Asserts that `text` holds exactly one entity, of `type`, spelled `expected` (the whole text when nil).
    func assertFinds(_ type: EntityType, in text: String, _ expected: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) {
        let found = PII.matches(text)
        XCTAssertEqual(found.map(\.type), [type], "in \(text): \(found)", file: file, line: line)
        XCTAssertEqual(found.first?.text, expected ?? text, "in \(text)", file: file, line: line)
    }

    /// Asserts that no entity of `type` (or none at all, when nil) is found in `text`.
    func assertNoMatch(_ type: EntityType? = nil, in text: String, file: StaticString = #filePath, line: UInt = #line) {
        let found = PII.matches(text).filter { type == nil || $0.type == type }
        XCTAssertEqual(found, [], "in \(text)", file: file, line: line)
    }
}
