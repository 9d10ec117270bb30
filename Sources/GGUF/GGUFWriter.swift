#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a GGUF v2 or v3 file in memory. Metadata keeps insertion order; tensors are laid out in
/// the order added, each at the next multiple of the alignment.
///
/// The writer refuses to produce anything the reader would reject, so its output is always valid.
public struct GGUFWriter {
    public let version: UInt32
    /// Alignment used unless `general.alignment` is set explicitly, which then wins.
    public let alignment: Int

    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var pending: [(info: GGUFTensorInfo, data: [UInt8])] = []
    private var tensorNames = Set<String>()

    public init(version: UInt32 = 3, alignment: Int = GGUFLimits.defaultAlignment) {
        self.version = version
        self.alignment = alignment
    }

    /// Sets `key`, keeping its first position if it was set before. `general.alignment` is written
    /// automatically when the alignment is not 32; setting it explicitly overrides the init value.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Adds a tensor; `data` must be exactly the packed size of `dimensions` in `type`.
    public mutating func addTensor(name: String, dimensions: [Int], type: GGMLType, data: [UInt8]) throws(GGUFError) {
        let info = try GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: 0)
        guard data.count == info.byteCount else {
            throw GGUFError(.dataSizeMismatch, at: -1,
                            "tensor '\(name)' \(dimensions) of type \(type) packs into \(info.byteCount) bytes but \(data.count) were given")
        }
        guard tensorNames.insert(name).inserted else {
            throw GGUFError(.duplicateTensor, at: -1, "tensor name '\(name)' was added twice")
        }
        pending.append((info, data))
    }

    /// The complete file.
    public func serialize() throws(GGUFError) -> [UInt8] {
        guard version == 2 || version == 3 else {
            throw GGUFError(.unsupportedVersion, at: -1, "cannot write GGUF version \(version); supported versions are 2 and 3")
        }
        var entries = keys.compactMap { key in values[key].map { (key, $0) } }
        let align: Int
        if let explicit = values["general.alignment"] {
            guard let a = explicit.int, GGUFLimits.isValidAlignment(a) else {
                throw GGUFError(.badAlignment, at: -1,
                                "general.alignment \(explicit) must be a nonzero power of two no larger than \(GGUFLimits.maxAlignment)")
            }
            align = a
        } else {
            guard GGUFLimits.isValidAlignment(alignment) else {
                throw GGUFError(.badAlignment, at: -1,
                                "alignment \(alignment) must be a nonzero power of two no larger than \(GGUFLimits.maxAlignment)")
            }
            align = alignment
            if align != GGUFLimits.defaultAlignment { entries.append(("general.alignment", .uint32(UInt32(align)))) }
        }

        var out = GGUFByteSink()
        out.u32(0x4655_4747)
        out.u32(version)
        out.u64(UInt64(pending.count))
        out.u64(UInt64(entries.count))
        for (key, value) in entries {
            guard !key.isEmpty else { throw GGUFError(.emptyKey, at: -1, "metadata keys must not be empty") }
            out.string(key)
            out.u32(value.type.rawValue)
            try out.value(value, depth: 0, key: key)
        }
        var offset = 0
        var offsets: [Int] = []
        for (info, _) in pending {
            offset = Self.alignUp(offset, align)
            offsets.append(offset)
            out.string(info.name)
            out.u32(UInt32(info.dimensions.count))
            for d in info.dimensions { out.u64(UInt64(d)) }
            out.u32(info.type.rawValue)
            out.u64(UInt64(offset))
            offset += info.byteCount
        }
        out.pad(to: align)
        let dataStart = out.bytes.count
        for (i, (_, data)) in pending.enumerated() {
            out.zeros(dataStart + offsets[i] - out.bytes.count)
            out.bytes.append(contentsOf: data)
        }
        return out.bytes
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`, so readers never see
    /// a half-written file.
    public func write(to path: String) throws(GGUFError) {
        let bytes = try serialize()
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileBytes.ioError("cannot create \(temporary)") }
        var written = 0
        let failure: GGUFError? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = posixWrite(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return FileBytes.ioError("cannot write \(temporary)")
                }
                written += n
            }
            return nil
        }
        if let failure {
            close(fd)
            unlink(temporary)
            throw failure
        }
        guard close(fd) == 0 else {
            let error = FileBytes.ioError("cannot close \(temporary)")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = FileBytes.ioError("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
    }

    static func alignUp(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}

/// The C `write`, which `GGUFWriter.write(to:)` would shadow inside the type.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// Little-endian encoder for the writer.
struct GGUFByteSink {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) {
        u64(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    mutating func zeros(_ n: Int) { if n > 0 { bytes.append(contentsOf: repeatElement(0, count: n)) } }
    mutating func pad(to alignment: Int) { zeros(GGUFWriter.alignUp(bytes.count, alignment) - bytes.count) }

    mutating func value(_ v: GGUFValue, depth: Int, key: String) throws(GGUFError) {
        switch v {
        case .uint8(let x): u8(x)
        case .int8(let x): u8(UInt8(bitPattern: x))
        case .uint16(let x): u16(x)
        case .int16(let x): u16(UInt16(bitPattern: x))
        case .uint32(let x): u32(x)
        case .int32(let x): u32(UInt32(bitPattern: x))
        case .uint64(let x): u64(x)
        case .int64(let x): u64(UInt64(bitPattern: x))
        case .float32(let x): u32(x.bitPattern)
        case .float64(let x): u64(x.bitPattern)
        case .bool(let x): u8(x ? 1 : 0)
        case .string(let s): string(s)
        case .array(let type, let elements):
            guard depth + 1 <= GGUFLimits.maxNestingDepth else {
                throw GGUFError(.nestingTooDeep, at: -1,
                                "metadata key '\(key)' nests arrays more than \(GGUFLimits.maxNestingDepth) deep")
            }
            u32(type.rawValue)
            u64(UInt64(elements.count))
            for element in elements {
                guard element.type == type else {
                    throw GGUFError(.typeMismatch, at: -1,
                                    "array '\(key)' is declared as \(type) but holds a \(element.type) element")
                }
                try value(element, depth: depth + 1, key: key)
            }
        }
    }
}
