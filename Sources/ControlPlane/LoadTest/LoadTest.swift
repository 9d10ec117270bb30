import FleetCore
import Foundation
import NIOHTTP1

/// The load tool: enrolls `devices` simulated devices, then has each send a heartbeat every `interval`
/// (spread evenly, so the fleet sends devices/interval per second) for `duration`, against one or more
/// control-plane instances (device i uses URL i mod count). Latency is measured per request at the
/// client, from just before the request is handed to the HTTP client until its whole answer is read.
public struct LoadTestConfiguration: Sendable {
    public var urls: [String]
    public var adminToken: String
    public var devices: Int
    public var interval: TimeInterval
    public var duration: TimeInterval
    /// Concurrent requests while enrolling.
    public var enrollConcurrency: Int
    /// Connections per control-plane instance.
    public var connectionsPerURL: Int

    public init(urls: [String], adminToken: String, devices: Int, interval: TimeInterval, duration: TimeInterval,
                enrollConcurrency: Int = 32, connectionsPerURL: Int = 64) {
        self.urls = urls; self.adminToken = adminToken; self.devices = devices; self.interval = interval
        self.duration = duration; self.enrollConcurrency = enrollConcurrency; self.connectionsPerURL = connectionsPerURL
    }
}

public struct LoadTestReport: Sendable, CustomStringConvertible {
    public var devices: Int
    public var enrollSeconds: Double
    public var heartbeats: Int
    public var errors: Int
    /// The first few distinct error messages.
    public var errorSamples: [String]
    public var seconds: Double
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    public var maxMs: Double

    public var description: String {
        """
        devices: \(devices) enrolled in \(String(format: "%.1f", enrollSeconds)) s
        heartbeats: \(heartbeats) in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", Double(heartbeats) / max(seconds, 1e-9))) /s), errors: \(errors)
        latency ms: p50 \(String(format: "%.2f", p50Ms))  p90 \(String(format: "%.2f", p90Ms))  p99 \(String(format: "%.2f", p99Ms))  max \(String(format: "%.2f", maxMs))
        (client-side wall time per heartbeat request, from send to the last byte of the answer)
        """ + (errorSamples.isEmpty ? "" : "\nerrors seen: " + errorSamples.joined(separator: "; "))
    }
}

public enum LoadTest {
    public static func run(_ c: LoadTestConfiguration, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> LoadTestReport {
        guard !c.urls.isEmpty, c.devices > 0, c.devices <= 10_000_000, c.interval > 0, c.duration > 0,
              c.duration / c.interval * Double(c.devices) <= 1e9 else {
            throw FleetHTTPClient.Failure(status: 0, message: "the load test needs 1…10000000 devices, at least one URL, a positive interval and duration, and at most 1e9 heartbeats")
        }
        let clients = c.urls.map { FleetHTTPClient(baseURL: $0, maxConnections: c.connectionsPerURL) }
        defer { Task { for client in clients { await client.shutdown() } } }

        // Enrollment: a token and an enroll call per device, `enrollConcurrency` at a time.
        let enrollStart = DispatchTime.now().uptimeNanoseconds
        let run = UUID().uuidString.prefix(8).lowercased()
        var credentials = [String](repeating: "", count: c.devices)
        var next = 0
        let adminToken = c.adminToken
        @Sendable func enroll(_ i: Int, _ client: FleetHTTPClient) async throws -> (Int, String) {
            let token = try await client.call(EnrollmentTokenResponse.self, .POST, "/api/v1/enrollment-tokens", token: adminToken,
                                              body: CreateEnrollmentTokenRequest(labels: ["loadtest": String(run)]))
            let enrolled = try await client.call(EnrollResponse.self, .POST, "/api/v1/enroll", token: nil,
                                                 body: EnrollRequest(token: token.token, deviceID: "load-\(run)-\(i)", inventory: inventory(i)))
            return (i, enrolled.credential)
        }
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            while next < min(c.enrollConcurrency, c.devices) {
                let (i, client) = (next, clients[next % clients.count])
                group.addTask { try await enroll(i, client) }
                next += 1
            }
            var done = 0
            for try await (i, credential) in group {
                credentials[i] = credential
                done += 1
                if done % 1000 == 0 { progress("enrolled \(done)/\(c.devices)") }
                if next < c.devices {
                    let (j, client) = (next, clients[next % clients.count])
                    group.addTask { try await enroll(j, client) }
                    next += 1
                }
            }
        }
        let enrollSeconds = Double(DispatchTime.now().uptimeNanoseconds - enrollStart) / 1e9
        progress("enrolled \(c.devices) devices in \(String(format: "%.1f", enrollSeconds)) s; heartbeating for \(Int(c.duration)) s")

        // Heartbeats: beat k goes to device k mod N at start + k × interval / N.
        let bodies = (0..<c.devices).map { i in
            (try? FleetJSON.encoder().encode(HeartbeatRequest(inventory: inventory(i), activeModel: ActiveModel(name: "assistant", version: "1"), health: "ok"))) ?? Data()
        }
        let total = Int((c.duration / c.interval * Double(c.devices)).rounded(.down))
        let spacingNs = c.interval / Double(c.devices) * 1e9
        let recorder = Recorder(capacity: total)
        let start = DispatchTime.now().uptimeNanoseconds
        await withTaskGroup(of: Void.self) { group in
            for k in 0..<total {
                let due = start + UInt64(Double(k) * spacingNs)
                let now = DispatchTime.now().uptimeNanoseconds
                if due > now { try? await Task.sleep(nanoseconds: due - now) }
                let i = k % c.devices
                let client = clients[i % clients.count]
                let credential = credentials[i]
                let body = bodies[i]
                group.addTask {
                    let t = DispatchTime.now().uptimeNanoseconds
                    do {
                        let (status, answer) = try await client.send(.POST, "/api/v1/devices/load-\(run)-\(i)/heartbeat", token: credential, json: body)
                        let ms = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
                        if status == 200 { recorder.record(ms) } else { recorder.fail(ms, "HTTP \(status): \(FleetHTTPClient.errorMessage(answer))") }
                    } catch {
                        recorder.fail(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6, String(describing: error))
                    }
                }
                if k > 0, k % max(1, c.devices) == 0 { progress("sent \(k)/\(total) heartbeats") }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (latencies, errors, samples) = recorder.snapshot()
        let sorted = latencies.sorted()
        func q(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[min(sorted.count - 1, max(0, rank - 1))]
        }
        return LoadTestReport(devices: c.devices, enrollSeconds: enrollSeconds, heartbeats: total, errors: errors, errorSamples: samples,
                              seconds: seconds, p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), maxMs: sorted.last ?? 0)
    }

    /// A plausible, varied inventory for simulated device `i`.
    static func inventory(_ i: Int) -> DeviceInventory {
        let ram: [Int64] = [1, 2, 4, 8, 16]
        return DeviceInventory(os: "Linux 6.1", cpuModel: "Simulated CPU \(i % 7)", isaFeatures: i % 3 == 0 ? ["neon"] : ["sse4_2", "avx2"],
                               cores: 2 + i % 7, ramBytes: ram[i % ram.count] << 30, freeDiskBytes: 32 << 30, accelerators: [],
                               agentVersion: "0.1.0")
    }

    /// Latencies and errors from many tasks.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var latencies: [Double]
        private var errors = 0
        private var samples: [String] = []
        init(capacity: Int) { latencies = []; latencies.reserveCapacity(capacity) }
        func record(_ ms: Double) { lock.withLock { latencies.append(ms) } }
        func fail(_ ms: Double, _ message: String) {
            lock.withLock {
                errors += 1
                latencies.append(ms)
                if samples.count < 5, !samples.contains(message) { samples.append(message) }
            }
        }
        func snapshot() -> ([Double], Int, [String]) { lock.withLock { (latencies, errors, samples) } }
    }
}
