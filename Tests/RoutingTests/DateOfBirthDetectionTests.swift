import Routing
import XCTest

final class DateOfBirthDetectionTests: XCTestCase {
    func testDatesAfterABirthKeyword() {
        let cases: [(String, String)] = [
            ("DOB: 1984-03-12", "1984-03-12"),
            ("D.O.B. 03/12/1984", "03/12/1984"),
            ("date of birth 12.03.1984", "12.03.1984"),
            ("Date of Birth: 12 March 1984", "12 March 1984"),
            ("born on March 12, 1984 in Ohio", "March 12, 1984"),
            ("She was born on the 12th March 1984.", "12th March 1984"),
            ("Birthday: Mar. 12th, 1984", "Mar. 12th, 1984"),
            ("geboren am 12. März 1984", "12. März 1984"),
            ("Geburtsdatum: 12.03.1984", "12.03.1984"),
            ("née le 12 mars 1984", "12 mars 1984"),
            ("birthdate=1984/03/12", "1984/03/12"),
            ("DOB 03-12-84", "03-12-84"),
            ("fecha de nacimiento: 29/02/2000", "29/02/2000"),
        ]
        for (text, date) in cases {
            assertFinds(.dateOfBirth, in: text, date)
        }
    }

    func testDatesWithoutBirthContextAreNotMatched() {
        for text in ["Invoice due 2024-05-01", "Log 2024-05-01T12:30:00Z started", "on 12 March 1984 we met",
                     "meeting 03/12/1984", "12:30:45", "Released 12.03.2024"] {
            assertNoMatch(in: text)
        }
    }

    func testWindowStopsAtSentencesAndUnrelatedNumbers() {
        assertNoMatch(in: "She was born in Paris. The meeting is on 2024-05-01.")
        assertNoMatch(in: "born in 1984 and moved on 2001-05-02")
        assertNoMatch(in: "DOB unknown, see the appointment list for the patient visits on 2024-05-01")
    }

    func testInvalidCalendarDatesAreRejected() {
        for text in ["DOB: 1984-13-12", "DOB: 1984-02-30", "DOB: 31/31/1984", "DOB: 29.02.1985", "DOB: 1850-01-01",
                     "DOB: 32 March 1984", "DOB: 1984-03-12-5"] {
            assertNoMatch(.dateOfBirth, in: text)
        }
    }

    func testKeywordMustBeAWord() {
        assertNoMatch(in: "reborn 1984-03-12")
        assertNoMatch(in: "stubborn: 1984-03-12")
        assertNoMatch(in: "newborn 1984-03-12")
        assertNoMatch(in: "the birth rate in 2020-01-01 data")  // `birth` alone is too common a word
    }
}
