/// A match found by a scanner, as UTF-8 byte offsets into the scanned text.
struct PIICandidate {
    let type: EntityType
    let start: Int
    let end: Int
    var label: String? = nil

    var length: Int { end - start }
}

/// Which built-in detectors run; read once per scan so the hot loop tests plain booleans, not a set.
struct PIIDetectorSwitches {
    let email, phone, ssn, paymentCard, iban, ipAddress, dateOfBirth, medicalRecordNumber: Bool

    init(_ enabled: Set<EntityType>) {
        email = enabled.contains(.email)
        phone = enabled.contains(.phone)
        ssn = enabled.contains(.ssn)
        paymentCard = enabled.contains(.paymentCard)
        iban = enabled.contains(.iban)
        ipAddress = enabled.contains(.ipAddress)
        dateOfBirth = enabled.contains(.dateOfBirth)
        medicalRecordNumber = enabled.contains(.medicalRecordNumber)
    }

    var numbers: Bool { phone || ssn || paymentCard || ipAddress }
}

/// One left-to-right pass over the UTF-8 bytes of a text. Cheap triggers pick the detector to try:
/// a digit, `+` or `(` starts a number token (phone, card, SSN, IPv4); `@` an email; `:` an IPv6
/// address; the first letter of a word an IBAN or a keyword (date of birth, medical record number).
/// Each detector lives in its own file as an extension.
struct PIIScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let switches: PIIDetectorSwitches
    var found: [PIICandidate] = []
    /// Scratch storage reused across number tokens, so a token costs no allocation.
    var groups: [PIINumberGroup] = []
    var digits: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, switches: PIIDetectorSwitches) {
        self.bytes = bytes
        self.switches = switches
        groups.reserveCapacity(16)
        digits.reserveCapacity(32)
    }

    /// The byte at `i`, or 0 outside the text: boundary checks need no separate range tests.
    @inline(__always) func at(_ i: Int) -> UInt8 {
        i >= 0 && i < bytes.count ? bytes[i] : 0
    }

    mutating func scan() {
        let n = bytes.count
        var i = 0
        while i < n {
            let b = bytes[i]
            if PIIBytes.isLetter(b) {
                i = scanWord(at: i)
            } else if PIIBytes.isDigit(b) || b == PIIBytes.plus || b == PIIBytes.openParen {
                i = switches.numbers ? scanNumber(at: i) : i + 1
            } else if b == PIIBytes.at {
                i = switches.email ? scanEmail(at: i) : i + 1
            } else if b == PIIBytes.colon {
                i = switches.ipAddress ? scanIPv6(colonAt: i) : i + 1
            } else {
                i += 1
            }
        }
    }

    /// A word: try the triggers that start with a letter, then skip the rest of the word (digits
    /// inside a word, as in `abc123`, never start a number).
    mutating func scanWord(at start: Int) -> Int {
        if !PIIBytes.isAlnum(at(start - 1)) {
            if switches.iban, PIIBytes.isUpper(bytes[start]), let end = matchIBAN(at: start) {
                found.append(PIICandidate(type: .iban, start: start, end: end))
                return end
            }
            if switches.dateOfBirth { scanBirthKeyword(at: start) }
            if switches.medicalRecordNumber { scanMedicalRecordKeyword(at: start) }
        }
        var i = start + 1
        while PIIBytes.isAlnum(at(i)) { i += 1 }
        return i
    }
}
