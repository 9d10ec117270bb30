/// What the policy needs to know about the cloud side at decision time: a snapshot, so that
/// `RoutingPolicy.decide(request:classification:local:cloud:)` stays a pure function.
public struct CloudState: Sendable, Equatable {
    /// Upstreams whose circuit breaker refuses requests right now.
    public var openCircuits: Set<String>
    /// Today's spend and caps.
    public var budget: BudgetSnapshot

    /// Creates a snapshot.
    public init(openCircuits: Set<String> = [], budget: BudgetSnapshot) {
        self.openCircuits = openCircuits
        self.budget = budget
    }
}
