import Routing
import XCTest

final class PhoneDetectionTests: XCTestCase {
    func testInternationalNumbers() {
        for number in ["+14155552671", "+1 415 555 2671", "+44 20 7946 0958", "+44 (0)20 7946 0958",
                       "+49 30 12345678", "+49-30-1234-5678", "+33 6 12 34 56 78", "+31.20.123.4567",
                       "0049 30 12345678", "+1 (415) 555-2671"] {
            assertFinds(.phone, in: "call \(number) now", number)
        }
    }

    func testNorthAmericanNumbers() {
        for number in ["(555) 234-5678", "(555)234-5678", "555-234-5678", "555.234.5678", "555 234 5678",
                       "1-555-234-5678", "1 555 234 5678"] {
            assertFinds(.phone, in: "Phone: \(number).", number)
        }
    }

    func testEuropeanNationalNumbers() {
        for number in ["030 12345678", "06 12 34 56 78", "06.12.34.56.78", "0171/1234567", "020 7946 0958",
                       "(030) 1234567", "06-12345678"] {
            assertFinds(.phone, in: "Tel \(number)", number)
        }
    }

    func testTelPrefixes() {
        assertFinds(.phone, in: "tel:+14155552671", "+14155552671")
        assertFinds(.phone, in: "Tel:555-234-5678", "555-234-5678")
    }

    func testStopsAtAPlainSpaceBeforeUnrelatedNumbers() {
        assertFinds(.phone, in: "call 555-234-5678 2 times", "555-234-5678")
        XCTAssertEqual(PII.matches("555 234 5678 555 234 5679").map(\.text), ["555 234 5678", "555 234 5679"])
    }

    func testRejectsVersionsDatesTimesAndOrderNumbers() {
        for text in ["v1.2.3", "1.2.3", "1.2.3.4.5", "2024-05-01", "01/02/2024", "12.03.1984", "12:30:45",
                     "2024-05-01T12:30:00Z", "order #12345678", "ORD-2024-000123", "INV-555-234-5678",
                     "invoice 2024/000123", "3.14159", "1,234,567.89", "5552345678", "20240501123000",
                     "SKU 555-234-56789", "part 555-234-5678-9", "555-1234", "+1 2", "3 + 4 = 7",
                     "(1) (2) (3)", "room 12 34 56", "1 234 567 890"] {
            assertNoMatch(.phone, in: "ref \(text) end")
        }
    }

    func testLongDigitRunsFailingLuhnAreNotPhones() {
        assertNoMatch(in: "id 1234567812345678 and 1234 5678 1234 5678")
        assertNoMatch(.phone, in: "0123 4567 8901 2345")
        assertNoMatch(.phone, in: "+1234567890123456")
    }

    func testNorthAmericanAreaAndExchangeMustNotStartWithZeroOrOne() {
        assertNoMatch(.phone, in: "155-234-5678")
        assertNoMatch(.phone, in: "555-134-5678")
    }
}
