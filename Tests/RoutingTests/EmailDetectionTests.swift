import Routing
import XCTest

final class EmailDetectionTests: XCTestCase {
    func testFindsAddressesInProse() {
        assertFinds(.email, in: "Write to jane.doe@example.com today", "jane.doe@example.com")
        assertFinds(.email, in: "john+tag_1@mail.example.co.uk.", "john+tag_1@mail.example.co.uk")
        assertFinds(.email, in: "<ops-team@sub-domain.example.org>", "ops-team@sub-domain.example.org")
        assertFinds(.email, in: "A.B%C@x.io", "A.B%C@x.io")
    }

    func testFindsAddressesInsideURLs() {
        assertFinds(.email, in: "mailto:jane@example.com", "jane@example.com")
        assertFinds(.email, in: "https://x.example/?email=jane@example.com&x=1", "jane@example.com")
    }

    func testRejectsLookAlikes() {
        assertNoMatch(.email, in: "thanks @alice and @bob.smith")
        assertNoMatch(.email, in: "user@localhost")
        assertNoMatch(.email, in: "root@server1")
        assertNoMatch(.email, in: "name@domain.c0m")
        assertNoMatch(.email, in: ".@example.com a..b@example.com")
        assertNoMatch(.email, in: "https://medium.com/@someone/post-1")
        assertNoMatch(.email, in: "npm i @scope/package@1.2.3")
    }

    func testIPLiteralDomainIsAnIPNotAnEmail() {
        XCTAssertEqual(PII.matches("admin@192.168.0.1").map(\.type), [.ipAddress])
    }
}
