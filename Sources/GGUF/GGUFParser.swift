/// Everything the header of a GGUF file says, validated against the file's size.
struct GGUFHeader {
    var version: UInt32
    var metadataKeys: [String]
    var metadata: [String: GGUFValue]
    var tensors: [GGUFTensorInfo]
    var alignment: Int
    var dataOffset: Int
}

/// Parses and validates a GGUF header. Every count, length, dimension and offset is checked
/// against the bytes that remain before it is used to allocate or to compute, so a hostile file
/// gets a `GGUFError`, never a trap or a huge allocation.
enum GGUFParser {
    static let magic: UInt32 = 0x4655_4747  // "GGUF" read as little-endian u32
    /// Fewest bytes a tensor info can take: name length, n_dims, one dimension, type, offset.
    static let minimumTensorInfoSize = 8 + 4 + 8 + 4 + 8
    /// Fewest bytes a key/value pair can take: key length, a one-byte key, type, a one-byte value.
    static let minimumKeyValueSize = 8 + 1 + 4 + 1

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(GGUFError) -> GGUFHeader {
        var cursor = ByteCursor(bytes)
        try readMagic(&cursor)
        let version = try readVersion(&cursor)

        let tensorCount = try readCount(&cursor, what: "tensor count", minimumSize: minimumTensorInfoSize, reserved: 0)
        let keyCount = try readCount(&cursor, what: "metadata key count", minimumSize: minimumKeyValueSize,
                                     reserved: tensorCount * minimumTensorInfoSize)

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        keys.reserveCapacity(keyCount)
        metadata.reserveCapacity(keyCount)
        var alignmentValueOffset = 0
        for index in 0..<keyCount {
            let keyOffset = cursor.offset
            let key = try cursor.readString("key of metadata entry \(index)")
            guard !key.isEmpty else {
                throw GGUFError(.emptyKey, at: keyOffset, "metadata entry \(index) has an empty key")
            }
            guard metadata[key] == nil else {
                throw GGUFError(.duplicateKey, at: keyOffset, "metadata key '\(key)' appears more than once")
            }
            let typeOffset = cursor.offset
            let rawType = try cursor.read(UInt32.self, "value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError(.unknownValueType, at: typeOffset,
                                "metadata key '\(key)' has unknown value type \(rawType); known types are 0...12")
            }
            if key == "general.alignment" { alignmentValueOffset = cursor.offset }
            metadata[key] = try readValue(&cursor, type: type, depth: 0, key: key)
            keys.append(key)
        }

        let alignment = try resolveAlignment(metadata["general.alignment"], at: alignmentValueOffset)
        var tensors: [GGUFTensorInfo] = []
        var infoOffsets: [Int] = []
        tensors.reserveCapacity(tensorCount)
        infoOffsets.reserveCapacity(tensorCount)
        var names = Set<String>()
        for index in 0..<tensorCount {
            infoOffsets.append(cursor.offset)
            let info = try readTensorInfo(&cursor, index: index, alignment: alignment, names: &names)
            tensors.append(info)
        }

        // The data section starts at the next multiple of the alignment; neither term can
        // overflow because the offset is within the file and alignment is at most 64 KiB.
        let dataOffset = (cursor.offset + alignment - 1) / alignment * alignment
        try checkPlacement(tensors, infoOffsets: infoOffsets, dataOffset: dataOffset, fileSize: bytes.count)
        return GGUFHeader(version: version, metadataKeys: keys, metadata: metadata, tensors: tensors,
                          alignment: alignment, dataOffset: dataOffset)
    }

    private static func readMagic(_ cursor: inout ByteCursor) throws(GGUFError) {
        let value = try cursor.read(UInt32.self, "the magic number")
        guard value == magic else {
            let bytes = withUnsafeBytes(of: value.littleEndian) { Array($0) }
            let shown = bytes.map { b in (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "." }.joined()
            throw GGUFError(.badMagic, at: 0,
                            "file starts with '\(shown)' (\(bytes.map { String($0, radix: 16) }.joined(separator: " "))), not 'GGUF'; it is not a GGUF file or predates GGUF (GGML/GGJT)")
        }
    }

    private static func readVersion(_ cursor: inout ByteCursor) throws(GGUFError) -> UInt32 {
        let version = try cursor.read(UInt32.self, "the version")
        switch version {
        case 2, 3: return version
        case 1:
            throw GGUFError(.unsupportedVersion, at: 4,
                            "unsupported version 1: GGUF v1 used 32-bit counts; re-convert the model with a current llama.cpp")
        default:
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw GGUFError(.unsupportedVersion, at: 4,
                                "unsupported version \(version): this looks like a big-endian GGUF v\(version.byteSwapped), which is not supported")
            }
            throw GGUFError(.unsupportedVersion, at: 4, "unsupported version \(version); this reader supports versions 2 and 3")
        }
    }

    /// Reads a u64 count and rejects it unless `count` items of at least `minimumSize` bytes each,
    /// plus `reserved` bytes already promised, fit in what is left of the file.
    private static func readCount(_ cursor: inout ByteCursor, what: String, minimumSize: Int, reserved: Int) throws(GGUFError) -> Int {
        let at = cursor.offset
        let count = try cursor.read(UInt64.self, what)
        let available = max(0, cursor.remaining - reserved)
        guard count <= UInt64(available / minimumSize) else {
            throw GGUFError(.countTooLarge, at: at,
                            "\(what) \(count) cannot fit in a \(cursor.bytes.count)-byte file (each entry takes at least \(minimumSize) bytes, \(available) bytes remain)")
        }
        return Int(count)
    }

    private static func readValue(_ cursor: inout ByteCursor, type: GGUFValueType, depth: Int, key: String) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, "value of '\(key)'"))
        case .int8: return .int8(try cursor.read(Int8.self, "value of '\(key)'"))
        case .uint16: return .uint16(try cursor.read(UInt16.self, "value of '\(key)'"))
        case .int16: return .int16(try cursor.read(Int16.self, "value of '\(key)'"))
        case .uint32: return .uint32(try cursor.read(UInt32.self, "value of '\(key)'"))
        case .int32: return .int32(try cursor.read(Int32.self, "value of '\(key)'"))
        case .uint64: return .uint64(try cursor.read(UInt64.self, "value of '\(key)'"))
        case .int64: return .int64(try cursor.read(Int64.self, "value of '\(key)'"))
        case .float32: return .float32(Float(bitPattern: try cursor.read(UInt32.self, "value of '\(key)'")))
        case .float64: return .float64(Double(bitPattern: try cursor.read(UInt64.self, "value of '\(key)'")))
        case .bool: return .bool(try cursor.read(UInt8.self, "value of '\(key)'") != 0)
        case .string: return .string(try cursor.readString("string value of '\(key)'"))
        case .array: return try readArray(&cursor, depth: depth + 1, key: key)
        }
    }

    /// `depth` is this array's nesting level (a top-level array is 1); the cap bounds recursion.
    private static func readArray(_ cursor: inout ByteCursor, depth: Int, key: String) throws(GGUFError) -> GGUFValue {
        let start = cursor.offset
        guard depth <= GGUFLimits.maxNestingDepth else {
            throw GGUFError(.nestingTooDeep, at: start,
                            "metadata key '\(key)' nests arrays more than \(GGUFLimits.maxNestingDepth) deep")
        }
        let rawType = try cursor.read(UInt32.self, "array element type of '\(key)'")
        guard let elementType = GGUFValueType(rawValue: rawType) else {
            throw GGUFError(.unknownValueType, at: start,
                            "array '\(key)' has unknown element type \(rawType); known types are 0...12")
        }
        let count = try readCount(&cursor, what: "element count of array '\(key)'",
                                  minimumSize: elementType.minimumEncodedSize, reserved: 0)
        var elements: [GGUFValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try readValue(&cursor, type: elementType, depth: depth, key: key))
        }
        return .array(elementType, elements)
    }

    private static func resolveAlignment(_ value: GGUFValue?, at offset: Int) throws(GGUFError) -> Int {
        guard let value else { return GGUFLimits.defaultAlignment }
        guard let alignment = value.int else {
            throw GGUFError(.badAlignment, at: offset, "general.alignment must be an integer, found \(value)")
        }
        guard GGUFLimits.isValidAlignment(alignment) else {
            throw GGUFError(.badAlignment, at: offset,
                            "general.alignment is \(alignment); it must be a nonzero power of two no larger than \(GGUFLimits.maxAlignment)")
        }
        return alignment
    }

    private static func readTensorInfo(_ cursor: inout ByteCursor, index: Int, alignment: Int,
                                       names: inout Set<String>) throws(GGUFError) -> GGUFTensorInfo {
        let start = cursor.offset
        let name = try cursor.readString("name of tensor \(index)")
        guard name.utf8.count < GGUFLimits.maxTensorNameBytes else {
            throw GGUFError(.tensorNameTooLong, at: start,
                            "tensor \(index) name '\(name.prefix(80))' is \(name.utf8.count) bytes; ggml allows at most \(GGUFLimits.maxTensorNameBytes - 1)")
        }
        guard names.insert(name).inserted else {
            throw GGUFError(.duplicateTensor, at: start, "tensor name '\(name)' appears more than once")
        }
        let dimsOffset = cursor.offset
        let dimCount = try cursor.read(UInt32.self, "dimension count of tensor '\(name)'")
        guard dimCount >= 1, dimCount <= UInt32(GGUFLimits.maxDimensions) else {
            throw GGUFError(.badDimensionCount, at: dimsOffset,
                            "tensor '\(name)' has \(dimCount) dimensions; ggml supports 1...\(GGUFLimits.maxDimensions)")
        }
        var dimensions: [Int] = []
        for axis in 0..<Int(dimCount) {
            let at = cursor.offset
            let raw = try cursor.read(UInt64.self, "dimension \(axis) of tensor '\(name)'")
            guard raw != 0 else {
                throw GGUFError(.zeroDimension, at: at, "tensor '\(name)' has dimension \(axis) equal to 0")
            }
            guard raw <= UInt64(Int.max) else {
                throw GGUFError(.sizeOverflow, at: at, "tensor '\(name)' dimension \(axis) is \(raw), above \(Int.max)")
            }
            dimensions.append(Int(raw))
        }
        let typeOffset = cursor.offset
        let rawType = try cursor.read(UInt32.self, "type of tensor '\(name)'")
        guard let type = GGMLType(rawValue: rawType) else {
            throw GGUFError(.unknownTensorType, at: typeOffset, "tensor '\(name)' has unknown ggml type \(rawType)")
        }
        let offsetAt = cursor.offset
        let rawOffset = try cursor.read(UInt64.self, "data offset of tensor '\(name)'")
        guard rawOffset % UInt64(alignment) == 0 else {
            throw GGUFError(.misalignedOffset, at: offsetAt,
                            "tensor '\(name)' data offset \(rawOffset) is not a multiple of the alignment \(alignment)")
        }
        guard rawOffset <= UInt64(Int.max) else {
            throw GGUFError(.tensorOutOfBounds, at: start,
                            "tensor '\(name)' data offset \(rawOffset) is beyond any possible file")
        }
        return try GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: Int(rawOffset), errorOffset: start)
    }

    /// Every tensor must end within the file and no two may share bytes.
    private static func checkPlacement(_ tensors: [GGUFTensorInfo], infoOffsets: [Int], dataOffset: Int, fileSize: Int) throws(GGUFError) {
        let available = max(0, fileSize - dataOffset)
        for (index, t) in tensors.enumerated() {
            let (end, overflow) = t.offset.addingReportingOverflow(t.byteCount)
            guard !overflow, end <= available else {
                throw GGUFError(.tensorOutOfBounds, at: infoOffsets[index],
                                "tensor '\(t.name)' spans data bytes \(t.offset)..<\(t.offset) + \(t.byteCount) but the data section (from byte \(dataOffset)) holds only \(available) bytes")
            }
        }
        let order = tensors.indices.sorted { tensors[$0].offset < tensors[$1].offset }
        for (a, b) in zip(order, order.dropFirst()) {
            let first = tensors[a], second = tensors[b]
            guard second.offset >= first.offset + first.byteCount else {
                throw GGUFError(.overlappingTensors, at: infoOffsets[b],
                                "tensor '\(second.name)' at data offset \(second.offset) overlaps '\(first.name)' at \(first.offset)..<\(first.offset + first.byteCount)")
            }
        }
    }
}
