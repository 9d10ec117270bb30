import FleetCore
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard: server-rendered pages behind the admin token, given as `Authorization: Bearer`, as
/// the `outpost_admin` cookie, or once as `?token=` (which sets the cookie for the following pages).
struct DashboardRoutes: Sendable {
    let server: ControlPlaneServer
    var routes: FleetRoutes { FleetRoutes(server: server) }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/dashboard") { request, _ in try await page(request) { () async throws(FleetAPIError) in try await overview() } }
        router.get("/dashboard/devices/:id") { request, context in
            let id = try identifier(context, "id")
            return try await page(request) { () async throws(FleetAPIError) in try await deviceDetail(id) }
        }
        router.get("/dashboard/models") { request, _ in try await page(request) { () async throws(FleetAPIError) in try await models() } }
        router.get("/dashboard/rollouts") { request, _ in try await page(request) { () async throws(FleetAPIError) in try await rollouts() } }
        router.get("/dashboard/experiments") { request, _ in try await page(request) { () async throws(FleetAPIError) in try await experiments() } }
    }

    private func page(_ request: Request, _ render: () async throws -> String) async throws -> Response {
        let queryToken = request.uri.queryParameters.get("token")
        let cookieToken = request.cookies["outpost_admin"]?.value
        let token = Authenticator.bearer(request) ?? queryToken ?? cookieToken
        guard let token, Authenticator.hash(token) == Authenticator.hash(server.configuration.adminToken) else {
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            let body = HTML.page(title: "Sign in", active: "", body: "<h1>Admin token required</h1><p>Open <code>/dashboard?token=ADMIN_TOKEN</code> once; a cookie keeps you signed in.</p>")
            return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let html = try await render()
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"
        if queryToken != nil {
            headers[.setCookie] = "outpost_admin=\(token); Path=/dashboard; HttpOnly; SameSite=Strict"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    var store: any FleetStore { server.store }

    private func overview() async throws(FleetAPIError) -> String {
        let store = self.store
        let devices = try await stored { () async throws(StoreError) in try await store.devices() }
        let deployments = try await stored { () async throws(StoreError) in try await store.deployments() }
        let now = server.now()
        let healthy = devices.filter { $0.health == "ok" }.count
        let stale = devices.filter { ($0.lastSeen.map { now.timeIntervalSince($0) } ?? .infinity) > 120 }.count
        let rows = devices.map { d -> [String] in
            let inv = d.inventory
            let active = d.activeModelJSON.flatMap { try? FleetJSON.decoder().decode(ActiveModel.self, from: Data($0.utf8)) }
            return ["<a href=\"/dashboard/devices/\(HTML.escape(d.id))\">\(HTML.escape(d.name))</a>",
                    "<code>\(HTML.escape(d.id))</code>", HTML.labels(d.labels),
                    inv.map { HTML.bytes($0.ramBytes) } ?? "?", inv.map { "\($0.cores)" } ?? "?",
                    active.map { HTML.escape("\($0.name) \($0.version)" + ($0.variant.map { " (\($0))" } ?? "")) } ?? "<span class=\"muted\">none</span>",
                    healthCell(d.health), HTML.time(d.lastSeen, now: now)]
        }
        let deploymentRows = deployments.compactMap { r -> [String]? in
            guard let v = try? DeploymentView(r) else { return nil }
            return [HTML.escape(v.id), HTML.escape("\(v.model) \(v.version)"), statusCell(v.state.status),
                    progressBar(v.percentOnNewVersion)]
        }
        return HTML.page(title: "Fleet", active: "Fleet", body: """
            <h1>Fleet overview</h1>
            <p id="summary"><strong>\(devices.count)</strong> devices · <span class="ok">\(healthy) healthy</span> · \
            <span class="warn">\(stale) not seen for 2 min</span> · \(deployments.count) deployments</p>
            <h2>Devices</h2>
            \(HTML.table(["Name", "ID", "Labels", "RAM", "Cores", "Active model", "Health", "Last seen"], rows, id: "devices"))
            <h2>Deployments</h2>
            \(HTML.table(["Deployment", "Model", "Status", "On new version"], deploymentRows, id: "deployments"))
            """)
    }

    private func deviceDetail(_ id: String) async throws(FleetAPIError) -> String {
        let store = self.store
        let device = try await stored { () async throws(StoreError) in try await store.device(id: id) }
        guard let device else { throw FleetAPIError.notFound("no device '\(id)'") }
        let telemetry = try await stored { () async throws(StoreError) in try await store.telemetry(deviceID: id) }
        let reports = try await stored { () async throws(StoreError) in try await store.updateReports(deviceID: id, limit: 20) }
        let (deployments, experiments) = try await DesiredStates(server: server).context()
        let target = DesiredStates.target(for: device, deployments: deployments, experiments: experiments)
        let now = server.now()
        var facts: [[String]] = [["Name", HTML.escape(device.name)], ["Labels", HTML.labels(device.labels)],
                                 ["Health", healthCell(device.health)], ["Last seen", HTML.time(device.lastSeen, now: now)],
                                 ["Desired-state sequence", "\(device.desiredSequence)"],
                                 ["Target", target.map { HTML.escape("\($0.model) \($0.version)" + ($0.deployment.map { " via \($0)" } ?? "")) } ?? "none"]]
        if let inv = device.inventory {
            facts += [["OS", HTML.escape(inv.os)], ["CPU", HTML.escape(inv.cpuModel)], ["Cores", "\(inv.cores)"],
                      ["RAM", HTML.bytes(inv.ramBytes)], ["Free disk", HTML.bytes(inv.freeDiskBytes)],
                      ["ISA features", HTML.escape(inv.isaFeatures.joined(separator: " "))],
                      ["Accelerators", HTML.escape(inv.accelerators.joined(separator: ", "))], ["Agent", HTML.escape(inv.agentVersion)]]
        }
        let rows = telemetry.suffix(30).map { r -> [String] in
            let a = TelemetryIngest.aggregate([r])
            return [HTML.time(r.intervalStart, now: now), HTML.escape("\(r.modelName) \(r.modelVersion)"), "\(r.requests)", "\(r.errors)",
                    SVGChart.format(a.p95LatencyMs), SVGChart.format(a.tokensPerSecond)]
        }
        let reportRows = reports.map { [HTML.time($0.at, now: now), "<code>\(HTML.escape($0.reportJSON))</code>"] }
        return HTML.page(title: device.name, active: "Fleet", body: """
            <h1 id="device-name">\(HTML.escape(device.name))</h1><p class="muted"><code>\(HTML.escape(device.id))</code></p>
            \(HTML.table(["", ""], facts, id: "inventory"))
            <h2>Telemetry (per minute)</h2>
            \(HTML.table(["Interval", "Model", "Requests", "Errors", "p95 ms", "tokens/s"], rows, id: "telemetry"))
            <h2>Update reports</h2>
            \(HTML.table(["When", "Report"], reportRows, id: "reports"))
            """)
    }

    private func models() async throws(FleetAPIError) -> String {
        let store = self.store
        let records = try await stored { () async throws(StoreError) in try await store.variants(modelName: nil) }
        let rows = records.compactMap { VariantView($0, publicURL: server.configuration.publicURL) }.map { v -> [String] in
            let f = v.facts
            let memory = VariantFacts.standardContexts.map { "\($0): \(f.memoryByContext[$0].map(HTML.bytes) ?? "?")" }.joined(separator: "<br>")
            return [HTML.escape(v.model), HTML.escape(v.version), "<code>\(HTML.escape(v.variant))</code>", HTML.escape(f.quantization),
                    HTML.bytes(f.sizeBytes), String(format: "%.1f M", Double(f.parameterCount) / 1e6), memory,
                    f.perplexity.map { String(format: "%.3f", $0) } ?? "–", f.klDivergence.map { String(format: "%.4f", $0) } ?? "–",
                    "<code>\(HTML.escape(String(f.sha256.prefix(16))))…</code>", v.artifactUploaded ? "<span class=\"ok\">uploaded</span>" : "<span class=\"warn\">missing</span>"]
        }
        return HTML.page(title: "Models", active: "Models", body: """
            <h1>Models and variants</h1>
            \(HTML.table(["Model", "Version", "Variant", "Quant", "Size", "Params", "Memory by context", "PPL", "KL", "sha256", "Artifact"], rows, id: "variants"))
            """)
    }

    private func rollouts() async throws(FleetAPIError) -> String {
        let store = self.store
        let records = try await stored { () async throws(StoreError) in try await store.deployments() }
        var cards: [String] = []
        for r in records.reversed() {
            let v = try DeploymentView(r)
            let state = v.state
            let rings = state.plan.rings.enumerated().map { i, ring -> [String] in
                let status: String
                switch state.status {
                case .completed: status = "<span class=\"ok\">done</span>"
                case .rolledBack: status = "<span class=\"bad\">rolled back</span>"
                case .halted: status = i < state.currentRing ? "<span class=\"ok\">done</span>" : i == state.currentRing ? "<span class=\"bad\">rolled back, halted</span>" : "<span class=\"muted\">not reached</span>"
                case .progressing, .paused:
                    status = i < state.currentRing ? "<span class=\"ok\">done</span>" : i == state.currentRing ? "<span class=\"warn\">\(state.status == .paused ? "paused" : "soaking")</span>" : "<span class=\"muted\">pending</span>"
                }
                let g = ring.gates
                let gates = [g.maxErrorRate.map { "errors ≤ \(SVGChart.format($0 * 100))%" },
                             g.maxP95LatencyMs.map { "p95 ≤ \(SVGChart.format($0)) ms" },
                             g.minTokensPerSecondRatio.map { "tokens/s ≥ \(SVGChart.format($0))× baseline" },
                             "≥ \(g.minSamples) samples"].compactMap { $0 }.joined(separator: ", ")
                return [HTML.escape(ring.name), progressBar(ring.percent), "\(Int(ring.soakSeconds)) s", HTML.escape(gates), status]
            }
            let lastGate = state.history.last { $0.kind == .gateFailed || $0.kind == .promoted || $0.kind == .completed }
            let history = state.history.suffix(12).map { [HTML.time($0.at, now: server.now()), HTML.escape($0.kind.rawValue), "\($0.ring)", HTML.escape($0.detail)] }
            cards.append("""
                <div class="card deployment" id="deployment-\(HTML.escape(v.id))">
                <h2>\(HTML.escape(v.id)): \(HTML.escape(v.model)) \(HTML.escape(v.previousVersion ?? "–")) → \(HTML.escape(v.version)) \(statusCell(state.status))</h2>
                <p>Selector \(HTML.labels(v.selector)) · on new version \(progressBar(v.percentOnNewVersion)) · current ring \(state.currentRing + 1) of \(state.plan.rings.count)</p>
                <p class="gate">Last gate check: \(lastGate.map { HTML.escape($0.detail) } ?? "<span class=\"muted\">none yet</span>")</p>
                \(HTML.table(["Ring", "Share", "Soak", "Gates", "Status"], rings))
                \(HTML.table(["When", "Event", "Ring", "Detail"], history))
                </div>
                """)
        }
        return HTML.page(title: "Rollouts", active: "Rollouts", body: "<h1>Rollouts</h1>\n" + (cards.isEmpty ? "<p class=\"muted\">No deployments yet.</p>" : cards.joined(separator: "\n")))
    }

    private func experiments() async throws(FleetAPIError) -> String {
        let store = self.store
        let records = try await stored { () async throws(StoreError) in try await store.experiments() }
        var cards: [String] = []
        for r in records.reversed() {
            let report = try await routes.experimentReport(id: r.id)
            let c = report.comparison
            let e = report.experiment
            let table = HTML.table(["Arm", "Version", "Devices", "Samples", "p50 ms", "p95 ms", "tokens/s", "Error rate", "Fallback rate"], [
                ["A", HTML.escape(c.a.version), "\(report.devicesA)", "\(c.a.samples)", SVGChart.format(c.a.p50LatencyMs), SVGChart.format(c.a.p95LatencyMs),
                 SVGChart.format(c.a.tokensPerSecond), SVGChart.format(c.a.errorRate), SVGChart.format(c.a.fallbackRate)],
                ["B", HTML.escape(c.b.version), "\(report.devicesB)", "\(c.b.samples)", SVGChart.format(c.b.p50LatencyMs), SVGChart.format(c.b.p95LatencyMs),
                 SVGChart.format(c.b.tokensPerSecond), SVGChart.format(c.b.errorRate), SVGChart.format(c.b.fallbackRate)],
            ])
            let bars = SVGChart.pairedBars(title: "A (\(c.a.version)) vs B (\(c.b.version))", metrics: [
                ("p95 latency", c.a.p95LatencyMs, c.b.p95LatencyMs, "ms"), ("tokens/s", c.a.tokensPerSecond, c.b.tokensPerSecond, "tok/s"),
                ("error rate", c.a.errorRate * 100, c.b.errorRate * 100, "%"), ("fallback rate", c.a.fallbackRate * 100, c.b.fallbackRate * 100, "%"),
            ])
            let series = SVGChart.lines(title: "p95 latency per minute",
                                        a: report.series.filter { $0.arm == .a }.map { ($0.intervalStart, $0.p95LatencyMs) },
                                        b: report.series.filter { $0.arm == .b }.map { ($0.intervalStart, $0.p95LatencyMs) }, unit: "ms")
            cards.append("""
                <div class="card experiment" id="experiment-\(HTML.escape(e.id))">
                <h2>\(HTML.escape(e.id)): \(HTML.escape(e.modelName)) \(HTML.escape(e.versionA)) vs \(HTML.escape(e.versionB)) (\(SVGChart.format(e.percentB))% on B)</h2>
                \(table)
                \(bars)
                \(series)
                </div>
                """)
        }
        return HTML.page(title: "Experiments", active: "Experiments", body: "<h1>Experiments</h1>\n" + (cards.isEmpty ? "<p class=\"muted\">No experiments yet.</p>" : cards.joined(separator: "\n")))
    }

    private func healthCell(_ health: String?) -> String {
        guard let health else { return "<span class=\"muted\">unknown</span>" }
        let cls = health == "ok" ? "ok" : health == "enrolled" ? "muted" : "bad"
        return "<span class=\"\(cls)\">\(HTML.escape(health))</span>"
    }

    private func statusCell(_ status: RolloutStatus) -> String {
        let cls: String
        switch status {
        case .completed: cls = "ok"
        case .progressing, .paused: cls = "warn"
        case .halted, .rolledBack: cls = "bad"
        }
        return "<span class=\"status \(cls)\">\(status.rawValue)</span>"
    }

    private func progressBar(_ percent: Double) -> String {
        let p = max(0, min(100, percent.isFinite ? percent : 0))
        return "<span class=\"bar\"><span style=\"width:\(String(format: "%.0f", p))%\"></span></span> \(SVGChart.format(p))%"
    }
}
