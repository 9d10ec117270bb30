import Routing
import XCTest

final class RedactionTests: XCTestCase {
    private func redact(_ text: String) -> (text: String, mapping: RedactionMap) {
        Redactor.redact(text, entities: PII.detector.detect(text))
    }

    func testPlaceholdersPerKindAndRepeatsShareOne() {
        let text = "Mail jane@example.com, call 555-234-5678, then mail jane@example.com or bob@example.org."
        let (redacted, map) = redact(text)
        XCTAssertEqual(redacted, "Mail [EMAIL_1], call [PHONE_1], then mail [EMAIL_1] or [EMAIL_2].")
        XCTAssertEqual(map.count, 3)
        XCTAssertEqual(map.value(forPlaceholder: "[EMAIL_2]"), "bob@example.org")
        XCTAssertEqual(map.restore(redacted), text)
    }

    func testRoundTripWithEveryKind() throws {
        let detector = try PIIDetector(customPatterns: [CustomPattern(name: "employee-id", regex: "EMP-[0-9]{4}")])
        let text = """
        Patient MRN: 00123456 (DOB: 1984-03-12), SSN 123-45-6789, card 4111 1111 1111 1111, IBAN \
        DE89 3704 0044 0532 0130 00, from 10.0.0.7 and 2001:db8::1; mail josé@example.es, tel +1 415 555 2671, \
        EMP-1234 again EMP-1234 and 4111 1111 1111 1111. 🙂
        """
        let (redacted, map) = Redactor.redact(text, entities: detector.detect(text))
        for placeholder in ["[MRN_1]", "[DOB_1]", "[SSN_1]", "[CARD_1]", "[IBAN_1]", "[IP_1]", "[IP_2]",
                            "[EMAIL_1]", "[PHONE_1]", "[EMPLOYEE_ID_1]"] {
            XCTAssertTrue(redacted.contains(placeholder), placeholder)
        }
        XCTAssertFalse(redacted.contains("4111"))
        XCTAssertEqual(detector.detect(redacted), [], "the redacted text carries nothing detectable")
        XCTAssertEqual(map.restore(redacted), text)
    }

    func testPlaceholderShapedInputIsEscapedNotConfused() {
        let text = "Template [EMAIL_1] and [PHONE_9]; real jane@example.com; [LITERAL_1]; [note_1] [X_0]"
        let (redacted, map) = redact(text)
        XCTAssertEqual(redacted.components(separatedBy: "[EMAIL_1]").count - 1, 1, redacted)
        XCTAssertEqual(map.value(forPlaceholder: "[EMAIL_1]"), "jane@example.com")
        XCTAssertTrue(redacted.hasSuffix("[note_1] [X_0]"), "non-placeholder brackets are left alone")
        XCTAssertEqual(map.restore(redacted), text)
        // An upstream echoing the redacted text gives the user exactly their own words back.
        XCTAssertEqual(map.restore("You wrote: " + redacted), "You wrote: " + text)
    }

    func testRestoreLeavesUnknownPlaceholdersAndIsSinglePass() {
        var map = RedactionMap()
        let value = "[EMAIL_2]"  // a value that itself looks like a placeholder
        let first = Redactor.redact("a@example.com", entities: PII.detector.detect("a@example.com"), into: &map)
        XCTAssertEqual(first, "[EMAIL_1]")
        let second = Redactor.redact("x \(value)", entities: [], into: &map)
        XCTAssertEqual(second, "x [LITERAL_1]")
        XCTAssertEqual(map.restore("[EMAIL_1] [LITERAL_1] [EMAIL_3] [PHONE_1]"),
                       "a@example.com [EMAIL_2] [EMAIL_3] [PHONE_1]")
    }

    func testSharedMapAcrossMessagesOfAChat() {
        let messages = [
            "I am jane@example.com, card 4111111111111111.",
            "Again: jane@example.com. My colleague is bob@example.org.",
            "Did you write [EMAIL_1] in your answer?",
        ]
        var map = RedactionMap()
        let redacted = messages.map { Redactor.redact($0, entities: PII.detector.detect($0), into: &map) }
        XCTAssertEqual(redacted[0], "I am [EMAIL_1], card [CARD_1].")
        XCTAssertEqual(redacted[1], "Again: [EMAIL_1]. My colleague is [EMAIL_2].")
        XCTAssertEqual(redacted[2], "Did you write [LITERAL_1] in your answer?")
        XCTAssertEqual(zip(redacted, messages).map { map.restore($0.0) == $0.1 }, [true, true, true])
    }

    func testOverlappingOrForeignEntitiesAreSkippedSafely() {
        let text = "jane@example.com"
        let entity = PII.detector.detect(text)[0]
        let (redacted, map) = Redactor.redact(text, entities: [entity, entity])
        XCTAssertEqual(redacted, "[EMAIL_1]")
        XCTAssertEqual(map.restore(redacted), text)
    }

    func testCustomLabelsAreSanitised() {
        let text = "x"
        let entity = DetectedEntity(type: .custom, label: "9 lives-id", range: text.startIndex..<text.endIndex)
        XCTAssertEqual(Redactor.placeholderLabel(for: entity), "X9_LIVES_ID")
        XCTAssertEqual(Redactor.redact(text, entities: [entity]).text, "[X9_LIVES_ID_1]")
    }

    func testEmptyMapRestoresNothing() {
        XCTAssertEqual(RedactionMap().restore("[EMAIL_1]"), "[EMAIL_1]")
        XCTAssertEqual(Redactor.redact("plain text", entities: []).text, "plain text")
    }
}
