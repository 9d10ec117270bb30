import Foundation
import Routing
import XCTest

final class SSEParserTests: XCTestCase {
    func testPayloadsSurviveEverySplitPoint() {
        let stream = "data: {\"a\":1}\n\n: comment\r\ndata: {\"b\":\n data:2}\r\n\r\nevent: x\ndata: [DONE]\n\n"
        let bytes = Array(stream.utf8)
        let expected = [Data("{\"a\":1}".utf8), Data("[DONE]".utf8)]
        for cut in 0...bytes.count {
            var p = SSEParser()
            let got = p.feed(Array(bytes[..<cut])) + p.feed(Array(bytes[cut...]))
            // the second event has a continuation line that is not a data field: only its first data line counts
            XCTAssertEqual(got.count, 3, "cut \(cut)")
            XCTAssertEqual(got.first, expected[0])
            XCTAssertEqual(got.last, expected[1])
            XCTAssertEqual(got[1], Data("{\"b\":".utf8))
        }
    }
}
