/// ASCII byte tests shared by the scanners. Non-ASCII bytes are neither letters nor digits, so a number
/// after a no-break space or an accented letter still starts a token.
enum PIIBytes {
    static let plus = UInt8(ascii: "+"), minus = UInt8(ascii: "-"), dot = UInt8(ascii: ".")
    static let slash = UInt8(ascii: "/"), colon = UInt8(ascii: ":"), space = UInt8(ascii: " ")
    static let openParen = UInt8(ascii: "("), closeParen = UInt8(ascii: ")"), at = UInt8(ascii: "@")
    static let hash = UInt8(ascii: "#"), comma = UInt8(ascii: ","), underscore = UInt8(ascii: "_")
    static let newline = UInt8(ascii: "\n"), openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- 0x61 < 6 }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b | 0x20 : b }
    @inline(__always) static func digitValue(_ b: UInt8) -> Int { Int(b &- 0x30) }
}
