/// Wire type tags of metadata values, as numbered by the GGUF spec.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

    /// Encoded size of one value of this type, or nil when it varies (string, array).
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// Fewest bytes one encoded value can take; bounds element counts before allocating.
    var minimumEncodedSize: Int {
        switch self {
        case .string: return 8          // u64 length, possibly empty
        case .array: return 12          // u32 element type + u64 count
        default: return fixedSize ?? 1
        }
    }
}

/// One metadata value. Arrays keep their element type so that empty arrays round-trip.
///
/// Not declared `indirect`: the array payload already lives in heap storage, and boxing every
/// scalar would cost one allocation per element of the large token arrays.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), uint64(UInt64), int64(Int64), float64(Double)
    case array(GGUFValueType, [GGUFValue])

    /// The wire type of this value.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        case .array: return .array
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Any integer case whose value an `Int` represents exactly; nil for floats, bools and the rest.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// Floating-point cases, and integer cases converted (possibly rounding very large ones).
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        case .uint64(let v): return Double(v)
        case .int64(let v): return Double(v)
        default: return int.map(Double.init)
        }
    }

    /// Like `double`, narrowed to `Float`.
    public var float: Float? {
        if case .float32(let v) = self { return v }
        return double.map(Float.init)
    }

    public var bool: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var array: [GGUFValue]? {
        if case .array(_, let v) = self { return v }
        return nil
    }

    /// The elements when every one is a string.
    public var stringArray: [String]? { mapElements(\.string) }
    /// The elements when every one is numeric.
    public var floatArray: [Float]? { mapElements(\.float) }
    /// The elements when every one is an integer that fits `Int`.
    public var intArray: [Int]? { mapElements(\.int) }

    private func mapElements<T>(_ transform: (GGUFValue) -> T?) -> [T]? {
        guard case .array(_, let values) = self else { return nil }
        var out: [T] = []
        out.reserveCapacity(values.count)
        for value in values {
            guard let t = transform(value) else { return nil }
            out.append(t)
        }
        return out
    }
}
