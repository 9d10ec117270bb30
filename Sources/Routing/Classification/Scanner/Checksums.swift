/// Check-digit algorithms and issuer tables. Digits are passed as values 0–9, not ASCII.
enum PIIChecksums {
    /// Luhn (mod 10) over all digits, the last being the check digit.
    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        var double = false
        for d in digits.reversed() {
            var v = Int(d)
            if double {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
            double.toggle()
        }
        return sum % 10 == 0
    }

    /// Whether the number starts with the issuer identification prefix of a major card network and has
    /// a length that network issues.
    static func isKnownCardPrefix(_ digits: [UInt8]) -> Bool {
        guard digits.count >= 6 else { return false }
        func prefix(_ n: Int) -> Int { digits[0..<n].reduce(0) { $0 * 10 + Int($1) } }
        let length = digits.count
        let p2 = prefix(2), p3 = prefix(3), p4 = prefix(4)
        if digits[0] == 4 { return [13, 16, 19].contains(length) }                 // Visa
        if (51...55).contains(p2) || (2221...2720).contains(p4) { return length == 16 }  // Mastercard
        if p2 == 34 || p2 == 37 { return length == 15 }                           // American Express
        if p4 == 6011 || p2 == 65 || (644...649).contains(p3) { return (16...19).contains(length) }  // Discover
        if (3528...3589).contains(p4) { return (16...19).contains(length) }       // JCB
        if (300...305).contains(p3) || p2 == 36 || p2 == 38 { return (14...19).contains(length) }  // Diners
        if p2 == 62 { return (16...19).contains(length) }                         // UnionPay
        return false
    }

    /// ISO 7064 mod 97-10 as used by IBAN: move the first four characters to the end, read letters as
    /// 10–35, and the remainder must be 1. `chars` are uppercase ASCII letters and digits.
    static func ibanMod97(_ chars: ArraySlice<UInt8>) -> Bool {
        guard chars.count > 4 else { return false }
        var remainder = 0
        let rotated = chars.dropFirst(4).concatenated(with: chars.prefix(4))
        for c in rotated {
            if PIIBytes.isDigit(c) {
                remainder = (remainder * 10 + PIIBytes.digitValue(c)) % 97
            } else {
                remainder = (remainder * 100 + Int(c - UInt8(ascii: "A")) + 10) % 97
            }
        }
        return remainder == 1
    }
}

private extension ArraySlice where Element == UInt8 {
    func concatenated(with other: ArraySlice<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + other.count)
        out.append(contentsOf: self)
        out.append(contentsOf: other)
        return out
    }
}
