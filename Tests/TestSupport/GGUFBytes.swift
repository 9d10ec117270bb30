import GGUF

/// Raw little-endian byte builder for handcrafting GGUF files, including malformed ones: nothing is
/// validated, every length and count is whatever the test says.
public struct GGUFBytes {
    public var bytes: [UInt8] = []

    public init() {}

    public var count: Int { bytes.count }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func i8(_ v: Int8) { u8(UInt8(bitPattern: v)) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i16(_ v: Int16) { u16(UInt16(bitPattern: v)) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    public mutating func f32(_ v: Float) { u32(v.bitPattern) }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    public mutating func raw(_ v: [UInt8]) { bytes.append(contentsOf: v) }
    public mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }

    /// A string with its true length.
    public mutating func string(_ s: String) { string(s, claimedLength: UInt64(s.utf8.count)) }

    /// A length prefix of `claimedLength` followed by the bytes of `s`, however many there are.
    public mutating func string(_ s: String, claimedLength: UInt64) {
        u64(claimedLength)
        bytes.append(contentsOf: s.utf8)
    }

    /// A length prefix with the true length, followed by arbitrary (possibly invalid UTF-8) bytes.
    public mutating func stringBytes(_ b: [UInt8]) {
        u64(UInt64(b.count))
        raw(b)
    }

    /// Magic, version, tensor count and key count.
    public mutating func header(magic: UInt32 = 0x4655_4747, version: UInt32 = 3, tensorCount: UInt64, keyCount: UInt64) {
        u32(magic)
        u32(version)
        u64(tensorCount)
        u64(keyCount)
    }

    /// The key and type tag of a metadata entry; the value follows with the plain appenders.
    public mutating func key(_ key: String, type: UInt32) {
        string(key)
        u32(type)
    }

    public mutating func key(_ key: String, type: GGUFValueType) { self.key(key, type: type.rawValue) }

    /// A u32 metadata entry, e.g. `general.alignment`.
    public mutating func keyU32(_ key: String, _ value: UInt32) {
        self.key(key, type: .uint32)
        u32(value)
    }

    /// A string metadata entry.
    public mutating func keyString(_ key: String, _ value: String) {
        self.key(key, type: .string)
        string(value)
    }

    /// One tensor info: name, n_dims, dims, type, offset.
    public mutating func tensorInfo(name: String, dimensions: [UInt64], type: UInt32, offset: UInt64) {
        tensorInfo(name: name, dimensionCount: UInt32(dimensions.count), dimensions: dimensions, type: type, offset: offset)
    }

    /// One tensor info whose n_dims may disagree with the dimensions that follow it.
    public mutating func tensorInfo(name: String, dimensionCount: UInt32, dimensions: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(dimensionCount)
        for d in dimensions { u64(d) }
        u32(type)
        u64(offset)
    }

    public mutating func tensorInfo(name: String, dimensions: [Int], type: GGMLType, offset: Int) {
        tensorInfo(name: name, dimensions: dimensions.map { UInt64($0) }, type: type.rawValue, offset: UInt64(offset))
    }

    /// Zero padding up to the next multiple of `alignment`.
    public mutating func pad(to alignment: Int) {
        let remainder = bytes.count % alignment
        if remainder != 0 { zeros(alignment - remainder) }
    }
}
