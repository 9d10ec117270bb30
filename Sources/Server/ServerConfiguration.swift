import Foundation
import Inference
import Routing
import Yams

/// Everything `outpost serve` needs, from flags and an optional YAML file (flags win).
public struct ServerConfiguration: Sendable {
    /// A model served under `name` (the file name without `.gguf` unless given as `name=path`).
    public struct ModelSpec: Sendable, Equatable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }

        /// Parses `PATH` or `NAME=PATH`.
        public init(argument: String) {
            if let eq = argument.firstIndex(of: "="), !argument[..<eq].contains("/") {
                name = String(argument[..<eq])
                path = String(argument[argument.index(after: eq)...])
            } else {
                path = argument
                var base = (argument as NSString).lastPathComponent
                if base.lowercased().hasSuffix(".gguf") { base = String(base.dropLast(5)) }
                name = base
            }
        }
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var models: [ModelSpec] = []
    /// Bearer keys; empty means no authentication.
    public var apiKeys: [String] = []
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var scheduler = SchedulerConfig()
    public var kvCacheType = KVCacheType.f16
    /// Every row computed as a one-token pass would (ModelOptions.batchInvariant): a greedy answer does not
    /// depend on the prefix cache, prompt chunking or the other requests in flight.
    public var batchInvariant = false
    /// Largest request body accepted (413 beyond).
    public var maxBodyBytes = 1 << 20
    /// Memory all models together may take (weights + KV caches + scratch + overhead); nil: 90% of what
    /// the machine (or its cgroup) makes available.
    public var memoryBudgetBytes: Int?
    /// Seconds in-flight streams get to finish after SIGTERM/SIGINT before they are cancelled.
    public var shutdownGraceSeconds = 10.0
    /// Use the portable kernels (comparisons, tests).
    public var genericKernels = false
    /// Edge/cloud routing (the `routing:` section); nil serves everything locally.
    public var routing: RoutingConfig?

    public init() {}

    /// How every served model is loaded: the threads, a pass of at most 512 tokens (or the context), the
    /// KV cache type and batch invariance.
    public var modelOptions: ModelOptions {
        ModelOptions(threads: threads, maxBatch: min(512, scheduler.contextSize), kvCacheType: kvCacheType,
                     batchInvariant: batchInvariant)
    }

    /// Applies a YAML document. Unknown keys are errors, so a typo never silently does nothing.
    ///
    /// ```yaml
    /// host: 0.0.0.0
    /// port: 8080
    /// models: [{name: smollm2, path: models/SmolLM2-135M-Instruct.Q4_1.gguf}]
    /// api_keys: [sk-local-1]          # or api_key_file: keys.txt
    /// parallel: 4
    /// ctx: 4096
    /// threads: 2
    /// max_queue: 32
    /// prefill_chunk: 128
    /// prefix_cache: true
    /// speculative: lookup              # prompt-lookup speculative decoding (off by default)
    /// draft_max: 8                     # implies speculative: lookup
    /// kv_type: f16
    /// batch_invariant: false           # true: output independent of batching and caching (slower prefill)
    /// max_body_bytes: 1048576
    /// memory_budget_mb: 2048
    /// shutdown_grace_seconds: 10
    /// ```
    public mutating func apply(yaml text: String, baseDirectory: String) throws(ConfigurationError) {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw .invalid("the config is not valid YAML: \(error)") }
        guard let root = node as? [String: Any] else { throw .invalid("the config must be a YAML mapping") }
        for (key, value) in root {
            switch key {
            case "host": host = try string(value, key)
            case "port": port = try int(value, key, 0...65535)
            case "models":
                guard let list = value as? [Any] else { throw .invalid("'models' must be a list") }
                for item in list {
                    if let path = item as? String {
                        models.append(ModelSpec(argument: resolve(path, baseDirectory)))
                    } else if let map = item as? [String: Any], let path = map["path"] as? String {
                        var spec = ModelSpec(argument: resolve(path, baseDirectory))
                        if let name = map["name"] as? String { spec.name = name }
                        models.append(spec)
                    } else {
                        throw .invalid("each entry of 'models' is a path or {name, path}")
                    }
                }
            case "api_keys":
                guard let keys = value as? [Any] else { throw .invalid("'api_keys' must be a list of strings") }
                apiKeys += try keys.map { v throws(ConfigurationError) in try string(v, key) }
            case "api_key_file": apiKeys += try Self.readKeys(file: resolve(try string(value, key), baseDirectory))
            case "parallel": scheduler.parallel = try int(value, key, 1...256)
            case "ctx": scheduler.contextSize = try int(value, key, 2...(1 << 20))
            case "threads": threads = try int(value, key, 1...256)
            case "max_queue": scheduler.maxQueue = try int(value, key, 0...100_000)
            case "prefill_chunk": scheduler.prefillChunk = try int(value, key, 1...4096)
            case "prefix_cache":
                guard let b = value as? Bool else { throw .invalid("'prefix_cache' must be true or false") }
                scheduler.prefixCache = b
            case "speculative":
                guard try string(value, key) == "lookup" else { throw .invalid("'speculative' must be lookup (the server has no draft model)") }
                scheduler.speculation = PromptLookupSettings(draftMax: scheduler.speculation?.draftMax ?? 8)
            case "draft_max":
                let k = try int(value, key, 1...64)
                scheduler.speculation = PromptLookupSettings(draftMax: k, ngramMax: scheduler.speculation?.ngramMax ?? 8)
            case "kv_type":
                guard let t = KVCacheType(rawValue: try string(value, key)) else { throw .invalid("'kv_type' must be f16 or f32") }
                kvCacheType = t
            case "batch_invariant":
                guard let b = value as? Bool else { throw .invalid("'batch_invariant' must be true or false") }
                batchInvariant = b
            case "max_body_bytes": maxBodyBytes = try int(value, key, 1024...(1 << 30))
            case "memory_budget_mb": memoryBudgetBytes = try int(value, key, 1...(1 << 24)) << 20
            case "shutdown_grace_seconds": shutdownGraceSeconds = Double(try int(value, key, 0...3600))
            case "routing":
                guard let table = value as? [String: Any] else { throw .invalid("'routing' must be a mapping") }
                do { routing = try RoutingConfig(dictionary: table) } catch { throw .invalid("routing: \(error)") }
            default:
                throw .invalid("unknown config key '\(key)'")
            }
        }
    }

    /// Applies the YAML file at `path`; relative paths in it resolve against its directory.
    public mutating func apply(file path: String) throws(ConfigurationError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .invalid("cannot read the config file \(path)")
        }
        do { try apply(yaml: text, baseDirectory: (path as NSString).deletingLastPathComponent) } catch {
            throw .invalid("\(path): \(error.description)")
        }
    }

    /// Keys, one per line; blank lines and `#` comments ignored.
    public static func readKeys(file: String) throws(ConfigurationError) -> [String] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw .invalid("cannot read the API key file \(file)")
        }
        let keys = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !keys.isEmpty else { throw .invalid("the API key file \(file) holds no keys") }
        return keys
    }

    private func resolve(_ path: String, _ base: String) -> String {
        path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    }

    private func string(_ v: Any, _ key: String) throws(ConfigurationError) -> String {
        guard let s = v as? String else { throw .invalid("'\(key)' must be a string") }
        return s
    }

    private func int(_ v: Any, _ key: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let i = v as? Int, range.contains(i) else { throw .invalid("'\(key)' must be an integer in \(range)") }
        return i
    }
}

public enum ConfigurationError: Error, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let m): return m }
    }
}
