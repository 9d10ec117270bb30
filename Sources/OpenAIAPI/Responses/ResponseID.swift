/// Response identifiers in OpenAI's shapes: a prefix and 24 random alphanumerics.
public enum ResponseID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// `chatcmpl-…`
    public static func chatCompletion() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(prefix: "chatcmpl-", using: &generator)
    }

    /// `cmpl-…`
    public static func completion() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(prefix: "cmpl-", using: &generator)
    }

    /// `prefix` followed by 24 alphanumerics drawn from `generator` (a seeded one makes tests repeatable).
    public static func make(prefix: String, using generator: inout some RandomNumberGenerator) -> String {
        var id = prefix
        for _ in 0..<24 { id.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]) }
        return id
    }
}
