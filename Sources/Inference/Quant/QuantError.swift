import GGUF

/// Why a quantization call was refused. Checked before any C kernel runs, so the kernels never read or
/// write out of bounds.
public enum QuantError: Error, Equatable, CustomStringConvertible {
    /// The type has no kernel here; `supported` lists the types that do.
    case unsupportedType(GGMLType, supported: [GGMLType])
    /// `count` elements do not fill whole blocks of `blockSize` (or are negative).
    case badLength(type: GGMLType, count: Int, blockSize: Int)
    /// A buffer holds fewer bytes (or elements) than the operation needs.
    case bufferTooSmall(type: GGMLType, needed: Int, got: Int)

    public var description: String {
        switch self {
        case let .unsupportedType(t, supported):
            return "tensor type \(t) is not supported by Outpost's kernels; supported: "
                + supported.map(\.description).joined(separator: ", ")
        case let .badLength(t, count, blockSize):
            return "\(count) elements of \(t) do not fill whole blocks of \(blockSize); use a multiple of \(blockSize)"
        case let .bufferTooSmall(t, needed, got):
            return "buffer for \(t) holds \(got) bytes but \(needed) are needed"
        }
    }
}
