import Foundation

/// Small inline SVG charts for the experiments page.
enum SVGChart {
    /// Two bars (arm A, arm B) per metric, each metric scaled to its own maximum.
    static func pairedBars(title: String, metrics: [(name: String, a: Double, b: Double, unit: String)]) -> String {
        let width = 520.0, rowHeight = 44.0, left = 150.0, barMax = 300.0
        let height = 30 + rowHeight * Double(metrics.count)
        var parts: [String] = []
        parts.append("<text x=\"0\" y=\"16\" font-size=\"13\" font-weight=\"600\">\(HTML.escape(title))</text>")
        for (i, m) in metrics.enumerated() {
            let y = 30 + rowHeight * Double(i)
            let top = max(m.a, m.b, 1e-12)
            let wa = m.a.isFinite ? barMax * max(0, m.a) / top : 0
            let wb = m.b.isFinite ? barMax * max(0, m.b) / top : 0
            parts.append("<text x=\"0\" y=\"\(y + 15)\" font-size=\"12\">\(HTML.escape(m.name))</text>")
            parts.append(rect(left, y, wa, 16, "#2f6fde", label: "A \(m.name)"))
            parts.append(rect(left, y + 18, wb, 16, "#e07b24", label: "B \(m.name)"))
            parts.append("<text x=\"\(left + wa + 6)\" y=\"\(y + 13)\" font-size=\"11\">A \(format(m.a)) \(HTML.escape(m.unit))</text>")
            parts.append("<text x=\"\(left + wb + 6)\" y=\"\(y + 31)\" font-size=\"11\">B \(format(m.b)) \(HTML.escape(m.unit))</text>")
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\(parts.joined())</svg>"
    }

    /// One polyline per arm over time.
    static func lines(title: String, a: [(Date, Double)], b: [(Date, Double)], unit: String) -> String {
        let width = 520.0, height = 180.0, pad = 34.0
        let all = a + b
        guard let t0 = all.map(\.0).min(), let t1 = all.map(\.0).max() else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"520\" height=\"40\"><text x=\"0\" y=\"20\" font-size=\"12\">\(HTML.escape(title)): no telemetry yet</text></svg>"
        }
        let span = max(1, t1.timeIntervalSince(t0))
        let top = max(all.map(\.1).filter(\.isFinite).max() ?? 1, 1e-9)
        func point(_ p: (Date, Double)) -> String {
            let x = pad + (width - 2 * pad) * p.0.timeIntervalSince(t0) / span
            let y = height - pad - (height - 2 * pad) * (p.1.isFinite ? p.1 : 0) / top
            return String(format: "%.1f,%.1f", x, y)
        }
        func line(_ pts: [(Date, Double)], _ color: String, _ arm: String) -> String {
            guard !pts.isEmpty else { return "" }
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" data-arm=\"\(arm)\" points=\"\(pts.map(point).joined(separator: " "))\"/>"
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Int(width))" height="\(Int(height))" role="img" aria-label="\(HTML.escape(title))">\
        <text x="0" y="14" font-size="13" font-weight="600">\(HTML.escape(title))</text>\
        <line x1="\(pad)" y1="\(height - pad)" x2="\(width - pad)" y2="\(height - pad)" stroke="#999"/>\
        <line x1="\(pad)" y1="\(pad)" x2="\(pad)" y2="\(height - pad)" stroke="#999"/>\
        <text x="2" y="\(pad + 4)" font-size="10">\(format(top)) \(HTML.escape(unit))</text>\
        \(line(a, "#2f6fde", "a"))\(line(b, "#e07b24", "b"))</svg>
        """
    }

    private static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ color: String, label: String) -> String {
        "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(String(format: "%.1f", w))\" height=\"\(h)\" fill=\"\(color)\"><title>\(HTML.escape(label))</title></rect>"
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        return abs(x) >= 100 ? String(format: "%.0f", x) : abs(x) >= 1 ? String(format: "%.2f", x) : String(format: "%.3f", x)
    }
}
