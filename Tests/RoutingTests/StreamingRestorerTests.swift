import Routing
import XCTest

final class StreamingRestorerTests: XCTestCase {
    private func makeMap() -> RedactionMap {
        var map = RedactionMap()
        let text = "jane@example.com 555-234-5678 bob@example.org 4111111111111111 " +
            (1...8).map { "u\($0)@example.com" }.joined(separator: " ")
        _ = Redactor.redact(text, entities: PII.detector.detect(text), into: &map)
        return map
    }

    /// Issued: EMAIL_1…EMAIL_10 (jane, bob, u1…u8), PHONE_1, CARD_1. Not issued: EMAIL_11, EMAIL_99.
    private let output = "Dear [EMAIL_1], we call [PHONE_1] [EMAIL_10][EMAIL_1][ at [EMAIL_2]. [EMAIL_] [EMAIL_99] [CARD_1] [EMAIL_11]"

    func testEverySplitPointRestoresTheSameText() {
        let map = makeMap()
        let expected = map.restore(output)
        XCTAssertTrue(expected.contains("jane@example.com") && expected.contains("u8@example.com") && expected.hasSuffix("[EMAIL_11]"))
        let characters = Array(output)
        for split in 0...characters.count {
            var restorer = StreamingRestorer(map: map)
            let a = restorer.feed(String(characters[..<split]))
            let b = restorer.feed(String(characters[split...]))
            XCTAssertEqual(a + b + restorer.finish(), expected, "split at \(split)")
        }
    }

    func testEveryPairOfSplitPoints() {
        let map = makeMap()
        let expected = map.restore(output)
        let characters = Array(output)
        for i in 0...characters.count {
            for j in i...characters.count {
                var restorer = StreamingRestorer(map: map)
                var result = restorer.feed(String(characters[..<i]))
                result += restorer.feed(String(characters[i..<j]))
                result += restorer.feed(String(characters[j...]))
                result += restorer.finish()
                XCTAssertEqual(result, expected, "splits at \(i), \(j)")
            }
        }
    }

    func testCharacterByCharacterWithNonASCII() {
        let map = makeMap()
        let text = "Grüße [EMAIL_1] 🙂[PHONE_1]é"
        var restorer = StreamingRestorer(map: map)
        var result = ""
        for character in text { result += restorer.feed(String(character)) }
        result += restorer.finish()
        XCTAssertEqual(result, map.restore(text))
    }

    func testHoldsBackOnlyAPossiblePlaceholder() {
        let map = makeMap()
        var restorer = StreamingRestorer(map: map)
        XCTAssertEqual(restorer.feed("Hello [EMA"), "Hello ")
        XCTAssertEqual(restorer.feed("IL_1] ok"), "jane@example.com ok")
        XCTAssertEqual(restorer.feed("[x"), "[x", "cannot become a placeholder")
        XCTAssertEqual(restorer.feed("[EMAIL_11"), "[EMAIL_11", "no issued placeholder starts like this")
        XCTAssertEqual(restorer.feed(" [EMAIL_1"), " ", "may still become [EMAIL_1] or [EMAIL_10]")
        XCTAssertEqual(restorer.feed("0]"), "u8@example.com")
        XCTAssertEqual(restorer.feed("[PHO"), "")
        XCTAssertEqual(restorer.finish(), "[PHO")
    }
}
