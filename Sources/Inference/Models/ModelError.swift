import GGUF

/// Why a model could not be loaded or run. Messages name the tensor, key or limit involved.
public enum ModelError: Error, Sendable, CustomStringConvertible, Equatable {
    case file(GGUFError)
    case unsupportedArchitecture(String?, supported: [String])
    case missingMetadata(key: String)
    case invalidMetadata(key: String, reason: String)
    case missingTensor(String)
    case badShape(tensor: String, expected: String, got: [Int])
    case unsupportedTensorType(tensor: String, type: GGMLType, supported: [GGMLType])
    case contextExceeded(needed: Int, available: Int)
    case invalidArgument(String)
    case tokenOutOfRange(TokenID, vocabularySize: Int)

    public var description: String {
        switch self {
        case .file(let error):
            return error.description
        case .unsupportedArchitecture(let arch, let supported):
            return "unsupported model architecture \(arch.map { "'\($0)'" } ?? "(general.architecture missing)"); supported: \(supported.joined(separator: ", "))"
        case .missingMetadata(let key):
            return "model file lacks required metadata key '\(key)'"
        case .invalidMetadata(let key, let reason):
            return "metadata key '\(key)' is invalid: \(reason)"
        case .missingTensor(let name):
            return "model file lacks required tensor '\(name)'"
        case .badShape(let tensor, let expected, let got):
            return "tensor '\(tensor)' has shape \(got), expected \(expected)"
        case .unsupportedTensorType(let tensor, let type, let supported):
            return "tensor '\(tensor)' has type \(type), which the runtime cannot compute with; supported: \(supported.map(\.description).joined(separator: ", "))"
        case .contextExceeded(let needed, let available):
            return "the prompt and generation need \(needed) tokens but the context holds \(available); raise --ctx or shorten the prompt"
        case .invalidArgument(let message):
            return message
        case .tokenOutOfRange(let id, let size):
            return "token id \(id) is outside the vocabulary (size \(size))"
        }
    }
}
