/// The result of classifying one text: how sensitive it is and which entities made it so.
public struct Classification: Sendable, Equatable {
    /// `restricted` when any entity was found, `public` otherwise; callers may only raise it.
    public private(set) var dataClass: DataClass
    /// The detected entities, sorted by position and non-overlapping.
    public let entities: [DetectedEntity]
    /// The distinct kinds among `entities`, for policy rules and metrics.
    public let entityTypes: Set<EntityType>

    /// Derives the class from the entities: any entity makes the text `restricted`.
    public init(entities: [DetectedEntity]) {
        self.entities = entities
        self.entityTypes = Set(entities.map(\.type))
        self.dataClass = entities.isEmpty ? .public : .restricted
    }

    /// The same classification with its class raised to at least `floor` (for instance from a request
    /// header or tenant metadata). A classification is never lowered this way.
    public func raised(to floor: DataClass) -> Classification {
        var copy = self
        copy.dataClass = max(dataClass, floor)
        return copy
    }
}
