import Foundation
import Hummingbird
import Inference
import Logging
import Routing
import ServiceLifecycle

/// `outpost serve` as a value: the HTTP application and the services around it.
///
/// Start-up: the server listens at once (`/health` answers 503 "loading"), the models load on a
/// background thread, then `/health` turns 200. Shutdown on SIGTERM/SIGINT, in this order: the
/// schedulers stop taking work and give in-flight streams `shutdownGraceSeconds` to finish (then cancel
/// them); the HTTP server stops accepting and waits for open responses; the scheduler threads end.
public struct OutpostServer: Sendable {
    public let configuration: ServerConfiguration
    public let host: ModelHost
    public let metrics: ServerMetrics
    /// Edge/cloud routing, when the configuration has a `routing:` section.
    public let router: EdgeCloudRouter?

    public init(configuration: ServerConfiguration, audit: (any AuditSink)? = nil,
                observer: (any ServerObserver)? = nil) throws(ConfigurationError) {
        self.configuration = configuration
        host = ModelHost()
        metrics = ServerMetrics(observer: observer)
        router = try configuration.routing.map { c throws(ConfigurationError) in try EdgeCloudRouter(config: c, audit: audit) }
    }

    /// The Hummingbird application (tests drive it with `.router` or `.live`).
    public func buildApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "outpost.serve")
        logger.logLevel = .notice
        let router = buildRouter(host: host, metrics: metrics, configuration: configuration, router: self.router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "outpost"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Loads the models (blocking; run it off the event loops). Throws with the arithmetic when they do not fit.
    public func loadModels() throws(ModelHostError) {
        try host.load(configuration)
    }

    /// Runs until SIGTERM/SIGINT, then shuts down gracefully. Model loading happens after the server listens.
    ///
    /// `services` run beside the server and hear of shutdown first (the device agent's loop); with
    /// `loadModels` false the models are installed later through `host.swap` (the agent does it).
    public func run(services: [any Service] = [], loadModels: Bool = true,
                    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        if loadModels { _ = try ModelHost.plan(configuration) }
        let app = buildApplication(onServerRunning: onServerRunning)
        var logger = Logger(label: "outpost.serve")
        logger.logLevel = .notice
        var configs: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: SchedulerShutdownService(host: host)),
            .init(service: app),
            .init(service: DrainService(host: host, grace: configuration.shutdownGraceSeconds)),
        ]
        if loadModels {
            configs.append(.init(service: ModelLoaderService(server: self), successTerminationBehavior: .ignore))
        }
        configs += services.map { .init(service: $0) }
        let group = ServiceGroup(configuration: .init(
            services: configs,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Loads the models in the background; a failure ends the server (the error says why).
struct ModelLoaderService: Service {
    let server: OutpostServer

    func run() async throws {
        let server = self.server
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try server.loadModels()
                    c.resume()
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }
}

/// First to hear of shutdown: stops admitting new sequences and bounds how long running ones may take.
struct DrainService: Service {
    let host: ModelHost
    let grace: Double

    func run() async throws {
        try? await gracefulShutdown()
        for served in host.all { served.scheduler.drain(grace: grace) }
    }
}

/// Last to stop: ends the scheduler threads once the HTTP server has closed.
struct SchedulerShutdownService: Service {
    let host: ModelHost

    func run() async throws {
        try? await gracefulShutdown()
        for served in host.all {
            served.scheduler.cancelAll()
            served.scheduler.stop()
        }
    }
}
