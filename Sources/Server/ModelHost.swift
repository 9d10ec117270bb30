import Foundation
import GGUF
import Inference

/// A model the server answers for: its engine and its scheduler.
public struct ServedModel: Sendable {
    public let name: String
    public let engine: Engine
    public let scheduler: BatchScheduler
    public let created: Int
}

/// Why the server cannot serve its models.
public enum ModelHostError: Error, Sendable, CustomStringConvertible {
    case load(name: String, path: String, reason: String)
    case overBudget(String)
    case duplicateName(String)

    public var description: String {
        switch self {
        case .load(let name, let path, let reason): return "cannot load model '\(name)' from \(path): \(reason)"
        case .overBudget(let arithmetic): return arithmetic
        case .duplicateName(let n): return "two models are named '\(n)'; name them with NAME=PATH"
        }
    }
}

/// What one model will take, for the budget check.
public struct ModelFootprint: Sendable {
    public let name: String
    public let weights: Int
    public let kvCache: Int
    public let scratch: Int
    public let overhead: Int
    public var total: Int { weights + kvCache + scratch + overhead }
}

/// The models being served, loaded once at start. `/health` is 503 until `ready`.
public final class ModelHost: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [String: ServedModel] = [:]
    private var order: [String] = []
    private var state: State = .loading

    public enum State: Sendable, Equatable {
        case loading
        case ready
        case failed(String)
    }

    public init() {}

    public var currentState: State {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    public func model(named name: String) -> ServedModel? {
        lock.lock()
        defer { lock.unlock() }
        return models[name]
    }

    public var all: [ServedModel] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { models[$0] }
    }

    /// Checks the memory budget from the files alone, then loads every model and starts its scheduler.
    /// A model that does not fit is refused before anything is loaded, with the arithmetic.
    public func load(_ config: ServerConfiguration) throws(ModelHostError) {
        do {
            try loadChecked(config)
            setState(.ready)
        } catch {
            setState(.failed(error.description))
            throw error
        }
    }

    private func loadChecked(_ config: ServerConfiguration) throws(ModelHostError) {
        _ = try Self.plan(config)
        for spec in config.models {
            do {
                let engine = try Engine(path: spec.path, options: config.modelOptions)
                let scheduler = try BatchScheduler(engine: engine, config: config.scheduler)
                let served = ServedModel(name: spec.name, engine: engine, scheduler: scheduler,
                                         created: Int(Date().timeIntervalSince1970))
                lock.lock()
                models[spec.name] = served
                order.append(spec.name)
                lock.unlock()
            } catch {
                throw .load(name: spec.name, path: spec.path, reason: "\(error)")
            }
        }
    }

    /// Serves the model at `path` under `name` from now on, without dropping requests: the new engine is
    /// loaded while the old one keeps serving; then new requests go to the new model, and the old
    /// scheduler finishes what it has queued and running before it stops. `path` nil removes the model.
    /// Returns the model that was replaced.
    @discardableResult
    public func swap(name: String, path: String?, config: ServerConfiguration,
                     drainGrace: Double = 600) throws(ModelHostError) -> ServedModel? {
        var served: ServedModel?
        if let path {
            do {
                let engine = try Engine(path: path, options: config.modelOptions)
                let scheduler = try BatchScheduler(engine: engine, config: config.scheduler)
                served = ServedModel(name: name, engine: engine, scheduler: scheduler,
                                     created: Int(Date().timeIntervalSince1970))
            } catch {
                throw .load(name: name, path: path, reason: "\(error)")
            }
        }
        lock.lock()
        let old = models[name]
        if let served {
            models[name] = served
            if !order.contains(name) { order.append(name) }
            state = .ready
        } else {
            models[name] = nil
            order.removeAll { $0 == name }
        }
        lock.unlock()
        if let old {
            old.scheduler.drain(grace: drainGrace)
            old.scheduler.stop()
        }
        return old
    }

    /// What each model will take, from the files alone, checked against the budget: the start-up
    /// refusal (with the arithmetic) happens before anything is loaded or any port is opened.
    public static func plan(_ config: ServerConfiguration) throws(ModelHostError) -> [ModelFootprint] {
        var names = Set<String>()
        for spec in config.models where !names.insert(spec.name).inserted { throw .duplicateName(spec.name) }
        let maxBatch = config.modelOptions.maxBatch   // the pass size the models will be loaded with
        var footprints: [ModelFootprint] = []
        for spec in config.models {
            do {
                let file = try GGUFFile(path: spec.path)
                let e = try MemoryEstimate(file: file, contextSize: config.scheduler.contextSize, maxBatch: maxBatch,
                                           kvCacheType: config.kvCacheType)
                footprints.append(ModelFootprint(name: spec.name, weights: e.weightBytes,
                                                 kvCache: e.kvCacheBytes * config.scheduler.parallel,
                                                 scratch: e.scratchBytes * 2, overhead: e.overheadBytes))
            } catch {
                throw .load(name: spec.name, path: spec.path, reason: "\(error)")
            }
        }
        let budget = config.memoryBudgetBytes ?? Self.defaultBudget()
        try Self.checkBudget(footprints, budget: budget, parallel: config.scheduler.parallel,
                             context: config.scheduler.contextSize)
        return footprints
    }

    /// Refuses the set of models if their sum exceeds `budget`, showing each term.
    public static func checkBudget(_ footprints: [ModelFootprint], budget: Int, parallel: Int, context: Int) throws(ModelHostError) {
        let total = footprints.reduce(0) { $0 + $1.total }
        guard total > budget else { return }
        var lines = ["the models do not fit the memory budget of \(mib(budget)):"]
        for f in footprints {
            lines.append("  \(f.name): weights \(mib(f.weights)) + KV cache \(mib(f.kvCache)) (\(parallel) slots × \(context) positions) + scratch \(mib(f.scratch)) + overhead \(mib(f.overhead)) = \(mib(f.total))")
        }
        lines.append("  total \(mib(total)) > budget \(mib(budget)); lower --parallel or --ctx, serve fewer models, or raise memory_budget_mb")
        throw .overBudget(lines.joined(separator: "\n"))
    }

    /// 90% of the memory available to this process: the smaller of MemTotal and the cgroup limit.
    public static func defaultBudget() -> Int {
        var limit = Int(ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let v = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), v > 0 {
                limit = min(limit, v)
            }
        }
        return limit / 10 * 9
    }

    public func setState(_ s: State) {
        lock.lock()
        state = s
        lock.unlock()
    }

    private static func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1048576) }
}
