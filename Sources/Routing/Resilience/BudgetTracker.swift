import Foundation

/// Daily caps on cloud tokens and cost, reset at UTC midnight. Thread-safe.
///
/// `record` adds what a cloud call actually used; `canSpend` and `snapshot` report against the caps.
/// With `BudgetSettings.stateFile` set, each record rewrites a small JSON file atomically (temporary
/// file + rename), and a tracker created the same UTC day resumes from it; a file from an earlier
/// day is ignored.
public final class BudgetTracker: @unchecked Sendable {
    /// Caps, prices and state file.
    public let settings: BudgetSettings
    private let clock: any RoutingClock
    private let lock = NSLock()
    private var day: String
    private var spend: [String: UpstreamSpend] = [:]

    /// Creates a tracker, resuming today's spend from `settings.stateFile` when it exists.
    /// Throws when the file exists but cannot be read or parsed: starting from zero would silently
    /// allow spending the day's budget twice.
    public init(settings: BudgetSettings, clock: any RoutingClock = SystemClock()) throws(BudgetStoreError) {
        self.settings = settings
        self.clock = clock
        day = UTCDay.key(secondsSince1970: clock.now().timeIntervalSince1970)
        if let path = settings.stateFile, let state = try BudgetFile.load(path: path), state.day == day {
            spend = state.upstreams
        }
    }

    /// Whether a cloud call of about `estimatedTokens` tokens and `estimatedCost` fits today's caps.
    public func canSpend(estimatedTokens: Int, estimatedCost: Double = 0) -> Bool {
        snapshot().allows(tokens: estimatedTokens, cost: estimatedCost)
    }

    /// Adds a finished cloud call to today's spend (cost from the configured prices) and persists it.
    /// The spend is counted even when persisting fails; the error is then thrown for logging.
    @discardableResult
    public func record(upstream: String, promptTokens: Int, completionTokens: Int) throws(BudgetStoreError) -> BudgetSnapshot {
        let now = clock.now()
        let cost = settings.cost(upstream: upstream, promptTokens: promptTokens, completionTokens: completionTokens)
        // Persisting under the lock keeps the file in step with memory: a slower writer can never
        // overwrite a newer state with an older one. One small file write per cloud call.
        lock.lock()
        defer { lock.unlock() }
        rollOver(now)
        var entry = spend[upstream] ?? UpstreamSpend()
        entry.promptTokens += max(0, promptTokens)
        entry.completionTokens += max(0, completionTokens)
        entry.cost += max(0, cost)
        spend[upstream] = entry
        if let path = settings.stateFile { try BudgetFile(day: day, upstreams: spend).save(path: path) }
        return makeSnapshot()
    }

    /// Today's spend and caps at `now` (default: the clock's time).
    public func snapshot(at now: Date? = nil) -> BudgetSnapshot {
        let now = now ?? clock.now()
        return lock.withLock {
            rollOver(now)
            return makeSnapshot()
        }
    }

    /// Starts a new day's spend when `now` is past midnight UTC. Call with the lock held.
    private func rollOver(_ now: Date) {
        let today = UTCDay.key(secondsSince1970: now.timeIntervalSince1970)
        // Only forwards: a clock stepping back must not resurrect a finished day's budget.
        if today > day {
            day = today
            spend = [:]
        }
    }

    private func makeSnapshot() -> BudgetSnapshot {
        var tokens = 0
        var cost = 0.0
        for entry in spend.values {
            tokens += entry.promptTokens + entry.completionTokens
            cost += entry.cost
        }
        return BudgetSnapshot(day: day, tokensUsed: tokens, costUsed: cost, tokenCap: settings.dailyCloudTokens,
                              costCap: settings.dailyCost, byUpstream: spend)
    }
}
