import GGUF
import Inference

/// Why a model could not be quantized, with what to do about it.
public enum QuantizeError: Error, Equatable, CustomStringConvertible {
    case unknownPreset(String, known: [String])
    /// The input's tensor type cannot be dequantized here.
    case unsupportedSource(tensor: String, type: GGMLType)
    /// A tensor fits none of the candidate types' block sizes.
    case incompatibleShape(tensor: String, rowLength: Int)
    case file(String)
    case quant(QuantError)

    public var description: String {
        switch self {
        case let .unknownPreset(name, known):
            return "unknown quantization type '\(name)'; use one of \(known.joined(separator: ", "))"
        case let .unsupportedSource(tensor, type):
            return "tensor '\(tensor)' is stored as \(type), which Outpost cannot dequantize; convert the model with llama.cpp to F16 or Q8_0 first"
        case let .incompatibleShape(tensor, rowLength):
            return "tensor '\(tensor)' has rows of \(rowLength) elements, not a multiple of any block size; it cannot be quantized"
        case let .file(message):
            return message
        case let .quant(error):
            return error.description
        }
    }
}
