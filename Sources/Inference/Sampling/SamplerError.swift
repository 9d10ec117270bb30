/// A sampler setting that cannot be used, with the parameter it concerns and why.
///
/// Kept small and stable on purpose: callers (the CLI, the HTTP server) show `description`
/// to the user or map `parameter` onto an API error's `param` field.
public struct SamplerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The `SamplerConfig` property that was rejected, e.g. `"topP"`.
    public let parameter: String
    /// What is wrong and what is accepted, e.g. `"must be in (0, 1], got 1.5"`.
    public let reason: String

    public init(parameter: String, reason: String) {
        self.parameter = parameter
        self.reason = reason
    }

    public var description: String { "invalid sampler setting \(parameter): \(reason)" }
}
