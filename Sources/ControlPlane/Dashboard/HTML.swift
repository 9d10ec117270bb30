import Foundation

/// Minimal server-side HTML: escaping and the page frame (inline CSS, no scripts, no external files).
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func page(title: String, active: String, body: String) -> String {
        let nav = [("Fleet", "/dashboard"), ("Models", "/dashboard/models"), ("Rollouts", "/dashboard/rollouts"),
                   ("Experiments", "/dashboard/experiments")]
            .map { name, href in "<a href=\"\(href)\"\(name == active ? " class=\"on\"" : "")>\(name)</a>" }
            .joined(separator: " ")
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Outpost fleet</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        header{background:#1d2330;color:#fff;padding:10px 24px}header a{color:#cfd6e4;margin-right:14px;text-decoration:none}
        header a.on{color:#fff;font-weight:600}main{padding:16px 24px}h1{font-size:20px}h2{font-size:16px;margin-top:24px}
        table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0}th,td{border-bottom:1px solid #e3e6eb;padding:5px 8px;text-align:left;vertical-align:top}
        th{background:#eef0f4;font-weight:600}.ok{color:#17803d}.bad{color:#b42318}.warn{color:#a15c07}.muted{color:#6b7280}
        .bar{background:#e3e6eb;height:10px;width:220px;display:inline-block;border-radius:5px;overflow:hidden;vertical-align:middle}
        .bar span{background:#2f6fde;height:10px;display:block}.card{background:#fff;padding:12px 16px;margin:10px 0;border:1px solid #e3e6eb}
        code{font-size:12px}.num{text-align:right;font-variant-numeric:tabular-nums}
        </style></head>
        <body><header><strong>Outpost fleet</strong> &nbsp; \(nav)</header><main>
        \(body)
        </main></body></html>
        """
    }

    static func table(_ headers: [String], _ rows: [[String]], id: String? = nil) -> String {
        let head = headers.map { "<th>\(escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table\(id.map { " id=\"\(escape($0))\"" } ?? "")><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    static func bytes(_ n: Int64) -> String {
        let d = Double(n)
        let kib = 1024.0, mib = kib * 1024, gib = mib * 1024
        if d >= gib { return String(format: "%.1f GiB", d / gib) }
        if d >= mib { return String(format: "%.1f MiB", d / mib) }
        if d >= kib { return String(format: "%.1f KiB", d / kib) }
        return "\(n) B"
    }

    static func time(_ date: Date?, now: Date) -> String {
        guard let date else { return "<span class=\"muted\">never</span>" }
        let ago = now.timeIntervalSince(date)
        let text = ago < 120 ? "\(Int(ago.rounded())) s ago" : ago < 7200 ? "\(Int((ago / 60).rounded())) min ago"
            : "\(Int((ago / 3600).rounded())) h ago"
        return "<span title=\"\(ISO8601DateFormatter().string(from: date))\">\(text)</span>"
    }

    static func labels(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "<code>\(escape($0.key))=\(escape($0.value))</code>" }.joined(separator: " ")
    }
}
