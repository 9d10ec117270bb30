/// Where inference should run.
public enum Placement: String, Sendable, Codable, CaseIterable {
    /// On the device only.
    case edge
    /// On the device first, escalating to the cloud by the router's rules.
    case hybrid
    /// In the cloud; the device at most as a fallback.
    case cloud
}

/// The sensitivity of the data a workload handles.
public enum DataClass: String, Sendable, Codable, CaseIterable {
    case `public`, `internal`, restricted
}

/// What the model is asked to do; it sets how large a model the task needs.
public enum TaskKind: String, Sendable, Codable, CaseIterable {
    case classification, extraction, summarization, qa, reasoning, code

    /// Parameters a local model needs for the task, a rule of thumb: small models classify and extract
    /// well; summaries and answers want a few hundred million parameters; multi-step reasoning and code
    /// generation want billions.
    public var minimumParameters: Int {
        switch self {
        case .classification, .extraction: return 100_000_000
        case .summarization, .qa: return 300_000_000
        case .code: return 1_500_000_000
        case .reasoning: return 7_000_000_000
        }
    }
}

/// A local model variant the device could run.
public struct LocalVariant: Sendable, Codable, Equatable {
    public var name: String
    public var path: String
    public var parameterCount: Int
    /// Memory to run it at the planned context (weights, KV cache, scratch, process).
    public var memoryBytes: Int

    public init(name: String, path: String, parameterCount: Int, memoryBytes: Int) {
        self.name = name
        self.path = path
        self.parameterCount = parameterCount
        self.memoryBytes = memoryBytes
    }
}

/// The facts `EdgeCloudPlanner` decides from; every one is optional except the data class.
public struct PlanInput: Sendable, Codable {
    /// End-to-end latency the application needs, in milliseconds.
    public var latencySLOMilliseconds: Double?
    public var dataClass: DataClass
    public var tokensPerDay: Double?
    public var task: TaskKind?
    public var deviceRAMBytes: Int?
    /// Cloud price per 1,000 tokens.
    public var cloudPricePer1K: Double?
    /// Purchase cost of the device (same currency as the cloud price).
    public var deviceCost: Double?
    public var amortizeMonths: Int
    public var variants: [LocalVariant]
    /// Context the router configuration sets, in tokens.
    public var contextSize: Int
    /// The cloud endpoint the router snippet names.
    public var cloudBaseURL: String

    public init(latencySLOMilliseconds: Double? = nil, dataClass: DataClass = .internal, tokensPerDay: Double? = nil,
                task: TaskKind? = nil, deviceRAMBytes: Int? = nil, cloudPricePer1K: Double? = nil,
                deviceCost: Double? = nil, amortizeMonths: Int = 36, variants: [LocalVariant] = [],
                contextSize: Int = 2048, cloudBaseURL: String = "https://api.openai.com/v1") {
        self.latencySLOMilliseconds = latencySLOMilliseconds
        self.dataClass = dataClass
        self.tokensPerDay = tokensPerDay
        self.task = task
        self.deviceRAMBytes = deviceRAMBytes
        self.cloudPricePer1K = cloudPricePer1K
        self.deviceCost = deviceCost
        self.amortizeMonths = amortizeMonths
        self.variants = variants
        self.contextSize = contextSize
        self.cloudBaseURL = cloudBaseURL
    }
}

/// Why a plan could not be made.
public enum PlanError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self { case .invalid(let message): return message }
    }
}
