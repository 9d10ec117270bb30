import Routing
import XCTest

final class ClassificationTests: XCTestCase {
    func testClassAndTypes() {
        let clean = PII.detector.classify("What is the capital of France? Version 1.2.3 shipped on 2024-05-01.")
        XCTAssertEqual(clean.dataClass, .public)
        XCTAssertEqual(clean.entities, [])
        XCTAssertEqual(clean.entityTypes, [])

        let personal = PII.detector.classify("Mail jane@example.com or call +44 20 7946 0958, mail jane@example.com")
        XCTAssertEqual(personal.dataClass, .restricted)
        XCTAssertEqual(personal.entities.count, 3)
        XCTAssertEqual(personal.entityTypes, [.email, .phone])
    }

    func testCallerMayRaiseButNotLowerTheClass() {
        let clean = PII.detector.classify("hello")
        XCTAssertEqual(clean.raised(to: .internal).dataClass, .internal)
        XCTAssertEqual(clean.raised(to: .restricted).dataClass, .restricted)
        let personal = PII.detector.classify("jane@example.com")
        XCTAssertEqual(personal.raised(to: .public).dataClass, .restricted)
    }

    func testEntitiesAreSortedAndDoNotOverlap() {
        let text = """
        Patient MRN: 00123456, DOB: 1984-03-12, SSN 123-45-6789, card 4111 1111 1111 1111,
        IBAN DE89 3704 0044 0532 0130 00, host 10.0.0.7 / 2001:db8::1, mail a.b@example.org, tel +1 415 555 2671.
        """
        let found = PII.matches(text)
        XCTAssertEqual(found.map(\.type), [.medicalRecordNumber, .dateOfBirth, .ssn, .paymentCard, .iban,
                                           .ipAddress, .ipAddress, .email, .phone])
        let entities = PII.detector.detect(text)
        for (a, b) in zip(entities, entities.dropFirst()) {
            XCTAssertLessThanOrEqual(a.range.upperBound, b.range.lowerBound)
        }
    }

    func testLongerMatchWinsOverAPartOfIt() {
        // The digits of a spaced IBAN also form number groups; the IBAN covers them all.
        XCTAssertEqual(PII.matches("DE89 3704 0044 0532 0130 00").map(\.type), [.iban])
        // An email whose local part looks like a phone number is one email.
        XCTAssertEqual(PII.matches("555-234-5678@example.com").map(\.type), [.email])
    }

    func testEnabledSetLimitsDetectors() throws {
        let onlyEmail = try PIIDetector(enabled: [.email])
        let text = "jane@example.com 555-234-5678 4111111111111111"
        XCTAssertEqual(PII.matches(text, detector: onlyEmail).map(\.type), [.email])
        let none = try PIIDetector(enabled: [])
        XCTAssertEqual(none.classify(text).dataClass, .public)
    }

    func testNonASCIITextKeepsCorrectRanges() {
        let text = "Grüße von José — écrivez à josé.garcia@example.es ou appelez le 06 12 34 56 78 🙂"
        XCTAssertEqual(PII.matches(text).map(\.text), ["josé.garcia@example.es", "06 12 34 56 78"])
    }

    func testInternationalisedAddressesAreWhole() {
        assertFinds(.email, in: "«jürgen.müller@bücher.de»", "jürgen.müller@bücher.de")
    }

    func testNumberAfterNoBreakSpaceStillCounts() {
        assertFinds(.phone, in: "Tel.\u{00A0}+49 30 12345678", "+49 30 12345678")
    }

    func testEmptyAndTinyTexts() {
        XCTAssertEqual(PII.matches(""), [])
        for text in ["@", ":", "+", "(", "1", "::", "a@", "@b.c", "DOB", "MRN:"] {
            XCTAssertEqual(PII.matches(text), [], text)
        }
    }
}

extension ClassificationTests {
    func testOverlapsBetweenCustomPatternsAndBuiltIns() throws {
        // The custom pattern covers a phone number and more: the longer custom match wins.
        let detector = try PIIDetector(customPatterns: [
            CustomPattern(name: "contact", regex: "ext\\. [0-9]{3}-[0-9]{3}-[0-9]{4}"),
            CustomPattern(name: "short", regex: "234"),
        ])
        let found = PII.matches("ext. 555-234-5678 and 555-234-5679", detector: detector)
        XCTAssertEqual(found.map(\.type), [.custom, .phone])
        XCTAssertEqual(found.map(\.text), ["ext. 555-234-5678", "555-234-5679"])
    }
}
