/// Python `str` operations on Unicode scalars (Python strings are sequences of code points).

/// `str.strip(chars)`: `chars` nil strips whitespace.
func pyStrip(_ s: String, _ chars: String?, left: Bool, right: Bool) -> String {
    let scalars = Array(s.unicodeScalars)
    let set = chars.map { Set($0.unicodeScalars) }
    let strip: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isPyWhitespace($0) }
    var lo = 0
    var hi = scalars.count
    if left { while lo < hi && strip(scalars[lo]) { lo += 1 } }
    if right { while hi > lo && strip(scalars[hi - 1]) { hi -= 1 } }
    if lo == 0 && hi == scalars.count { return s }
    return String(String.UnicodeScalarView(scalars[lo..<hi]))
}

/// `str.split(sep, maxsplit)` and `str.rsplit`.
func pySplit(_ s: String, _ separator: String?, maxSplit: Int, fromRight: Bool) throws(ChatTemplateError) -> [String] {
    var scalars = Array(s.unicodeScalars)
    if fromRight { scalars.reverse() }
    let limit = maxSplit < 0 ? Int.max : maxSplit
    var parts: [[Unicode.Scalar]] = []
    if let separator {
        var sep = Array(separator.unicodeScalars)
        guard !sep.isEmpty else { throw ChatTemplateError(kind: .type, message: "empty separator") }
        if fromRight { sep.reverse() }
        var current: [Unicode.Scalar] = []
        var i = 0
        while i < scalars.count {
            if parts.count < limit, i + sep.count <= scalars.count, scalars[i..<i + sep.count].elementsEqual(sep) {
                parts.append(current)
                current = []
                i += sep.count
            } else {
                current.append(scalars[i])
                i += 1
            }
        }
        parts.append(current)
    } else {
        // Runs of whitespace separate; leading and trailing whitespace produce no empty parts.
        var i = 0
        while i < scalars.count {
            while i < scalars.count && isPyWhitespace(scalars[i]) { i += 1 }
            guard i < scalars.count else { break }
            if parts.count == limit {
                parts.append(Array(scalars[i...]))  // the remainder keeps its trailing whitespace
                break
            }
            var current: [Unicode.Scalar] = []
            while i < scalars.count && !isPyWhitespace(scalars[i]) {
                current.append(scalars[i])
                i += 1
            }
            parts.append(current)
        }
    }
    if fromRight {
        return parts.reversed().map { String(String.UnicodeScalarView($0.reversed())) }
    }
    return parts.map { String(String.UnicodeScalarView($0)) }
}

/// `str.splitlines(keepends)`.
func pySplitLines(_ s: String, keepEnds: Bool) -> [String] {
    let scalars = Array(s.unicodeScalars)
    var lines: [String] = []
    var start = 0
    var i = 0
    while i < scalars.count {
        if isPyLineBreak(scalars[i]) {
            var end = i + 1
            if scalars[i] == "\r", end < scalars.count, scalars[end] == "\n" { end += 1 }
            lines.append(String(String.UnicodeScalarView(scalars[start..<(keepEnds ? end : i)])))
            start = end
            i = end
        } else {
            i += 1
        }
    }
    if start < scalars.count { lines.append(String(String.UnicodeScalarView(scalars[start...]))) }
    return lines
}

/// `str.replace(old, new, count)`; an empty `old` inserts `new` between every character, as Python does.
/// Fails once the result would exceed `maxBytes`.
func pyReplace(_ s: String, _ old: String, _ new: String, count: Int, maxBytes: Int) throws(ChatTemplateError) -> String {
    let limit = count < 0 ? Int.max : count
    let scalars = Array(s.unicodeScalars)
    let oldScalars = Array(old.unicodeScalars)
    // Each replacement grows the result by at most this many bytes.
    let growth = max(0, new.utf8.count - old.utf8.count)
    let occurrences = oldScalars.isEmpty ? scalars.count + 1 : s.utf8.count / max(old.utf8.count, 1)
    let (extra, overflow) = growth.multipliedReportingOverflow(by: min(occurrences, limit))
    if overflow || s.utf8.count + extra > maxBytes {
        // The bound is pessimistic; count real occurrences before refusing.
        let real = oldScalars.isEmpty ? scalars.count + 1 : pyCount(scalars, oldScalars)
        let (exact, exactOverflow) = growth.multipliedReportingOverflow(by: min(real, limit))
        if exactOverflow || s.utf8.count + exact > maxBytes {
            throw ChatTemplateError(kind: .limit, message: "string exceeds \(maxBytes) bytes")
        }
    }
    var out = String.UnicodeScalarView()
    var replaced = 0
    if oldScalars.isEmpty {
        for scalar in scalars {
            if replaced < limit {
                out.append(contentsOf: new.unicodeScalars)
                replaced += 1
            }
            out.append(scalar)
        }
        if replaced < limit { out.append(contentsOf: new.unicodeScalars) }
        return String(out)
    }
    var i = 0
    while i < scalars.count {
        if replaced < limit, i + oldScalars.count <= scalars.count, scalars[i..<i + oldScalars.count].elementsEqual(oldScalars) {
            out.append(contentsOf: new.unicodeScalars)
            replaced += 1
            i += oldScalars.count
        } else {
            out.append(scalars[i])
            i += 1
        }
    }
    return String(out)
}

/// Non-overlapping occurrences of `needle` (non-empty) in `hay`.
func pyCount(_ hay: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Int {
    var count = 0
    var i = 0
    while i + needle.count <= hay.count {
        if hay[i..<i + needle.count].elementsEqual(needle) {
            count += 1
            i += needle.count
        } else {
            i += 1
        }
    }
    return count
}

private func titlecased(_ scalar: Unicode.Scalar) -> String { scalar.properties.titlecaseMapping }

/// `str.capitalize()`: first character title-cased, the rest lower-cased.
func pyCapitalize(_ s: String) -> String {
    guard let first = s.unicodeScalars.first else { return s }
    return titlecased(first) + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
}

/// `str.title()`: a cased character after an uncased one is title-cased, others lower-cased.
func pyTitle(_ s: String) -> String {
    var out = ""
    var previousCased = false
    for scalar in s.unicodeScalars {
        if previousCased {
            out += scalar.properties.lowercaseMapping
        } else {
            out += titlecased(scalar)
        }
        previousCased = scalar.properties.isCased
    }
    return out
}

/// Jinja's `title` filter: words start after `-`, whitespace, `(`, `{`, `[` or `<`.
func jinjaTitle(_ s: String) -> String {
    var out = ""
    var atWordStart = true
    for scalar in s.unicodeScalars {
        let isBoundary = isPyWhitespace(scalar) || "-({[<".unicodeScalars.contains(scalar)
        if isBoundary {
            out.unicodeScalars.append(scalar)
            atWordStart = true
        } else if atWordStart {
            out += scalar.properties.uppercaseMapping
            atWordStart = false
        } else {
            out += scalar.properties.lowercaseMapping
        }
    }
    return out
}

/// `str.center(width)`.
func pyCenter(_ s: String, width: Int) -> String {
    let length = s.unicodeScalars.count
    guard width > length else { return s }
    let pad = width - length
    let left = pad / 2 + (pad & width & 1)
    return String(repeating: " ", count: left) + s + String(repeating: " ", count: pad - left)
}

/// Jinja's `indent` filter: indents every line but the first (unless `first`), skipping blank lines
/// (unless `blank`).
func pyIndent(_ s: String, _ indentation: String, first: Bool, blank: Bool) -> String {
    let lines = pySplitLines(s + "\n", keepEnds: false)
    var result: String
    if blank {
        result = lines.joined(separator: "\n" + indentation)
    } else {
        result = lines.first ?? ""
        let rest = lines.dropFirst()
        if !rest.isEmpty {
            result += "\n" + rest.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
        }
    }
    return first ? indentation + result : result
}
