/// Why a GGUF file could not be read or written.
///
/// A small stable type: `kind` is for code that reacts to the failure, `offset` and `message` are
/// for the person who has to fix the file. `offset` is -1 when no byte position applies (I/O
/// errors, writer misuse).
public struct GGUFError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The class of problem. Tests and callers switch on this; messages may change, kinds do not.
    public enum Kind: String, Sendable {
        case badMagic, unsupportedVersion, truncated, countTooLarge, invalidString, emptyKey, duplicateKey
        case unknownValueType, nestingTooDeep, badAlignment, tensorNameTooLong, duplicateTensor
        case badDimensionCount, zeroDimension, sizeOverflow, unknownTensorType, rowNotBlockMultiple
        case misalignedOffset, overlappingTensors, tensorOutOfBounds, io
        /// Writer only: an array element whose type differs from the array's declared element type.
        case typeMismatch
        /// Writer only: tensor data whose byte count differs from the packed size of its shape.
        case dataSizeMismatch
    }

    public let kind: Kind
    /// Byte offset in the file where the problem was found, or -1 when none applies.
    public let offset: Int
    /// Actionable detail naming the key or tensor and the values involved.
    public let message: String

    public init(_ kind: Kind, at offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String {
        switch kind {
        case .io: return "GGUF I/O error: \(message)"
        default:
            if offset < 0 { return "invalid GGUF: \(message)" }
            return "malformed GGUF at byte \(offset): \(message)"
        }
    }
}
