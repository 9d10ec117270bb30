/// Why a grammar or a JSON schema could not be turned into a token acceptor.
public struct GrammarError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The GBNF text does not parse (or refers to an undefined rule, or is left-recursive).
        case syntax
        /// The JSON schema is not valid JSON or not a schema.
        case invalidSchema
        /// The schema uses a feature the compiler does not support; `feature` names it.
        case unsupportedFeature(String)
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func syntax(_ message: String, line: Int) -> GrammarError {
        GrammarError(.syntax, "grammar line \(line): \(message)")
    }

    static func unsupported(_ feature: String, at path: String, _ detail: String = "") -> GrammarError {
        let extra = detail.isEmpty ? "" : " (\(detail))"
        return GrammarError(.unsupportedFeature(feature),
                            "unsupported JSON schema feature '\(feature)' at \(path)\(extra)")
    }
}
