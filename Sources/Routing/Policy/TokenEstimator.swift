/// Estimates prompt tokens without a tokenizer, in one pass over the UTF-8 bytes.
///
/// Rule: `ceil(ASCII bytes / 4)` plus one token per non-ASCII scalar, plus 4 tokens per chat message
/// for the template's role markers. Plain chars/4 holds for English under BPE vocabularies but
/// undercounts Chinese, Japanese, Cyrillic or emoji by up to 4x, where common tokenizers spend about
/// a token per character or more; counting those scalars one each errs towards overestimating, the
/// safe side for a context check (at worst a request goes to the cloud a little early, instead of
/// failing locally).
public enum TokenEstimator {
    /// Tokens added per chat message for the chat template.
    public static let perMessageOverhead = 4

    /// Estimated tokens of one text.
    public static func estimate(_ text: String) -> Int {
        if let tokens = text.utf8.withContiguousStorageIfAvailable(estimate) { return tokens }
        return Array(text.utf8).withUnsafeBufferPointer(estimate)
    }

    private static func estimate(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var ascii = 0
        var nonASCIIScalars = 0
        // Branch-free so the loop vectorises.
        for byte in bytes {
            ascii &+= byte < 0x80 ? 1 : 0
            nonASCIIScalars &+= byte >= 0xC0 ? 1 : 0
        }
        return (ascii + 3) / 4 + nonASCIIScalars
    }

    /// Estimated prompt tokens of a request's input.
    public static func estimate(_ input: RoutingRequest.Input) -> Int {
        switch input {
        case .prompt(let prompt):
            return estimate(prompt)
        case .messages(let messages):
            return messages.reduce(0) { $0 + estimate($1) + perMessageOverhead }
        }
    }
}
