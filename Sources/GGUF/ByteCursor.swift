/// Bounds-checked little-endian reads over a borrowed byte buffer. Every read checks the
/// remaining length first, so no input can make it read outside the buffer or trap.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// Throws `truncated` unless `count` more bytes exist.
    func require(_ count: Int, for what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else {
            throw GGUFError(.truncated, at: offset,
                            "\(what()) needs \(count) bytes but the \(bytes.count)-byte file has only \(remaining) left")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, for: what())
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: raw)
    }

    /// Reads a u64 length-prefixed string and checks that it is UTF-8.
    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(remaining) else {
            throw GGUFError(.truncated, at: start,
                            "\(what()) claims \(length) bytes but the \(bytes.count)-byte file has only \(remaining) left after its length")
        }
        let count = Int(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        let string = String(decoding: slice, as: UTF8.self)
        // Decoding replaces invalid sequences with U+FFFD, so any difference means invalid input.
        guard string.utf8.count == count, string.utf8.elementsEqual(slice) else {
            throw GGUFError(.invalidString, at: start, "\(what()) is not valid UTF-8")
        }
        offset += count
        return string
    }

    /// Moves to `target`, which must lie within the buffer.
    mutating func seek(to target: Int) throws(GGUFError) {
        try require(target - offset, for: "padding")
        offset = target
    }
}
