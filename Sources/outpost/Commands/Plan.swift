import ArgumentParser
import Foundation
import GGUF
import Inference
import Planning

extension Outpost {
    struct PlanCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Decide edge, hybrid or cloud from latency, data class, volume, task and device; print the router config.",
            discussion: "Latency under 150 ms needs the edge, 150-500 ms suits a hybrid, above 500 ms the cloud is viable; restricted data stays on the device or on premises; volume economics compare per-token cloud pricing with the amortized device.")

        @Option(name: .customLong("latency-slo"), help: "Latency SLO in milliseconds.")
        var latencySLO: Double?

        @Option(name: .customLong("data-class"), help: "public, internal or restricted.")
        var dataClass: Planning.DataClass = .internal

        @Option(name: .customLong("tokens-per-day"), help: "Tokens processed per day.")
        var tokensPerDay: Double?

        @Option(help: "classification, extraction, summarization, qa, reasoning or code.")
        var task: TaskKind?

        @Option(name: .customLong("device-ram"), help: "Device RAM in GB (GiB).")
        var deviceRAM: Double?

        @Option(name: .customLong("cloud-price-per-1k"), help: "Cloud price per 1,000 tokens.")
        var cloudPricePer1K: Double?

        @Option(name: .customLong("device-cost"), help: "Device purchase cost, same currency.")
        var deviceCost: Double?

        @Option(name: .customLong("amortize-months"), help: "Months the device cost is spread over.")
        var amortizeMonths: Int = 36

        @Option(name: .customLong("model"), help: "A local variant (GGUF) to consider; repeat for several.")
        var models: [String] = []

        @Option(help: "Context the memory of each variant is estimated at and the router config sets.")
        var ctx: Int = 2048

        @Option(name: .customLong("cloud-url"), help: "The OpenAI-compatible cloud endpoint for the router config.")
        var cloudURL: String = "https://api.openai.com/v1"

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            if let ram = deviceRAM, !(ram.isFinite && ram > 0 && ram < 1_048_576) { throw ValidationError("--device-ram must be a positive number of GB") }
            guard (2...(1 << 20)).contains(ctx) else { throw ValidationError("--ctx must be between 2 and 1048576") }
            for m in models where !FileManager.default.fileExists(atPath: m) { throw ValidationError("model file not found: \(m)") }
        }

        func run() throws {
            var variants: [LocalVariant] = []
            for path in models {
                do {
                    let file = try GGUFFile(path: path)
                    let memory = try MemoryEstimate(file: file, contextSize: ctx)
                    let params = file.tensors.reduce(0) { $0 + $1.elementCount }
                    variants.append(LocalVariant(name: URL(fileURLWithPath: path).lastPathComponent, path: path,
                                                 parameterCount: params, memoryBytes: memory.totalBytes))
                } catch let error as GGUFError {
                    throw CLIError("\(path): \(error.description)")
                } catch {
                    throw CLIError("\(path): \(error)")
                }
            }
            let input = PlanInput(
                latencySLOMilliseconds: latencySLO, dataClass: dataClass, tokensPerDay: tokensPerDay, task: task,
                deviceRAMBytes: deviceRAM.map { Int($0 * Double(1 << 30)) }, cloudPricePer1K: cloudPricePer1K,
                deviceCost: deviceCost, amortizeMonths: amortizeMonths, variants: variants, contextSize: ctx, cloudBaseURL: cloudURL)
            let plan: Plan
            do { plan = try EdgeCloudPlanner.plan(input) } catch { throw CLIError(error.description) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(plan), as: UTF8.self))
                return
            }
            print("recommendation: \(plan.recommendation.rawValue)")
            print("reasons:")
            for r in plan.reasons { print("  - \(r)") }
            if let e = plan.economics {
                print("economics (30-day months):")
                for line in e.arithmetic { print("  \(line)") }
            }
            if let v = plan.variant { print("local variant: \(v.name) (\(mib(v.memoryBytes)) at \(ctx) tokens)") }
            print("router config:")
            print(plan.routerConfig)
        }
    }
}

extension Planning.DataClass: ExpressibleByArgument {}
extension Planning.TaskKind: ExpressibleByArgument {}
