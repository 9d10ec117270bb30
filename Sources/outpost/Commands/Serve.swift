import ArgumentParser
import Foundation
import Inference
import Server

extension Outpost {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve models over an OpenAI-compatible HTTP API.",
            discussion: """
            Endpoints: POST /v1/chat/completions, POST /v1/completions (streaming with "stream": true), \
            GET /v1/models, GET /health (503 while loading), GET /metrics (Prometheus).
            Models are named by file name without .gguf, or NAME=PATH. Flags override the --config YAML file.
            SIGTERM/SIGINT: stop accepting, let streams finish (up to shutdown_grace_seconds), exit 0.
            """)

        @Option(name: .long, help: "A GGUF model to serve, as PATH or NAME=PATH (repeatable).")
        var model: [String] = []

        @Option(name: .long, help: "Address to listen on (default 127.0.0.1).")
        var host: String?

        @Option(name: .long, help: "Port to listen on (default 8080; 0 picks a free one).")
        var port: Int?

        @Option(name: .customLong("api-key-file"), help: "File of API keys, one per line; requests then need Authorization: Bearer KEY.")
        var apiKeyFile: String?

        @Option(name: .long, help: "Sequences batched together per model (default 4).")
        var parallel: Int?

        @Option(name: .long, help: "Context size of each sequence in tokens (default 4096).")
        var ctx: Int?

        @Option(name: .long, help: "Compute threads per model (default: the number of cores).")
        var threads: Int?

        @Option(name: .customLong("max-queue"), help: "Requests that may wait for a slot before 429 (default 32).")
        var maxQueue: Int?

        @Option(name: .customLong("kv-type"), help: "KV cache element type: f16 (default) or f32.")
        var kvType: KVCacheType?

        @Option(name: .long, help: "YAML configuration file (see README).")
        var config: String?

        @Flag(name: .long, help: "Use the portable kernels instead of the CPU's SIMD path.")
        var generic = false

        @Flag(name: .customLong("batch-invariant"), help: "Compute every row as a one-token pass would: a greedy answer does not depend on the prefix cache, prompt chunking or other requests (slower prefill).")
        var batchInvariant = false

        @Option(help: "Speculative decoding in the server: 'lookup' (prompt n-grams; verified in the batched pass).")
        var speculative: SpeculationMode?

        @Option(name: .customLong("draft-max"), help: "Most tokens drafted per sequence and pass (1...64, default 8).")
        var draftMax: Int?

        func validate() throws {
            if let port, !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535") }
            if let parallel, !(1...256).contains(parallel) { throw ValidationError("--parallel must be in 1...256") }
            if let ctx, !(2...(1 << 20)).contains(ctx) { throw ValidationError("--ctx must be in 2...1048576") }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be in 1...256") }
            if let maxQueue, maxQueue < 0 { throw ValidationError("--max-queue must be non-negative") }
            if speculative == .draft { throw ValidationError("the server supports --speculative lookup only (no draft model)") }
            if let draftMax, !(1...64).contains(draftMax) { throw ValidationError("--draft-max must be in 1...64") }
        }

        func configuration() throws -> ServerConfiguration {
            var c = ServerConfiguration()
            if let config {
                do { try c.apply(file: config) } catch { throw CLIError(error.description) }
            }
            if !model.isEmpty { c.models = model.map(ServerConfiguration.ModelSpec.init(argument:)) }
            if let host { c.host = host }
            if let port { c.port = port }
            if let apiKeyFile {
                do { c.apiKeys = try ServerConfiguration.readKeys(file: apiKeyFile) } catch { throw CLIError(error.description) }
            }
            if let parallel { c.scheduler.parallel = parallel }
            if let ctx { c.scheduler.contextSize = ctx }
            if let threads { c.threads = threads }
            if let maxQueue { c.scheduler.maxQueue = maxQueue }
            if let kvType { c.kvCacheType = kvType }
            if batchInvariant { c.batchInvariant = true }
            if speculative == .lookup || (draftMax != nil && c.scheduler.speculation != nil) {
                c.scheduler.speculation = PromptLookupSettings(draftMax: draftMax ?? c.scheduler.speculation?.draftMax ?? 8)
            }
            c.genericKernels = generic || ProcessInfo.processInfo.environment["OUTPOST_GENERIC_KERNELS"] == "1"
            guard !c.models.isEmpty else { throw CLIError("no model to serve: pass --model PATH or list models in --config") }
            for m in c.models where !FileManager.default.fileExists(atPath: m.path) {
                throw CLIError("model file not found: \(m.path) (run scripts/fetch-models to get the reference models)")
            }
            return c
        }

        func run() async throws {
            let c = try configuration()
            Kernels.initialize(forceGeneric: c.genericKernels)
            let server: OutpostServer
            do { server = try OutpostServer(configuration: c) } catch { throw CLIError(error.description) }
            do {
                try await server.run { port in
                    printError("outpost: listening on http://\(c.host):\(port) (models: \(c.models.map(\.name).joined(separator: ", ")); parallel \(c.scheduler.parallel), ctx \(c.scheduler.contextSize))")
                }
            } catch let error as ModelHostError {
                throw CLIError(error.description)
            }
            printError("outpost: stopped")
        }
    }
}
