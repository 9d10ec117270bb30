import Foundation

/// An interning hash table from byte strings to dense indices `0, 1, 2, ...` in insertion order.
///
/// Tokenizers look up substrings of the input (byte ranges) millions of times; keying a `Dictionary`
/// by `String` would allocate a string per lookup. Here keys live in one byte buffer and lookups take
/// a pointer and a length. Open addressing with linear probing; the slot array stays at most half full.
struct ByteStringTable: Sendable {
    private var keyBytes: [UInt8] = []
    private var keyStarts: [Int] = [0]      // (count + 1): key i is keyBytes[keyStarts[i] ..< keyStarts[i + 1]]
    private var slots: [Int32]              // (capacity): key index, or -1 when empty
    private var mask: Int

    init(minimumCapacity: Int = 16) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        keyBytes.reserveCapacity(minimumCapacity * 8)
        keyStarts.reserveCapacity(minimumCapacity + 1)
    }

    /// Number of distinct keys.
    var count: Int { keyStarts.count - 1 }

    /// The bytes of key `index`.
    func key(_ index: Int) -> ArraySlice<UInt8> {
        keyBytes[keyStarts[index] ..< keyStarts[index + 1]]
    }

    /// Index of `key`, or nil.
    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let hash = Self.hash(key)
        return keyBytes.withUnsafeBufferPointer { stored in
            slots.withUnsafeBufferPointer { slots in
                var slot = hash & mask
                while true {
                    let index = slots[slot]
                    if index < 0 { return nil }
                    if equals(stored, Int(index), key) { return index }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    func find(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { find($0) }
    }

    func find(_ key: ArraySlice<UInt8>) -> Int32? {
        key.withUnsafeBufferPointer { find($0) }
    }

    func find(_ key: String) -> Int32? {
        var key = key
        return key.withUTF8 { find($0) }
    }

    /// Index of `key`, inserting it at the end if absent.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> (index: Int32, inserted: Bool) {
        let hash = Self.hash(key)
        var slot = hash & mask
        while true {
            let index = slots[slot]
            if index < 0 { break }
            let found = keyBytes.withUnsafeBufferPointer { equals($0, Int(index), key) }
            if found { return (index, false) }
            slot = (slot + 1) & mask
        }
        let index = Int32(truncatingIfNeeded: count)
        keyBytes.append(contentsOf: key)
        keyStarts.append(keyBytes.count)
        slots[slot] = index
        if count * 2 > slots.count { grow() }
        return (index, true)
    }

    @discardableResult
    mutating func insert(_ key: [UInt8]) -> (index: Int32, inserted: Bool) {
        key.withUnsafeBufferPointer { insert($0) }
    }

    @discardableResult
    mutating func insert(_ key: String) -> (index: Int32, inserted: Bool) {
        var key = key
        return key.withUTF8 { insert($0) }
    }

    private func equals(_ stored: UnsafeBufferPointer<UInt8>, _ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = keyStarts[index]
        let length = keyStarts[index + 1] - start
        guard length == key.count else { return false }
        guard length > 0, let a = stored.baseAddress, let b = key.baseAddress else { return true }
        return memcmp(a + start, b, length) == 0
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var newSlots = [Int32](repeating: -1, count: capacity)
        let newMask = capacity - 1
        keyBytes.withUnsafeBufferPointer { stored in
            for index in 0 ..< count {
                let start = keyStarts[index]
                let key = UnsafeBufferPointer(rebasing: stored[start ..< keyStarts[index + 1]])
                var slot = Self.hash(key) & newMask
                while newSlots[slot] >= 0 { slot = (slot + 1) & newMask }
                newSlots[slot] = Int32(truncatingIfNeeded: index)
            }
        }
        slots = newSlots
        mask = newMask
    }

    /// FNV-1a over 8-byte words, finished with a multiply-xorshift so low bits mix well.
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(key.count)
        guard let base = key.baseAddress else { return Int(truncatingIfNeeded: h) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        while i < key.count {
            h = (h ^ UInt64(base[i])) &* 0x0000_0100_0000_01b3
            i += 1
        }
        h ^= h >> 32
        h = h &* 0xd6e8_feb8_6659_fd93
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }
}
