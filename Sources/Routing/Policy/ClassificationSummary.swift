/// The result of data classification, reduced to what routing and auditing may see: a class and the
/// kinds of entities found — never the text or the matched values.
///
/// As input to `RoutingPolicy.decide`, it is what the detectors found (`dataClass` as they judged it,
/// `entityTypes` of their matches). In a `RoutingDecision`, it is the effective classification
/// after combining it with the caller's mark.
public struct ClassificationSummary: Sendable, Equatable {
    /// The data class.
    public var dataClass: DataClass
    /// Kinds of entities detected.
    public var entityTypes: Set<EntityType>

    /// Creates a summary.
    public init(dataClass: DataClass = .public, entityTypes: Set<EntityType> = []) {
        self.dataClass = dataClass
        self.entityTypes = entityTypes
    }

    /// Nothing detected.
    public static let clean = ClassificationSummary()

    /// Entity type names in a stable (sorted) order, for logs and metrics.
    public var entityTypeNames: [String] { entityTypes.map(\.rawValue).sorted() }
}
