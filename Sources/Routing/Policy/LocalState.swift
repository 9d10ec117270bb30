/// What the edge runtime reports about itself at decision time.
public struct LocalState: Sendable, Equatable {
    /// Context length of the local model, in tokens.
    public var contextSize: Int
    /// Estimated wait before a new request starts decoding locally, in milliseconds.
    public var estimatedQueueWaitMs: Double
    /// False when the local model is not loaded or failing (error, out of memory): it cannot serve now.
    public var isHealthy: Bool
    /// True when admission would refuse a new request (queue full, memory budget exhausted).
    public var isOverloaded: Bool

    /// Creates a state; by default a healthy, idle runtime.
    public init(contextSize: Int, estimatedQueueWaitMs: Double = 0, isHealthy: Bool = true, isOverloaded: Bool = false) {
        self.contextSize = contextSize
        self.estimatedQueueWaitMs = estimatedQueueWaitMs
        self.isHealthy = isHealthy
        self.isOverloaded = isOverloaded
    }

    /// Whether the edge can take a request at all right now.
    public var canServe: Bool { isHealthy && !isOverloaded }
}
