import Routing
import XCTest

final class EntitiesTests: XCTestCase {
    func testDataClassesAreOrderedBySensitivity() {
        XCTAssertLessThan(DataClass.public, .internal)
        XCTAssertLessThan(DataClass.internal, .restricted)
        XCTAssertEqual([DataClass.restricted, .public, .internal].max(), .restricted)
    }
}
