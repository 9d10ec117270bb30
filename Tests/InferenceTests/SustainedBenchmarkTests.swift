import Bench
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// The arithmetic of `outpost bench --duration` on hand-computed inputs: windows, percentiles,
/// degradation, duration parsing, and the SVG chart's structure.
final class SustainedBenchmarkTests: XCTestCase {
    func testWindowsShareStraddlingGenerationsByTime() {
        let g = [SustainedGeneration(start: 0, end: 10, tokens: 100), SustainedGeneration(start: 10, end: 20, tokens: 100),
                 SustainedGeneration(start: 20, end: 30, tokens: 50)]
        let w = SustainedStatistics.windows(g, window: 10)
        XCTAssertEqual(w.map(\.tokens_per_second), [10, 10, 5])
        XCTAssertEqual(SustainedStatistics.degradation(w, window: 10), 50, accuracy: 1e-9)

        // 5..15 s with 100 tokens: half in each window; then 15..20 with 20 tokens, 20..24 with 8.
        let s = [SustainedGeneration(start: 5, end: 15, tokens: 100), SustainedGeneration(start: 15, end: 20, tokens: 20),
                 SustainedGeneration(start: 20, end: 24, tokens: 8)]
        let ws = SustainedStatistics.windows(s, window: 10)
        XCTAssertEqual(ws.count, 3)
        XCTAssertEqual(ws[0].tokens, 50, accuracy: 1e-9)
        XCTAssertEqual(ws[1].tokens, 70, accuracy: 1e-9)
        XCTAssertEqual(ws[2].tokens, 8, accuracy: 1e-9)
        XCTAssertEqual(ws[2].end_s, 24)
        XCTAssertEqual(ws[2].tokens_per_second, 2, accuracy: 1e-9)   // 8 tokens over the 4 s the window lasted
        // The last window (4 s of 10) is too short to count; degradation compares windows 1 and 2: 5 -> 7 t/s.
        XCTAssertEqual(SustainedStatistics.degradation(ws, window: 10), -40, accuracy: 1e-9)
        XCTAssertEqual(SustainedStatistics.windows([], window: 10), [])
    }

    func testNearestRankPercentiles() {
        let v: [Double] = [15, 20, 35, 40, 50]
        XCTAssertEqual(SustainedStatistics.percentile(v, 30), 20)
        XCTAssertEqual(SustainedStatistics.percentile(v, 40), 20)
        XCTAssertEqual(SustainedStatistics.percentile(v, 50), 35)
        XCTAssertEqual(SustainedStatistics.percentile(v, 100), 50)
        let hundred = (1...100).map(Double.init).shuffled()
        XCTAssertEqual(SustainedStatistics.percentile(hundred, 50), 50)
        XCTAssertEqual(SustainedStatistics.percentile(hundred, 95), 95)
        XCTAssertEqual(SustainedStatistics.percentile(hundred, 99), 99)
        let lat = SustainedStatistics.latencies([SustainedGeneration(start: 0, end: 1.5, tokens: 1),
                                                 SustainedGeneration(start: 2, end: 2.25, tokens: 1)])
        XCTAssertEqual(lat, LatencyPercentiles(p50_ms: 250, p95_ms: 1500, p99_ms: 1500))
    }

    func testDurationParsing() {
        XCTAssertEqual(SustainedStatistics.parseDuration("5m"), 300)
        XCTAssertEqual(SustainedStatistics.parseDuration("30s"), 30)
        XCTAssertEqual(SustainedStatistics.parseDuration("2m30s"), 150)
        XCTAssertEqual(SustainedStatistics.parseDuration("1h"), 3600)
        XCTAssertEqual(SustainedStatistics.parseDuration("90"), 90)
        XCTAssertEqual(SustainedStatistics.parseDuration("2.5s"), 2.5)
        for bad in ["", "abc", "-5", "0", "5x", "m", "5m3", "nan"] {
            XCTAssertNil(SustainedStatistics.parseDuration(bad), bad)
        }
    }

    func testChartIsWellFormedSVGWithOnePointPerWindow() throws {
        let values: [Double] = [100, 95, 80]
        let svg = SustainedChart.svg(values: values, window: 30, title: "a < b & c", caption: "p50 1 ms")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 3)
        XCTAssertTrue(svg.contains("a &lt; b &amp; c"))
        XCTAssertTrue(svg.contains("<title>80.0 tokens/s</title>"))
        // y axis up to the next 1-2-5 step above 110% of the maximum: 200, labelled at quarters.
        for label in [">0<", ">50<", ">100<", ">150<", ">200<"] { XCTAssertTrue(svg.contains(label), label) }
        // Window end times on the x axis.
        for label in [">30<", ">60<", ">90<"] { XCTAssertTrue(svg.contains(label), label) }
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        // A higher rate is drawn higher (smaller y): the first point above the last.
        let ys = svg.components(separatedBy: "<circle").dropFirst().map { part -> Double in
            let after = part.components(separatedBy: "cy=\"")[1]
            return Double(after.prefix { $0 != "\"" })!
        }
        XCTAssertLessThan(ys[0], ys[2])
        // 100 t/s on a 0..200 axis sits half-way down the 210-pixel plot that starts at y = 40.
        XCTAssertEqual(ys[0], 40 + 210 * 0.5, accuracy: 0.11)
    }
}
