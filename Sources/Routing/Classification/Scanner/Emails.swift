/// Email addresses, triggered by `@`. The local part is 1–64 bytes of letters (any script), digits and
/// `. _ % + -` (no leading, trailing or doubled dot); the domain has at least two labels of letters
/// (any script), digits and `-`, and an alphabetic top-level label of two or more letters. So `@mentions`, `user@localhost` and
/// `user@192.168.0.1` are not emails (the last is still found as an IP address). Addresses inside
/// URLs (`mailto:`, `?email=`, `user:secret@host.tld`) are emails: they are personal data wherever
/// they sit, and in the credentials case the match hides the secret.
extension PIIScanner {
    mutating func scanEmail(at a: Int) -> Int {
        var s = a
        while s > 0, a - s <= 64 {
            if isLocalPartByte(bytes[s - 1]) {
                s -= 1
            } else if bytes[s - 1] >= 0x80, let start = letterScalarStart(endingAt: s) {
                s = start
            } else {
                break
            }
        }
        while s < a, bytes[s] == PIIBytes.dot { s += 1 }
        guard s < a, a - s <= 64, bytes[a - 1] != PIIBytes.dot, !hasDoubleDot(s, a) else { return a + 1 }

        var p = a + 1
        var labels = 0
        var lastLabel = (start: p, end: p)
        while true {
            let labelStart = p
            while true {
                if PIIBytes.isAlnum(at(p)) || at(p) == PIIBytes.minus {
                    p += 1
                } else if at(p) >= 0x80, let end = letterScalarEnd(startingAt: p) {
                    p = end
                } else {
                    break
                }
            }
            guard p > labelStart, at(labelStart) != PIIBytes.minus, at(p - 1) != PIIBytes.minus else {
                return a + 1
            }
            labels += 1
            lastLabel = (labelStart, p)
            guard at(p) == PIIBytes.dot, PIIBytes.isAlnum(at(p + 1)) else { break }
            p += 1
        }
        guard labels >= 2, lastLabel.end - lastLabel.start >= 2,
              (lastLabel.start..<lastLabel.end).allSatisfy({ PIIBytes.isLetter(bytes[$0]) || bytes[$0] >= 0x80 })
        else { return a + 1 }
        found.append(PIICandidate(type: .email, start: s, end: p))
        return p
    }

    private func isLocalPartByte(_ b: UInt8) -> Bool {
        if PIIBytes.isAlnum(b) { return true }
        switch b {
        case PIIBytes.dot, PIIBytes.underscore, PIIBytes.plus, PIIBytes.minus, UInt8(ascii: "%"): return true
        default: return false
        }
    }

    /// The end of the UTF-8 scalar starting at `p` if it is a letter or digit in any script.
    private func letterScalarEnd(startingAt p: Int) -> Int? {
        let lead = at(p)
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0, p + length <= bytes.count else { return nil }
        var value = UInt32(lead) & (0x7F >> UInt32(length))
        for i in (p + 1)..<(p + length) {
            guard bytes[i] & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(bytes[i] & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic || scalar.properties.numericType != nil
        else { return nil }
        return p + length
    }

    /// The start of the UTF-8 scalar ending just before `e` if it is a letter or digit in any script.
    private func letterScalarStart(endingAt e: Int) -> Int? {
        var s = e - 1
        while s > 0, e - s < 4, bytes[s] & 0xC0 == 0x80 { s -= 1 }
        return letterScalarEnd(startingAt: s) == e ? s : nil
    }

    private func hasDoubleDot(_ s: Int, _ e: Int) -> Bool {
        var i = s + 1
        while i < e {
            if bytes[i] == PIIBytes.dot, bytes[i - 1] == PIIBytes.dot { return true }
            i += 1
        }
        return false
    }
}
