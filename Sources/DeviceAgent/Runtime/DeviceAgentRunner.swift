import AsyncHTTPClient
import Foundation
import Logging
import Server
import ServiceLifecycle

/// `outpost agent` as a value: the local server (same as `outpost serve`, routing included) whose
/// model the agent installs and swaps, and the agent loop beside it.
public struct DeviceAgentRunner: Sendable {
    public let configuration: AgentConfiguration

    public init(configuration: AgentConfiguration) { self.configuration = configuration }

    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var logger = Logger(label: "outpost.agent")
        logger.logLevel = .notice
        let root = configuration.dataDirectory
        let slots = try SlotStore(root: root)
        let telemetry = try TelemetryLog(directory: root.appendingPathComponent("telemetry"),
                                         capBytes: configuration.telemetryCapBytes)
        let aggregator = TelemetryAggregator(log: telemetry)
        var serverConfig = configuration.server
        serverConfig.models = []
        let server = try OutpostServer(configuration: serverConfig, observer: aggregator)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let downloader = ArtifactDownloader(client: http, faults: configuration.faults)
        let activator = ServerModelActivator(host: server.host, servedName: configuration.servedName,
                                             configuration: serverConfig)
        let progressLogger = logger
        let lastDecile = ManagedCounter()
        let updater = try Updater(slots: slots, downloader: downloader,
                                  verifier: ManifestArtifactVerifier(trustRoot: configuration.trustRoot),
                                  health: ModelHealthChecker(), activator: activator, faults: configuration.faults,
                                  progress: { p in
                                      // One line per tenth of the artifact.
                                      let decile = p.total > 0 ? Int(p.received * 10 / p.total) : 0
                                      if lastDecile.exchange(decile) != decile {
                                          progressLogger.notice("download \(decile * 10)%: \(p.received) of \(p.total) bytes\(p.resumedFrom > 0 ? " (resumed at \(p.resumedFrom))" : "")")
                                      }
                                  })
        let loop = AgentLoop(configuration: configuration, updater: updater, telemetry: telemetry,
                             aggregator: aggregator, http: http, logger: logger)
        do {
            try await server.run(services: [AgentService(loop: loop)], loadModels: false, onServerRunning: onServerRunning)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try? await http.shutdown()
    }
}

/// Runs the agent loop until graceful shutdown.
struct AgentService: Service {
    let loop: AgentLoop

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await loop.run()
        }
    }
}

/// A counter shared with a progress callback.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = -1
    /// Stores `v` and returns the previous value.
    func exchange(_ v: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let old = value
        value = v
        return old
    }
}
