import Foundation
import ModelTools
import XCTest

/// The table and chart of a ladder, from a report with known figures.
final class VariantReportTests: XCTestCase {
    private let report = VariantLadderReport(
        reference: "/models/ref.gguf", referenceFileBytes: 100 << 20, referencePerplexity: 20, contextSize: 512, memoryContext: 4096,
        threads: 2, kernels: "avx512", method: "test",
        variants: [
            VariantMeasurement(type: "Q8_0", fileBytes: 50 << 20, bitsPerWeight: 8.5, memoryBytes: 200 << 20, prefillTokensPerSecond: 300,
                               decodeTokensPerSecond: 90, perplexity: 20.1, klMean: 0.001, klMedian: 0.0005, klP99: 0.01, sameTopTokenRate: 0.98),
            VariantMeasurement(type: "Q4_0", fileBytes: 25 << 20, bitsPerWeight: 4.5, memoryBytes: 175 << 20, prefillTokensPerSecond: 350,
                               decodeTokensPerSecond: 120, perplexity: 22.5, klMean: 0.1, klMedian: 0.05, klP99: 1.2, sameTopTokenRate: 0.85),
        ])

    func testMarkdownHasOneRowPerVariantWithItsFigures() {
        let lines = report.markdown.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("| Q") }.count, 2)
        XCTAssertTrue(lines.contains("| Q8_0 | 50.0 | 8.50 | 200 | 300.0 | 90.0 | 20.100 | 0.00100 | 0.00050 | 0.0100 | 98.0% |"))
        XCTAssertTrue(lines.contains("| Q4_0 | 25.0 | 4.50 | 175 | 350.0 | 120.0 | 22.500 | 0.10000 | 0.05000 | 1.2000 | 85.0% |"))
    }

    func testSVGPlotsEachVariantOnLogKLAgainstSize() throws {
        let svg = report.svg
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 2)
        // KL spans 1e-3...1e-1: decade grid lines at 1e-3, 1e-2, 1e-1.
        for label in [">1e-3<", ">1e-2<", ">1e-1<"] { XCTAssertTrue(svg.contains(label), label) }
        // x: 70 + size / 55 MiB × 550; y: 40 + (−1 − log10 KL) / 2 × 310.
        XCTAssertTrue(svg.contains("cx=\"570.0\" cy=\"350.0\""), "Q8_0 at 50 MiB, KL 1e-3")
        XCTAssertTrue(svg.contains("cx=\"320.0\" cy=\"40.0\""), "Q4_0 at 25 MiB, KL 1e-1")
        let decoded = try JSONDecoder().decode(VariantLadderReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(decoded, report)
    }
}
