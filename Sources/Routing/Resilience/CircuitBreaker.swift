import Foundation

/// A per-upstream circuit breaker: closed → open after N consecutive failures → half-open after the
/// cooldown, letting one probe through → closed when the probe succeeds, open again when it fails.
///
/// Thread-safe. Callers ask `tryAcquire()` before an attempt and report its outcome with
/// `recordSuccess()` or `recordFailure()`. A probe that never reports (cancelled, lost) holds the
/// half-open slot for one cooldown at most; after that another probe is allowed. Results of attempts
/// started before the circuit opened are ignored while it is open, so a burst of stale failures does
/// not extend the cooldown and a stale success does not close it without a probe.
public final class CircuitBreaker: @unchecked Sendable {
    /// The breaker's state.
    public enum State: Sendable, Equatable {
        /// Requests flow; `consecutiveFailures` counts towards the threshold.
        case closed(consecutiveFailures: Int)
        /// Requests are refused until `until`.
        case open(until: Date)
        /// The cooldown is over; one probe may run (`probeInFlight` tells whether it has started).
        case halfOpen(probeInFlight: Bool)
    }

    /// Threshold and cooldown.
    public let settings: CircuitBreakerSettings
    private let clock: any RoutingClock
    private let lock = NSLock()
    private var stored: Stored = .closed(failures: 0)

    private enum Stored {
        case closed(failures: Int)
        case open(since: Date)
        case halfOpen(probeStarted: Date?)
    }

    /// Creates a closed breaker.
    public init(settings: CircuitBreakerSettings, clock: any RoutingClock = SystemClock()) {
        self.settings = settings
        self.clock = clock
    }

    /// The state at `now` (an open circuit whose cooldown has passed reads as half-open).
    public func state(at now: Date? = nil) -> State {
        let now = now ?? clock.now()
        return lock.withLock {
            switch advanced(now) {
            case .closed(let failures): return .closed(consecutiveFailures: failures)
            case .open(let since): return .open(until: since.addingTimeInterval(settings.cooldownSeconds))
            case .halfOpen(let started): return .halfOpen(probeInFlight: started.map { !probeExpired($0, now) } ?? false)
            }
        }
    }

    /// Whether `tryAcquire()` would grant an attempt at `now`, without taking it.
    public func wouldAllow(at now: Date? = nil) -> Bool {
        switch state(at: now) {
        case .closed: return true
        case .open: return false
        case .halfOpen(let probeInFlight): return !probeInFlight
        }
    }

    /// Asks to make an attempt: always granted when closed, never while open, once per probe slot when half-open.
    public func tryAcquire() -> Bool {
        let now = clock.now()
        return lock.withLock {
            switch advanced(now) {
            case .closed:
                return true
            case .open:
                return false
            case .halfOpen(let started):
                if let started, !probeExpired(started, now) { return false }
                stored = .halfOpen(probeStarted: now)
                return true
            }
        }
    }

    /// Reports a successful attempt: resets the failure count, closes a half-open circuit.
    public func recordSuccess() {
        let now = clock.now()
        lock.withLock {
            switch advanced(now) {
            case .closed, .halfOpen: stored = .closed(failures: 0)
            case .open: break
            }
        }
    }

    /// Reports a failed attempt (error or timeout): counts towards the threshold, reopens a half-open circuit.
    public func recordFailure() {
        let now = clock.now()
        lock.withLock {
            switch advanced(now) {
            case .closed(let failures):
                stored = failures + 1 >= settings.failureThreshold ? .open(since: now) : .closed(failures: failures + 1)
            case .halfOpen:
                stored = .open(since: now)
            case .open:
                break
            }
        }
    }

    /// Applies the open → half-open transition due at `now`. Call with the lock held.
    private func advanced(_ now: Date) -> Stored {
        if case .open(let since) = stored, now.timeIntervalSince(since) >= settings.cooldownSeconds {
            stored = .halfOpen(probeStarted: nil)
        }
        return stored
    }

    private func probeExpired(_ started: Date, _ now: Date) -> Bool {
        now.timeIntervalSince(started) >= settings.cooldownSeconds
    }
}

/// One breaker per configured upstream.
public final class CircuitBreakerRegistry: Sendable {
    /// Breakers by upstream name.
    public let breakers: [String: CircuitBreaker]

    /// Creates closed breakers for `upstreams`, with their own settings.
    public init(upstreams: [UpstreamConfig], clock: any RoutingClock = SystemClock()) {
        var breakers: [String: CircuitBreaker] = [:]
        for upstream in upstreams {
            breakers[upstream.name] = CircuitBreaker(settings: upstream.circuitBreaker, clock: clock)
        }
        self.breakers = breakers
    }

    /// The breaker of an upstream.
    public subscript(upstream: String) -> CircuitBreaker? { breakers[upstream] }

    /// Upstreams whose breaker would refuse an attempt at `now`.
    public func refusing(at now: Date) -> Set<String> {
        Set(breakers.filter { !$0.value.wouldAllow(at: now) }.keys)
    }
}
