import ArgumentParser
import Inference

extension SpeculationMode: ExpressibleByArgument {}

/// `--speculative`, `--draft-model`, `--draft-max`, shared by run, bench and serve.
struct SpeculationOptionGroup: ParsableArguments {
    @Option(help: "Speculative decoding: 'lookup' (n-grams of the prompt and output) or 'draft' (with --draft-model).")
    var speculative: SpeculationMode?

    @Option(name: .customLong("draft-model"), help: "A GGUF draft model sharing the target's vocabulary (implies --speculative draft).")
    var draftModel: String?

    @Option(name: .customLong("draft-max"), help: "Most tokens drafted per verification pass (1...64).")
    var draftMax: Int = 8

    func validate() throws {
        guard (1...64).contains(draftMax) else { throw ValidationError("--draft-max must be in 1...64") }
        if speculative == .draft && draftModel == nil { throw ValidationError("--speculative draft needs --draft-model PATH") }
        if speculative == .lookup && draftModel != nil { throw ValidationError("--draft-model goes with --speculative draft") }
    }

    var mode: SpeculationMode? { speculative ?? (draftModel != nil ? .draft : nil) }

    /// The configuration, loading the draft model with `options` (nil when speculation is off).
    func configuration(options: ModelOptions) throws -> SpeculationConfig? {
        guard let mode else { return nil }
        var config = SpeculationConfig(mode: mode, draftMax: draftMax)
        if mode == .draft, let path = draftModel {
            do { config.draft = try Engine(path: path, options: options) } catch {
                throw CLIError("draft model: \(error.description)")
            }
        }
        return config
    }
}
