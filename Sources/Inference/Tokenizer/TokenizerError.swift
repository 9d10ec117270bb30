/// Why a tokenizer could not be built from a vocabulary.
///
/// The message names the offending metadata key or value and says what would be accepted,
/// so a user holding a broken or unsupported GGUF file knows what to fix.
public struct TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A human-readable explanation, e.g. `unsupported tokenizer model "xyz" (supported: gpt2, llama)`.
    public let message: String

    /// Creates an error carrying `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static func unsupportedModel(_ model: String) -> TokenizerError {
        TokenizerError("unsupported tokenizer model \"\(model)\" (supported: gpt2, llama)")
    }

    static func missingKey(_ key: String, reason: String) -> TokenizerError {
        TokenizerError("missing metadata key \(key): \(reason)")
    }

    static func invalidKey(_ key: String, reason: String) -> TokenizerError {
        TokenizerError("invalid metadata key \(key): \(reason)")
    }
}
