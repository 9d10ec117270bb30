import Foundation

/// A small self-contained SVG line chart of tokens/s per window of a sustained run, with the latency
/// percentiles and the degradation in its caption. No scripts, no external fonts or styles.
public enum SustainedChart {
    public static func svg(_ report: SustainedReport, width: Int = 640, height: Int = 320) -> String {
        let title = "\(URL(fileURLWithPath: report.model).lastPathComponent): tokens/s per \(format(report.window_s, 0)) s window"
        let caption = "p50 \(format(report.latency.p50_ms, 0)) ms, p95 \(format(report.latency.p95_ms, 0)) ms, "
            + "p99 \(format(report.latency.p99_ms, 0)) ms per generation; first→last window \(format(-report.degradation_percent, 1))%"
        return svg(values: report.windows.map(\.tokens_per_second), window: report.window_s, title: title, caption: caption,
                   width: width, height: height)
    }

    /// The chart of `values` (one per window of `window` seconds).
    public static func svg(values: [Double], window: Double, title: String, caption: String,
                           width: Int = 640, height: Int = 320) -> String {
        let left = 60.0, right = 20.0, top = 40.0, bottom = 70.0
        let w = Double(width), h = Double(height)
        let plotW = w - left - right, plotH = h - top - bottom
        let finite = values.filter(\.isFinite)
        let yMax = niceCeiling(max(finite.max() ?? 1, 1e-9) * 1.1)
        let n = values.count
        func x(_ i: Int) -> Double { n <= 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(n - 1) }
        func y(_ v: Double) -> Double { top + plotH * (1 - min(max(v.isFinite ? v : 0, 0), yMax) / yMax) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>\n"
        s += "<text x=\"\(format(w / 2, 1))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(escape(title))</text>\n"
        // Horizontal grid and y labels at 0, 1/4 … yMax.
        for k in 0...4 {
            let v = yMax * Double(k) / 4
            let yy = format(y(v), 1)
            s += "<line x1=\"\(format(left, 1))\" y1=\"\(yy)\" x2=\"\(format(w - right, 1))\" y2=\"\(yy)\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(format(left - 6, 1))\" y=\"\(yy)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(format(v, 0))</text>\n"
        }
        s += "<text x=\"14\" y=\"\(format(top + plotH / 2, 1))\" transform=\"rotate(-90 14 \(format(top + plotH / 2, 1)))\" text-anchor=\"middle\">tokens/s</text>\n"
        // X labels: window end times, at most ~10 of them.
        let step = max(1, (n + 9) / 10)
        for i in stride(from: 0, to: n, by: step) {
            s += "<text x=\"\(format(x(i), 1))\" y=\"\(format(top + plotH + 16, 1))\" text-anchor=\"middle\">\(format(Double(i + 1) * window, 0))</text>\n"
        }
        s += "<text x=\"\(format(left + plotW / 2, 1))\" y=\"\(format(top + plotH + 34, 1))\" text-anchor=\"middle\">seconds (end of window)</text>\n"
        if n > 0 {
            let points = (0..<n).map { "\(format(x($0), 1)),\(format(y(values[$0]), 1))" }.joined(separator: " ")
            s += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"
            for i in 0..<n {
                s += "<circle cx=\"\(format(x(i), 1))\" cy=\"\(format(y(values[i]), 1))\" r=\"3\" fill=\"#1f77b4\"><title>\(format(values[i], 1)) tokens/s</title></circle>\n"
            }
        }
        s += "<text x=\"\(format(w / 2, 1))\" y=\"\(format(h - 12, 1))\" text-anchor=\"middle\">\(escape(caption))</text>\n"
        s += "</svg>\n"
        return s
    }

    /// 1, 2 or 5 times a power of ten, at least `v`.
    static func niceCeiling(_ v: Double) -> Double {
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    private static func format(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
