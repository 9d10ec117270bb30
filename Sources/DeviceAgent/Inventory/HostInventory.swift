import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the device is, read from the kernel's files: CPU model and ISA features from /proc/cpuinfo,
/// memory from /proc/meminfo bounded by the cgroup's memory limit, usable cores bounded by the cgroup's
/// CPU quota, free disk of the data directory, and the OS from /etc/os-release.
public struct HostInventory: Codable, Sendable, Equatable {
    public var os: String
    public var kernel: String
    public var cpuModel: String
    /// Features relevant to the runtime's kernels, lower-case as the kernel names them (avx2, avx512f, ...).
    public var isaFeatures: [String]
    public var cores: Int
    /// Memory usable by this process tree: MemTotal, or the cgroup limit when lower.
    public var ramBytes: Int64
    public var availableRAMBytes: Int64
    public var cgroupMemoryLimitBytes: Int64?
    public var freeDiskBytes: Int64
    public var accelerators: [String]
    public var agentVersion: String
}

/// Reads `HostInventory`; `root` lets tests point it at a fixture tree shaped like `/`.
public struct InventoryReader: Sendable {
    public static let relevantFeatures: [String] = [
        "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni",
        "avx512_bf16", "amx_tile", "amx_int8", "asimd", "asimddp", "sve", "i8mm",
    ]

    public let root: URL
    public let agentVersion: String

    public init(root: URL = URL(fileURLWithPath: "/"), agentVersion: String) {
        self.root = root
        self.agentVersion = agentVersion
    }

    public func read(dataDirectory: URL) -> HostInventory {
        let cpu = cpuInfo()
        let mem = memInfo()
        let limit = cgroupMemoryLimit()
        let total = limit.map { min($0, mem.total) } ?? mem.total
        let available = limit.map { min($0, mem.available) } ?? mem.available
        return HostInventory(
            os: osName(), kernel: kernelRelease(), cpuModel: cpu.model, isaFeatures: cpu.features,
            cores: cores(online: cpu.processors), ramBytes: total, availableRAMBytes: available,
            cgroupMemoryLimitBytes: limit, freeDiskBytes: (try? DurableFile.availableBytes(at: dataDirectory)) ?? 0,
            accelerators: accelerators(), agentVersion: agentVersion)
    }

    private func text(_ path: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Model name (x86 "model name", ARM "Hardware"/"CPU part"), relevant flags, processor count.
    func cpuInfo() -> (model: String, features: [String], processors: Int) {
        guard let info = text("proc/cpuinfo") else { return ("unknown", [], 1) }
        var model = ""
        var flags = Set<String>()
        var processors = 0
        for line in info.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "processor": processors += 1
            case "model name", "Hardware", "Model": if model.isEmpty { model = value }
            case "flags", "Features": flags.formUnion(value.split(separator: " ").map(String.init))
            default: break
            }
        }
        let relevant = Self.relevantFeatures.filter { flags.contains($0) }
        return (model.isEmpty ? "unknown" : model, relevant, max(processors, 1))
    }

    /// MemTotal and MemAvailable in bytes.
    func memInfo() -> (total: Int64, available: Int64) {
        guard let info = text("proc/meminfo") else { return (0, 0) }
        var total: Int64 = 0
        var available: Int64 = 0
        for line in info.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == ":" })
            guard parts.count >= 2, let kb = Int64(parts[1]) else { continue }
            let (bytes, overflow) = kb.multipliedReportingOverflow(by: 1024)
            if overflow { continue }
            if parts[0] == "MemTotal" { total = bytes }
            if parts[0] == "MemAvailable" { available = bytes }
        }
        return (total, available == 0 ? total : available)
    }

    /// cgroup v2 `memory.max`, or v1 `memory.limit_in_bytes`; nil when unlimited or absent.
    func cgroupMemoryLimit() -> Int64? {
        for path in ["sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let raw = text(path)?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { continue }
            if raw == "max" { return nil }
            // cgroup v1 reports "no limit" as a huge page-rounded number.
            if let v = Int64(raw), v > 0, v < (Int64(1) << 60) { return v }
            return nil
        }
        return nil
    }

    /// Online processors, bounded by a cgroup v2 `cpu.max` quota.
    func cores(online: Int) -> Int {
        guard let raw = text("sys/fs/cgroup/cpu.max")?.split(separator: " "), raw.count == 2,
              raw[0] != "max", let quota = Double(raw[0]), let period = Double(raw[1].trimmingCharacters(in: .whitespacesAndNewlines)),
              period > 0 else { return online }
        return max(1, min(online, Int((quota / period).rounded(.up))))
    }

    func osName() -> String {
        guard let release = text("etc/os-release") else { return "Linux" }
        for line in release.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return "Linux"
    }

    func kernelRelease() -> String {
        if let r = text("proc/sys/kernel/osrelease") { return r.trimmingCharacters(in: .whitespacesAndNewlines) }
        return "unknown"
    }

    /// GPUs and NPUs the kernel exposes (DRM render nodes, NVIDIA devices); empty on a CPU-only device.
    func accelerators() -> [String] {
        let fm = FileManager.default
        var found: [String] = []
        if let nodes = try? fm.contentsOfDirectory(atPath: root.appendingPathComponent("dev/dri").path) {
            found += nodes.filter { $0.hasPrefix("renderD") }.sorted().map { "drm:\($0)" }
        }
        if fm.fileExists(atPath: root.appendingPathComponent("dev/nvidia0").path) { found.append("nvidia") }
        return found
    }
}
