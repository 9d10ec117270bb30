import Routing
import XCTest

final class CustomPatternTests: XCTestCase {
    func testCustomPatternsAreDetectedWithTheirName() throws {
        let detector = try PIIDetector(customPatterns: [
            CustomPattern(name: "employee_id", regex: "\\bEMP-[0-9]{6}\\b"),
            CustomPattern(name: "project", regex: "(?i)\\bproject falcon\\b"),
        ])
        let found = PII.matches("EMP-123456 works on Project Falcon with jane@example.com", detector: detector)
        XCTAssertEqual(found, [
            PII.Match(type: .custom, text: "EMP-123456", label: "employee_id"),
            PII.Match(type: .custom, text: "Project Falcon", label: "project"),
            PII.Match(type: .email, text: "jane@example.com", label: "email"),
        ])
        XCTAssertEqual(detector.classify("ask EMP-000001").dataClass, .restricted)
    }

    func testCustomPatternRangesAreRightAfterNonASCIIText() throws {
        let detector = try PIIDetector(customPatterns: [CustomPattern(name: "ticket", regex: "TCK[0-9]+")])
        XCTAssertEqual(PII.matches("Ärger 🙂 mit TCK42!", detector: detector).map(\.text), ["TCK42"])
    }

    func testInvalidPatternIsRejectedByName() {
        XCTAssertThrowsError(try PIIDetector(customPatterns: [
            CustomPattern(name: "ok", regex: "x"),
            CustomPattern(name: "broken", regex: "([a-z"),
        ])) { error in
            XCTAssertEqual((error as? InvalidCustomPatternError)?.name, "broken")
        }
        XCTAssertThrowsError(try PIIDetector(customPatterns: [CustomPattern(name: " ", regex: "x")]))
        XCTAssertThrowsError(try PIIDetector(customPatterns: [CustomPattern(name: "empty", regex: "")]))
    }

    func testCustomPatternsOffWhenCustomIsNotEnabled() throws {
        let detector = try PIIDetector(customPatterns: [CustomPattern(name: "x", regex: "secret")], enabled: [.email])
        XCTAssertEqual(PII.matches("secret", detector: detector), [])
    }

    func testEmptyMatchesAreIgnored() throws {
        let detector = try PIIDetector(customPatterns: [CustomPattern(name: "maybe", regex: "z*")])
        XCTAssertEqual(PII.matches("abc zz", detector: detector).map(\.text), ["zz"])
    }
}
