import Routing
import XCTest

final class IBANDetectionTests: XCTestCase {
    func testCompactIBANs() {
        for iban in ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606",
                     "NL91ABNA0417164300", "ES9121000418450200051332", "IT60X0542811101000000123456",
                     "BE68539007547034", "AT611904300234573201", "CH9300762011623852957", "NO9386011117947"] {
            assertFinds(.iban, in: "IBAN: \(iban).", iban)
        }
    }

    func testSpacedIBANs() {
        for iban in ["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "FR14 2004 1010 0505 0001 3M02 606",
                     "BE68 5390 0754 7034"] {
            assertFinds(.iban, in: "transfer to \(iban) please", iban)
        }
    }

    func testRejectsWrongCheckDigitsLengthsAndCountries() {
        assertNoMatch(in: "DE88370400440532013000")          // check digits off by one
        assertNoMatch(in: "DE89 3704 0044 0532 0130 01")     // BBAN altered
        assertNoMatch(in: "DE8937040044053201300")           // one character short
        assertNoMatch(in: "DE893704004405320130001")         // one too long
        assertNoMatch(in: "ZZ89370400440532013000")          // no such country
        assertNoMatch(in: "DE89 37040044 0532013000")        // irregular grouping
        assertNoMatch(.iban, in: "XDE89370400440532013000")
    }
}
