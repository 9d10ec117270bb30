import ArgumentParser
import Bench
import ControlPlane
import FleetCore
import Foundation
import Inference

extension Outpost {
    struct Fleet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fleet",
            abstract: "The fleet control plane: serve it, publish models to it, load-test it.",
            subcommands: [FleetServe.self, FleetPublish.self, FleetLoadTest.self])
    }
}

/// Reads a one-line secret file (trailing whitespace ignored).
func readSecret(_ path: String, what: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(what) file \(path)") }
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { throw CLIError("\(what) file \(path) is empty") }
    return text
}

struct FleetServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the control plane: JSON API (/api/v1, /openapi.yaml), dashboard (/dashboard), rollout controller.")

    @Option(help: "Database: sqlite:PATH (default sqlite:fleet.db) or postgres://user[:password]@host[:port]/database.")
    var db: String = "sqlite:fleet.db"
    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.")
    var port: Int = 8090
    @Option(name: .customLong("admin-token-file"), help: "File holding the admin bearer token.")
    var adminTokenFile: String
    @Option(name: .customLong("signing-key"), help: "Ed25519 key (PEM or base64) that signs desired states; created if missing.")
    var signingKey: String = "fleet-signing.key"
    @Option(name: .customLong("trust-key"), help: "Public key file of a publisher whose manifests are accepted (repeatable; default: the signing key).")
    var trustKeys: [String] = []
    @Option(help: "Directory for uploaded model artifacts.")
    var artifacts: String = "fleet-artifacts"
    @Option(name: .customLong("public-url"), help: "URL devices reach this control plane at (default http://HOST:PORT).")
    var publicURL: String?
    @Option(name: .customLong("controller-interval"), help: "Seconds between rollout evaluations.")
    var controllerInterval: Double = 15
    @Option(name: .customLong("pg-connections"), help: "PostgreSQL connections per event loop.")
    var pgConnections: Int = 8

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard controllerInterval >= 0.1, controllerInterval <= 86_400 else { throw ValidationError("--controller-interval must be 0.1…86400 s") }
        guard (1...256).contains(pgConnections) else { throw ValidationError("--pg-connections must be 1…256") }
    }

    func run() async throws {
        let token = try readSecret(adminTokenFile, what: "admin token")
        let key: SigningKey
        if FileManager.default.fileExists(atPath: signingKey) {
            do { key = try SigningKey(pemOrBase64File: signingKey) } catch { throw CLIError("signing key \(signingKey): \(error)") }
        } else {
            key = SigningKey.generate()
            do { try key.write(to: signingKey) } catch { throw CLIError("cannot write a new signing key to \(signingKey): \(error)") }
            printError("created signing key \(signingKey) (key id \(key.keyID))")
        }
        var publishers: [PublicKey] = []
        for file in trustKeys {
            do { publishers += Array(try TrustRoot(publicKeyFile: file).keys.values) } catch { throw CLIError("trust key \(file): \(error)") }
        }
        let store: SQLFleetStore
        do {
            let location = try DatabaseLocation(parsing: db)
            store = try SQLFleetStore(location, postgresConnectionsPerLoop: pgConnections)
            try await store.migrate()
        } catch let error as StoreError {
            throw CLIError(error.description)
        }
        let configuration = ControlPlaneConfiguration(
            host: host, port: port, adminToken: token, signingKey: key, trustedPublishers: publishers,
            artifactsDirectory: artifacts, publicURL: publicURL, controllerInterval: controllerInterval)
        let server = ControlPlaneServer(store: store, configuration: configuration)
        let where_ = store.location.description
        try await server.run { port in
            printError("outpost fleet: listening on http://\(host):\(port) (database \(where_), signing key \(key.keyID.prefix(16))…)")
        }
        await store.shutdown()
    }
}

struct FleetPublish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Register a GGUF variant with the control plane: facts (size, sha256, quantization, parameters, memory by context, quality), signed manifest, artifact upload.")

    @Option(help: "The GGUF file.")
    var model: String
    @Option(help: "Model name (e.g. assistant).")
    var name: String
    @Option(help: "Model version (e.g. 2).")
    var version: String
    @Option(name: .customLong("control-plane"), help: "Control plane URL, e.g. http://127.0.0.1:8090.")
    var controlPlane: String
    @Option(name: .customLong("admin-token-file"), help: "File holding the admin bearer token.")
    var adminTokenFile: String
    @Option(name: .customLong("signing-key"), help: "Ed25519 key (PEM or base64) that signs the manifest.")
    var signingKey: String
    @Option(name: .customLong("eval-text"), help: "UTF-8 text to measure perplexity on (the quality figure placement's floor uses).")
    var evalText: String?
    @Option(help: "Reference GGUF (e.g. the F16 or Q8_0 source) to measure KL divergence against on --eval-text.")
    var reference: String?
    @Option(name: .customLong("health-prompt"), help: "Prompt of the health probe devices run after activating this variant.")
    var healthPrompt: String = "The capital of France is"
    @Option(name: .customLong("health-expect"), help: "Expected start of the probe's greedy output (default: this variant's own output, measured now).")
    var healthExpect: String?
    @Option(name: .customLong("health-max-ms"), help: "Latency bound of the probe (load and generation) on a device.")
    var healthMaxMs: Double = 30_000
    @Option(help: "Context size for the perplexity measurement.")
    var ctx: Int = 512
    @Option(name: .customLong("requires"), help: "CPU feature the variant needs (repeatable), e.g. avx2.")
    var requiredFeatures: [String] = []
    @Option(name: .customLong("valid-days"), help: "Days the manifest stays valid.")
    var validDays: Double = 365
    @Flag(name: .customLong("no-upload"), help: "Register facts and manifest only; do not upload the file.")
    var noUpload = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("model file not found: \(model)") }
        guard (8...32768).contains(ctx) else { throw ValidationError("--ctx must be 8…32768") }
        guard validDays > 0, validDays <= 3650 else { throw ValidationError("--valid-days must be in (0, 3650]") }
    }

    func run() async throws {
        let token = try readSecret(adminTokenFile, what: "admin token")
        let key: SigningKey
        do { key = try SigningKey(pemOrBase64File: signingKey) } catch { throw CLIError("signing key \(signingKey): \(error)") }
        if reference != nil && evalText == nil { throw CLIError("--reference needs --eval-text (the text both models are compared on)") }
        Kernels.initialize(forceGeneric: false)
        var perplexity: Double?
        var kl: Double?
        if let evalText, let reference {
            guard let data = FileManager.default.contents(atPath: evalText), let text = String(data: data, encoding: .utf8) else {
                throw CLIError("cannot read --eval-text \(evalText) as UTF-8")
            }
            let options = ModelOptions(threads: ProcessInfo.processInfo.activeProcessorCount, maxBatch: min(512, ctx))
            do {
                let r = try Quality.compare(reference: try Engine(path: reference, options: options),
                                            candidate: try Engine(path: model, options: options), text: text, contextSize: ctx)
                perplexity = r.candidatePerplexity
                kl = r.klMean
                printError("perplexity \(fixed(r.candidatePerplexity, 4)) (reference \(fixed(r.referencePerplexity, 4))), KL divergence mean \(fixed(r.klMean, 5)) over \(r.scoredTokens) tokens")
            } catch { throw CLIError(error.description) }
        } else if let evalText {
            guard let data = FileManager.default.contents(atPath: evalText), let text = String(data: data, encoding: .utf8) else {
                throw CLIError("cannot read --eval-text \(evalText) as UTF-8")
            }
            let engine: Engine
            do {
                engine = try Engine(path: model, options: ModelOptions(threads: ProcessInfo.processInfo.activeProcessorCount, maxBatch: min(512, ctx)))
            } catch { throw CLIError(error.description) }
            do {
                let result = try Perplexity.run(engine: engine, text: text, contextSize: ctx)
                perplexity = result.perplexity
                printError("perplexity \(fixed(result.perplexity, 4)) over \(result.chunks) chunks of \(ctx) tokens")
            } catch { throw CLIError(error.description) }
        }
        let url = URL(fileURLWithPath: model)
        let facts: VariantFacts
        do {
            facts = try VariantFacts.read(modelAt: url, name: name, version: version, requiredFeatures: requiredFeatures,
                                          perplexity: perplexity, klDivergence: kl)
        } catch { throw CLIError(error.description) }
        let probe = try healthProbe()
        printError("health probe: \(String(reflecting: probe.prompt)) must continue with \(String(reflecting: probe.expectedPrefix)) within \(Int(probe.maxLatencyMs)) ms")
        let manifest: DSSEEnvelope
        do {
            var statement = try ModelManifest.make(files: [url], name: name, version: version, now: Date(),
                                                   validFor: validDays * 86_400, quantization: facts.quantization,
                                                   parameterCount: facts.parameterCount)
            statement.predicate.healthProbe = probe
            manifest = try statement.signed(with: key)
        } catch { throw CLIError("signing the manifest: \(error)") }
        let client = FleetHTTPClient(baseURL: controlPlane)
        do {
            let view = try await client.call(VariantView.self, .POST, "/api/v1/models", token: token,
                                             body: PublishVariantRequest(facts: facts, manifest: manifest))
            printError("registered \(view.model) \(view.version) variant \(view.variant): \(facts.quantization), \(facts.sizeBytes) bytes, sha256 \(facts.sha256)")
            if !noUpload {
                let path = "/api/v1/models/\(view.model)/versions/\(view.version)/variants/\(view.variant)/artifact"
                _ = try await client.upload(file: url, to: path, token: token)
                printError("uploaded \(url.lastPathComponent) to \(view.artifactURL)")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(facts), as: UTF8.self))
        } catch {
            await client.shutdown()
            throw CLIError("publishing to \(controlPlane): \(error)")
        }
        await client.shutdown()
    }
}

extension FleetPublish {
    /// The probe devices run after activating this variant: the expected text is given, or this variant's
    /// own greedy output now (so a device whose runtime or file produces something else fails it).
    func healthProbe() throws -> HealthProbe {
        if let healthExpect { return HealthProbe(prompt: healthPrompt, expectedPrefix: healthExpect, maxTokens: 4, maxLatencyMs: healthMaxMs) }
        do {
            let engine = try Engine(path: model, options: ModelOptions(threads: ProcessInfo.processInfo.activeProcessorCount, maxBatch: 64))
            let ids = engine.promptTokens(healthPrompt)
            let result = try Generator(engine: engine).generate(
                GenerationRequest(prompt: ids, maxTokens: 4, sampler: .greedy, stopAtEndOfGeneration: false),
                contextSize: ids.count + 8)
            return HealthProbe(prompt: healthPrompt, expectedPrefix: result.text, maxTokens: 4, maxLatencyMs: healthMaxMs)
        } catch {
            throw CLIError("computing the health probe: \(error)")
        }
    }
}

struct FleetLoadTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Simulate devices heartbeating against one or more control-plane instances; report p50/p99 latency and errors.")

    @Option(name: .customLong("url"), help: "Control plane URL (repeat for several instances; device i uses URL i mod count).")
    var urls: [String]
    @Option(name: .customLong("admin-token-file"), help: "File holding the admin bearer token.")
    var adminTokenFile: String
    @Option(help: "Number of simulated devices.")
    var devices: Int = 10_000
    @Option(help: "Heartbeat interval per device, e.g. 30s or 1m.")
    var interval: String = "30s"
    @Option(help: "How long to heartbeat, e.g. 2m.")
    var duration: String = "2m"
    @Option(name: .customLong("connections"), help: "HTTP connections per instance.")
    var connections: Int = 64

    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.hasSuffix("ms"), let v = Double(t.dropLast(2)) { return v / 1000 }
        if t.hasSuffix("s"), let v = Double(t.dropLast()) { return v }
        if t.hasSuffix("m"), let v = Double(t.dropLast()) { return v * 60 }
        if t.hasSuffix("h"), let v = Double(t.dropLast()) { return v * 3600 }
        return Double(t)
    }

    func validate() throws {
        guard !urls.isEmpty else { throw ValidationError("give at least one --url") }
        guard (1...1_000_000).contains(devices) else { throw ValidationError("--devices must be 1…1000000") }
        guard let i = Self.seconds(interval), i > 0, i <= 3600 else { throw ValidationError("--interval must be a duration like 30s (max 1h)") }
        guard let d = Self.seconds(duration), d > 0, d <= 86_400 else { throw ValidationError("--duration must be a duration like 2m (max 24h)") }
        guard (1...4096).contains(connections) else { throw ValidationError("--connections must be 1…4096") }
        _ = (i, d)
    }

    func run() async throws {
        let token = try readSecret(adminTokenFile, what: "admin token")
        let configuration = LoadTestConfiguration(urls: urls, adminToken: token, devices: devices,
                                                  interval: Self.seconds(interval) ?? 30, duration: Self.seconds(duration) ?? 120,
                                                  connectionsPerURL: connections)
        let report: LoadTestReport
        do {
            report = try await LoadTest.run(configuration) { printError($0) }
        } catch {
            throw CLIError("load test: \(error)")
        }
        print("load test against \(urls.joined(separator: ", ")): \(devices) devices, heartbeat every \(interval) for \(duration)")
        print(report.description)
    }
}
