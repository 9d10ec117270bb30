/// GBNF for the decimal integers in a range, without leading zeros (as JSON writes them).
enum IntegerRange {
    /// At most this many digits when a side is unbounded (as the `integer` rule).
    static let maxDigits = 16

    /// Integers in `low...high`; a nil side is unbounded. Bounds are within ±10^15.
    static func gbnf(low: Int64?, high: Int64?) -> String {
        var alts: [String] = []
        switch (low, high) {
        case let (lo?, hi?):
            if lo >= 0 {
                alts += unsigned(lo, hi)
            } else if hi < 0 {
                alts.append("\"-\" ( " + unsigned(-hi, -lo).joined(separator: " | ") + " )")
            } else {
                alts.append("\"-\" ( " + unsigned(1, -lo).joined(separator: " | ") + " )")
                alts += unsigned(0, hi)
            }
        case let (lo?, nil):
            if lo >= 0 {
                alts += atLeast(lo)
            } else {
                alts.append("\"-\" ( " + unsigned(1, -lo).joined(separator: " | ") + " )")
                alts += atLeast(0)
            }
        case let (nil, hi?):
            if hi >= 0 {
                alts.append("\"-\" [1-9] [0-9]{0,\(maxDigits - 1)}")
                alts += unsigned(0, hi)
            } else {
                alts.append("\"-\" ( " + atLeast(-hi).joined(separator: " | ") + " )")
            }
        case (nil, nil):
            alts.append("\"-\"? ( \"0\" | [1-9] [0-9]{0,\(maxDigits - 1)} )")
        }
        return alts.joined(separator: " | ")
    }

    /// Non-negative integers >= `lo` with at most `maxDigits` digits.
    private static func atLeast(_ lo: Int64) -> [String] {
        let digits = String(lo).count
        var alts = unsigned(lo, power10(digits) - 1)
        if digits < maxDigits { alts.append("[1-9] [0-9]{\(digits),\(maxDigits - 1)}") }
        return alts
    }

    private static func power10(_ n: Int) -> Int64 {
        var p: Int64 = 1
        for _ in 0..<n { p *= 10 }
        return p
    }

    /// Alternatives for `lo...hi`, 0 <= lo <= hi, split by digit count.
    static func unsigned(_ lo: Int64, _ hi: Int64) -> [String] {
        var alts: [String] = []
        let lowDigits = String(lo).count, highDigits = String(hi).count
        for length in lowDigits...highDigits {
            let a = max(lo, length == 1 ? 0 : power10(length - 1))
            let b = min(hi, power10(length) - 1)
            guard a <= b else { continue }
            alts.append(sameLength(Array(String(a).utf8), Array(String(b).utf8)))
        }
        return alts
    }

    /// Digit strings of one length between `a` and `b` (inclusive, `a <= b`).
    private static func sameLength(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard let a0 = a.first, let b0 = b.first else { return "" }
        let restA = Array(a.dropFirst()), restB = Array(b.dropFirst())
        let d = { (x: UInt8) in String(UnicodeScalar(x)) }
        if a0 == b0 {
            let rest = sameLength(restA, restB)
            return rest.isEmpty ? "\"\(d(a0))\"" : "\"\(d(a0))\" \(rest)"
        }
        let zeros = restA.allSatisfy { $0 == 0x30 }, nines = restB.allSatisfy { $0 == 0x39 }
        let any = restA.isEmpty ? "" : " [0-9]{\(restA.count)}"
        var alts: [String] = []
        var midLow = a0 + 1, midHigh = b0 - 1
        if zeros { midLow = a0 } else {
            alts.append("\"\(d(a0))\" " + sameLength(restA, Array(repeating: 0x39, count: restA.count)))
        }
        if nines { midHigh = b0 }
        if midLow <= midHigh {
            alts.append((midLow == midHigh ? "\"\(d(midLow))\"" : "[\(d(midLow))-\(d(midHigh))]") + any)
        }
        if !nines {
            alts.append("\"\(d(b0))\" " + sameLength(Array(repeating: 0x30, count: restB.count), restB))
        }
        return "( " + alts.joined(separator: " | ") + " )"
    }
}
