import Routing
import XCTest

final class MedicalRecordDetectionTests: XCTestCase {
    func testRecordNumbersAfterTheirKeyword() {
        let cases: [(String, String)] = [
            ("MRN: 00123456", "00123456"),
            ("mrn#A1234567", "A1234567"),
            ("Medical record number 12-345-678 on file", "12-345-678"),
            ("medical record no. AB123456", "AB123456"),
            ("Medical Record # 998877.", "998877"),
            ("MRN is 4455667788", "4455667788"),
        ]
        for (text, id) in cases {
            assertFinds(.medicalRecordNumber, in: text, id)
        }
    }

    func testIdentifiersOutsideTheRulesAreRejected() {
        for text in ["MRN: 12345", "MRN: 1234567890123", "MRN: ABCDEFGH", "medical record 12345678",
                     "MRNs 12345678", "patient 12345678", "MRN"] {
            assertNoMatch(.medicalRecordNumber, in: text)
        }
    }
}
