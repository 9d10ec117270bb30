import Foundation

/// Markdown table and SVG chart of a ladder of variants.
extension VariantLadderReport {
    /// One row per variant: size, bpw, memory, speed, perplexity, KL.
    public var markdown: String {
        var lines = [
            "| type | size (MiB) | bpw | memory @\(memoryContext) (MiB) | prefill tok/s | decode tok/s | PPL | KL mean | KL median | KL p99 | same top |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for v in variants {
            lines.append("| \(v.type) | \(f(Double(v.fileBytes) / 1_048_576, 1)) | \(f(v.bitsPerWeight, 2)) | "
                + "\(f(Double(v.memoryBytes) / 1_048_576, 0)) | \(f(v.prefillTokensPerSecond, 1)) | \(f(v.decodeTokensPerSecond, 1)) | "
                + "\(f(v.perplexity, 3)) | \(f(v.klMean, 5)) | \(f(v.klMedian, 5)) | \(f(v.klP99, 4)) | \(f(100 * v.sameTopTokenRate, 1))% |")
        }
        lines.append("")
        lines.append("Reference \(URL(fileURLWithPath: reference).lastPathComponent) (\(f(Double(referenceFileBytes) / 1_048_576, 1)) MiB): "
            + "PPL \(f(referencePerplexity, 3)). \(threads) threads, kernels \(kernels). Method: \(method).")
        return lines.joined(separator: "\n")
    }

    /// Quality (mean KL divergence, log scale) against file size, one labelled point per variant.
    public var svg: String {
        let width = 640.0, height = 400.0, left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let sizes = variants.map { Double($0.fileBytes) / 1_048_576 }
        // KL of a lossless variant is 0; clamp so the log scale stays finite.
        let kls = variants.map { max($0.klMean, 1e-6) }
        let xMax = (sizes.max() ?? 1) * 1.1, xMin = 0.0
        // Whole decades around the data; the epsilon keeps an exact power of ten (log10 off by an ulp) on its decade.
        var yLo = (log10(kls.min() ?? 1e-3) + 1e-9).rounded(.down), yHi = (log10(kls.max() ?? 1) - 1e-9).rounded(.up)
        if yHi <= yLo { yHi = yLo + 1 }
        if !yLo.isFinite { yLo = -6 }
        func x(_ v: Double) -> Double { left + (v - xMin) / max(xMax - xMin, 1e-9) * (width - left - right) }
        func y(_ kl: Double) -> Double { top + (yHi - log10(kl)) / (yHi - yLo) * (height - top - bottom) }
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(width / 2))" y="20" text-anchor="middle" font-size="14">\(escape(URL(fileURLWithPath: reference).lastPathComponent)): quality vs size</text>
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
            <text x="\(Int((left + width - right) / 2))" y="\(Int(height - 12))" text-anchor="middle">file size (MiB)</text>
            <text x="16" y="\(Int((top + height - bottom) / 2))" text-anchor="middle" transform="rotate(-90 16 \(Int((top + height - bottom) / 2)))">mean KL divergence (nats, log)</text>

            """
        var e = Int(yLo)
        while e <= Int(yHi) {
            let yy = y(pow(10, Double(e)))
            s += "<line x1=\"\(left - 4)\" y1=\"\(f(yy, 1))\" x2=\"\(width - right)\" y2=\"\(f(yy, 1))\" stroke=\"#ddd\"/>"
                + "<text x=\"\(left - 6)\" y=\"\(f(yy + 4, 1))\" text-anchor=\"end\">1e\(e)</text>\n"
            e += 1
        }
        for i in 0...4 {
            let v = xMax * Double(i) / 4
            s += "<text x=\"\(f(x(v), 1))\" y=\"\(f(height - bottom + 16, 1))\" text-anchor=\"middle\">\(f(v, 0))</text>\n"
        }
        let points = zip(variants, zip(sizes, kls)).sorted { $0.1.0 < $1.1.0 }
        s += "<polyline fill=\"none\" stroke=\"#4477aa\" points=\"" + points.map { "\(f(x($0.1.0), 1)),\(f(y($0.1.1), 1))" }.joined(separator: " ") + "\"/>\n"
        for (v, (size, kl)) in points {
            s += "<circle cx=\"\(f(x(size), 1))\" cy=\"\(f(y(kl), 1))\" r=\"4\" fill=\"#4477aa\"/>"
                + "<text x=\"\(f(x(size) + 6, 1))\" y=\"\(f(y(kl) - 6, 1))\">\(escape(v.type))</text>\n"
        }
        return s + "</svg>\n"
    }

    private func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
