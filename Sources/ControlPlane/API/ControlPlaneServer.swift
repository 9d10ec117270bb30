import FleetCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The fleet control plane as a value: the store, the configuration, the HTTP application and the
/// rollout controller. `outpost fleet serve` and the tests build it the same way.
public struct ControlPlaneServer: Sendable {
    public let store: any FleetStore
    public let configuration: ControlPlaneConfiguration
    /// The clock every time decision uses (tests inject a manual one).
    public let now: @Sendable () -> Date
    public let controller: RolloutController

    public init(store: any FleetStore, configuration: ControlPlaneConfiguration,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.configuration = configuration
        self.now = now
        controller = RolloutController(store: store, now: now)
    }

    /// The router with every route (tests drive it with `.router` or `.live`).
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let routes = FleetRoutes(server: self)
        routes.addOpenRoutes(to: router)
        routes.addDeviceRoutes(to: router)
        routes.addModelRoutes(to: router)
        routes.addDeploymentRoutes(to: router)
        routes.addExperimentRoutes(to: router)
        DashboardRoutes(server: self).add(to: router)
        return router
    }

    public func buildApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "outpost.fleet")
        logger.logLevel = .notice
        return Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "outpost-fleet"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGTERM/SIGINT, with the rollout controller evaluating deployments every
    /// `controllerInterval` seconds.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try FileManager.default.createDirectory(atPath: configuration.artifactsDirectory, withIntermediateDirectories: true)
        var logger = Logger(label: "outpost.fleet")
        logger.logLevel = .notice
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: buildApplication(onServerRunning: onServerRunning)),
                .init(service: RolloutControllerService(controller: controller, interval: configuration.controllerInterval,
                                                        logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// The handlers; one file per area extends it.
struct FleetRoutes: Sendable {
    let server: ControlPlaneServer
    var store: any FleetStore { server.store }
    var auth: Authenticator { Authenticator(adminToken: server.configuration.adminToken, store: server.store) }

    func addOpenRoutes(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ -> Response in
            jsonResponse(["status": "ok"])
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: FleetOpenAPI.yaml)))
        }
        router.get("/api/v1/signing-key") { _, _ -> Response in
            struct Key: Encodable { let keyID: String; let publicKeyPEM: String }
            let key = server.configuration.signingKey.publicKey
            return jsonResponse(Key(keyID: key.keyID, publicKeyPEM: key.pemRepresentation))
        }
    }
}

// MARK: - JSON helpers

func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? FleetJSON.encoder().encode(value)) ?? Data("{}".utf8)
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

/// The request body decoded as `T` (at most `limit` bytes); 413 or 400 with the decoder's reason otherwise.
func decodeBody<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws(FleetAPIError) -> T {
    let buffer: ByteBuffer
    do {
        buffer = try await request.body.collect(upTo: limit)
    } catch {
        throw FleetAPIError(.contentTooLarge, "body_too_large", "the request body exceeds \(limit) bytes")
    }
    do {
        return try FleetJSON.decoder().decode(T.self, from: Data(buffer.readableBytesView))
    } catch let error as DecodingError {
        throw FleetAPIError.badRequest("the body is not a valid \(T.self): \(describe(error))")
    } catch {
        throw FleetAPIError.badRequest("the body is not a valid \(T.self): \(error)")
    }
}

/// A decoding error with the JSON path that failed.
func describe(_ error: DecodingError) -> String {
    func path(_ c: DecodingError.Context) -> String {
        let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? c.debugDescription : "\(p): \(c.debugDescription)"
    }
    switch error {
    case .keyNotFound(let key, let c): return "missing field '\(key.stringValue)'" + (c.codingPath.isEmpty ? "" : " in \(path(c))")
    case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c)
    @unknown default: return String(describing: error)
    }
}

/// A path parameter, validated as an identifier ([A-Za-z0-9._-], 1…128 characters).
func identifier(_ context: BasicRequestContext, _ name: String) throws(FleetAPIError) -> String {
    guard let value = context.parameters.get(name), isIdentifier(value) else {
        throw FleetAPIError.badRequest("'\(name)' must be 1 to 128 characters of A-Z a-z 0-9 . _ -")
    }
    return value
}

func isIdentifier(_ s: String, maxLength: Int = 128) -> Bool {
    !s.isEmpty && s.utf8.count <= maxLength
        && s.utf8.allSatisfy { c in (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 45 }
}

func validateLabels(_ labels: [String: String]) throws(FleetAPIError) {
    guard labels.count <= 64 else { throw FleetAPIError.badRequest("at most 64 labels") }
    for (k, v) in labels {
        guard isIdentifier(k, maxLength: 63), v.utf8.count <= 256 else {
            throw FleetAPIError.badRequest("label '\(k.prefix(70))': keys are 1-63 characters of A-Z a-z 0-9 . _ -, values at most 256 bytes")
        }
    }
}
