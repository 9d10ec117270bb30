import Routing
import XCTest

/// SSNs and payment cards.
final class NumberIdentifierTests: XCTestCase {
    func testSSN() {
        assertFinds(.ssn, in: "SSN 123-45-6789.", "123-45-6789")
        assertFinds(.ssn, in: "ssn: 078 05 1120", "078 05 1120")
    }

    func testSSNWithInvalidAreaGroupOrSerialIsRejected() {
        for ssn in ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000"] {
            assertNoMatch(.ssn, in: "SSN \(ssn)")
        }
        assertNoMatch(.ssn, in: "123-45 6789")   // mixed separators
        assertNoMatch(.ssn, in: "A123-45-6789")
        assertNoMatch(.ssn, in: "123456789")     // unseparated: too ambiguous
    }

    func testPaymentCardsOfEachNetwork() {
        let cards = [
            "4111111111111111", "4012888888881881", "4222222222222",              // Visa
            "5555555555554444", "5105105105105100", "2223003122003222",           // Mastercard
            "378282246310005", "371449635398431",                                 // Amex
            "6011111111111117", "6011000990139424",                               // Discover
            "3530111333300000", "3566002020360505",                               // JCB
            "30569309025904", "38520000023237",                                   // Diners
            "6200000000000005",                                                   // UnionPay
        ]
        for card in cards {
            assertFinds(.paymentCard, in: "card \(card) exp 12/27", card)
        }
    }

    func testGroupedCards() {
        for card in ["4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005", "5555 5555 5555 4444"] {
            assertFinds(.paymentCard, in: "pay with \(card), thanks", card)
        }
    }

    func testCardsFailingLuhnOrWithUnknownPrefixAreRejected() {
        assertNoMatch(in: "4111111111111112")
        assertNoMatch(in: "4111 1111 1111 1112")
        assertNoMatch(in: "1234567812345674")        // Luhn-valid, but no network starts with 1
        assertNoMatch(in: "37828224631000")           // Amex prefix with the wrong length
        assertNoMatch(.paymentCard, in: "4111-1111 1111-1111")  // mixed separators
        assertNoMatch(in: "tx 4111111111111111111111")
    }
}
