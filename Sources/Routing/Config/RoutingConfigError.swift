/// A problem in the routing configuration, naming the key at fault by its path
/// (e.g. `upstreams[1].circuit_breaker.cooldown_seconds`).
public struct RoutingConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: String, Sendable, Equatable {
        /// A key the configuration does not define (often a typo).
        case unknownKey
        /// A required key is absent.
        case missingKey
        /// The value has the wrong type (e.g. a string where a number belongs).
        case invalidType
        /// The value has the right type but is out of range or malformed.
        case invalidValue
    }

    /// What kind of problem it is.
    public let kind: Kind
    /// Path of the key at fault, from the root of the routing section.
    public let path: String
    /// Human explanation.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { "routing config: \(path): \(message)" }
}
