import Foundation

/// The wall clock, injectable so tests can move time (breaker cooldowns, budget days).
public protocol RoutingClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: RoutingClock {
    /// Creates the system clock.
    public init() {}

    public func now() -> Date { Date() }
}
