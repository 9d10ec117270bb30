/// IBANs: an uppercase country code, two check digits and the BBAN, written either unbroken or in
/// groups of four separated by single spaces. The length must be the one registered for the country
/// and the whole must pass ISO 7064 mod 97-10. BBAN letters may be in either case.
extension PIIScanner {
    func matchIBAN(at s: Int) -> Int? {
        guard PIIBytes.isUpper(at(s + 1)), PIIBytes.isDigit(at(s + 2)), PIIBytes.isDigit(at(s + 3)),
              let length = PIIIBANRegistry.length(at(s), at(s + 1))
        else { return nil }
        var chars = [UInt8]()
        chars.reserveCapacity(length)
        for i in s..<(s + 4) { chars.append(bytes[i]) }
        var p = s + 4
        let spaced = at(p) == PIIBytes.space
        while chars.count < length {
            if spaced, chars.count % 4 == 0 {
                guard at(p) == PIIBytes.space else { return nil }
                p += 1
            }
            let b = at(p)
            guard PIIBytes.isAlnum(b) else { return nil }
            chars.append(PIIBytes.isLetter(b) ? b & ~0x20 : b)
            p += 1
        }
        guard !PIIBytes.isAlnum(at(p)), PIIChecksums.ibanMod97(chars[...]) else { return nil }
        return p
    }
}

/// IBAN lengths per country (SWIFT IBAN registry): all SEPA countries and the common others.
enum PIIIBANRegistry {
    private static let lengths: [UInt16: Int] = {
        let table: [(String, Int)] = [
            ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16), ("BG", 22),
            ("BH", 22), ("BR", 29), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24), ("DE", 22), ("DK", 18),
            ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18), ("FO", 18), ("FR", 27), ("GB", 22),
            ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27), ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22),
            ("IL", 23), ("IS", 26), ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LI", 21),
            ("LT", 20), ("LU", 20), ("LV", 21), ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19), ("MR", 27),
            ("MT", 31), ("MU", 30), ("NL", 18), ("NO", 15), ("PK", 24), ("PL", 28), ("PS", 29), ("PT", 25),
            ("QA", 29), ("RO", 24), ("RS", 22), ("SA", 24), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27),
            ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20),
        ]
        var result = [UInt16: Int]()
        for (code, length) in table {
            let u = Array(code.utf8)
            result[UInt16(u[0]) << 8 | UInt16(u[1])] = length
        }
        return result
    }()

    static func length(_ a: UInt8, _ b: UInt8) -> Int? {
        lengths[UInt16(a) << 8 | UInt16(b)]
    }
}
