import ArgumentParser
import DeviceAgent
import FleetCore
import Foundation
import Inference
import Server

extension Outpost {
    struct AgentCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agent",
            abstract: "Run the device agent: enroll, follow the control plane's desired state, serve the active model.",
            discussion: """
            The agent serves the active model with the same OpenAI-compatible server as `outpost serve` \
            (routing included, from --config). Updates are downloaded (resumable), verified against the \
            pinned --trust-root, staged in a new slot, switched atomically, health-checked, and rolled back \
            on failure. Telemetry is buffered on disk and uploaded when the control plane is reachable.
            Data directory: slots/, active -> slots/<id>, staging/, telemetry/, state.json.
            """)

        @Option(name: .customLong("control-plane"), help: "Base URL of the fleet control plane.")
        var controlPlane: String

        @Option(name: .customLong("enroll-token"), help: "One-time enrollment token (needed until the device is enrolled).")
        var enrollToken: String?

        @Option(name: .customLong("data-dir"), help: "Directory for model slots, telemetry and state.")
        var dataDir: String

        @Option(name: .customLong("trust-root"), help: "PEM file of the public keys trusted for desired states and model manifests.")
        var trustRoot: String

        @Option(name: .long, help: "Port of the local server (default 8080; 0 picks a free one).")
        var port: Int?

        @Option(name: .long, help: "Address of the local server (default 127.0.0.1).")
        var host: String?

        @Option(name: .customLong("served-name"), help: "Model name clients use (default: default).")
        var servedName: String = "default"

        @Option(name: .customLong("device-id"), help: "Proposed device id at enrollment.")
        var deviceID: String?

        @Option(name: .customLong("label"), help: "Device label KEY=VALUE at enrollment (repeatable).")
        var label: [String] = []

        @Option(name: .long, help: "YAML server configuration (routing, api keys, scheduler) as for `outpost serve`.")
        var config: String?

        @Option(name: .long, help: "Compute threads (default: the number of cores).")
        var threads: Int?

        @Option(name: .long, help: "Context size per sequence (default 4096).")
        var ctx: Int?

        @Option(name: .customLong("heartbeat-seconds"), help: "Heartbeat and desired-state poll interval (default 30).")
        var heartbeatSeconds: Double = 30

        @Option(name: .customLong("telemetry-seconds"), help: "Telemetry interval length and upload period (default 60).")
        var telemetrySeconds: Double = 60

        @Option(name: .customLong("telemetry-cap-mb"), help: "Disk cap of the telemetry buffer in MiB (default 64).")
        var telemetryCapMB: Int = 64

        @Option(name: .customLong("backoff-max-seconds"), help: "Longest wait between retries while the control plane is away (default 60).")
        var backoffMaxSeconds: Double = 60

        @Option(name: .customLong("crash-at"), help: .hidden)
        var crashAt: [String] = []

        func validate() throws {
            if let port, !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535") }
            guard heartbeatSeconds > 0, heartbeatSeconds.isFinite, telemetrySeconds > 0, telemetrySeconds.isFinite,
                  backoffMaxSeconds > 0, backoffMaxSeconds.isFinite else {
                throw ValidationError("intervals must be positive")
            }
            guard (1...1 << 20).contains(telemetryCapMB) else { throw ValidationError("--telemetry-cap-mb must be in 1...1048576") }
            for l in label where !l.contains("=") { throw ValidationError("--label takes KEY=VALUE, got \(l)") }
            for p in crashAt where !FaultPoints.all.contains(p) {
                throw ValidationError("unknown crash point \(p); known: \(FaultPoints.all.joined(separator: ", "))")
            }
        }

        func run() async throws {
            var server = ServerConfiguration()
            if let config {
                do { try server.apply(file: config) } catch { throw CLIError(error.description) }
            }
            if let host { server.host = host }
            if let port { server.port = port }
            if let threads { server.threads = threads }
            if let ctx { server.scheduler.contextSize = ctx }
            Kernels.initialize(forceGeneric: ProcessInfo.processInfo.environment["OUTPOST_GENERIC_KERNELS"] == "1")
            let trust: TrustRoot
            do { trust = try TrustRoot(publicKeyFile: trustRoot) } catch { throw CLIError("--trust-root: \(error)") }
            var labels: [String: String] = [:]
            for l in label {
                let parts = l.split(separator: "=", maxSplits: 1)
                labels[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            let configuration = AgentConfiguration(
                controlPlaneURL: controlPlane, enrollToken: enrollToken,
                dataDirectory: URL(fileURLWithPath: dataDir), trustRoot: trust, server: server,
                servedName: servedName, deviceID: deviceID, labels: labels, heartbeatSeconds: heartbeatSeconds,
                telemetrySeconds: telemetrySeconds, telemetryCapBytes: Int64(telemetryCapMB) << 20,
                backoff: Backoff(base: min(1, backoffMaxSeconds), cap: backoffMaxSeconds),
                faults: FaultPoints(crashAt: Set(crashAt)))
            let listenHost = server.host
            let name = servedName
            let plane = controlPlane
            do {
                try await DeviceAgentRunner(configuration: configuration).run { port in
                    printError("outpost agent: serving on http://\(listenHost):\(port) (model name \(name)); control plane \(plane)")
                }
            } catch let error as AgentError {
                throw CLIError(error.description)
            }
            printError("outpost agent: stopped")
        }
    }
}
