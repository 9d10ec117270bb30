/// IPv6 addresses, triggered by `:`: full (eight groups), compressed with one `::`, and with an
/// embedded IPv4 tail (`::ffff:192.0.2.1`). Times (`12:30:45`) and MAC addresses have the wrong
/// number of groups. A compressed form must contain a digit somewhere, so C++ scopes such as
/// `A::B` are not addresses. A trailing `.` or single `:` (end of a sentence) is not part of it.
extension PIIScanner {
    mutating func scanIPv6(colonAt c: Int) -> Int {
        guard isIPv6Byte(at(c - 1)) || isIPv6Byte(at(c + 1)) else { return c + 1 }
        // Scans are capped at the longest address form, so a long run of colons costs linear time.
        let maxLength = 45
        var s = c
        while s > 0, c - s < maxLength, isIPv6Byte(bytes[s - 1]) { s -= 1 }
        var e = c + 1
        while e - s < maxLength + 1, isIPv6Byte(at(e)) { e += 1 }
        if isIPv6Byte(at(s - 1)) || isIPv6Byte(at(e)) { return e }
        // Glued to a word (`Tel:555…`, `std::vector`): not an address, but what follows may be something else.
        guard !PIIBytes.isAlnum(at(s - 1)), !PIIBytes.isAlnum(at(e)) else { return c + 1 }
        var end = e
        if bytes[end - 1] == PIIBytes.dot { end -= 1 }
        if end - s >= 2, bytes[end - 1] == PIIBytes.colon, bytes[end - 2] != PIIBytes.colon { end -= 1 }
        if isIPv6(s, end) {
            found.append(PIICandidate(type: .ipAddress, start: s, end: end))
        }
        return e
    }

    private func isIPv6Byte(_ b: UInt8) -> Bool {
        PIIBytes.isHex(b) || b == PIIBytes.colon || b == PIIBytes.dot
    }

    private func isIPv6(_ s: Int, _ e: Int) -> Bool {
        guard e - s >= 3, e - s <= 45, (s..<e).contains(where: { PIIBytes.isDigit(bytes[$0]) }) else { return false }
        var groups = 0
        var compressed = false
        var p = s
        if bytes[p] == PIIBytes.colon {
            guard bytes[p + 1] == PIIBytes.colon else { return false }
            compressed = true
            p += 2
        }
        while p < e {
            let groupStart = p
            while p < e, PIIBytes.isHex(bytes[p]) { p += 1 }
            if p < e, bytes[p] == PIIBytes.dot {
                guard isIPv4(groupStart, e) else { return false }
                groups += 2
                break
            }
            guard (1...4).contains(p - groupStart) else { return false }
            groups += 1
            if p == e { break }
            p += 1  // the `:` after a group
            if p < e, bytes[p] == PIIBytes.colon {
                guard !compressed else { return false }
                compressed = true
                p += 1
            } else if p == e {
                return false
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    /// A dotted quad filling exactly `s..<e`, each octet 0–255.
    func isIPv4(_ s: Int, _ e: Int) -> Bool {
        var p = s
        for octet in 0..<4 {
            let start = p
            while p < e, PIIBytes.isDigit(bytes[p]) { p += 1 }
            guard (1...3).contains(p - start), octetValue(start, p) <= 255 else { return false }
            if octet < 3 {
                guard p < e, bytes[p] == PIIBytes.dot else { return false }
                p += 1
            }
        }
        return p == e
    }
}
