import DeviceAgent
import Foundation
import XCTest

final class InventoryReaderTests: XCTestCase {
    private func fixture(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-inv-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        return root
    }

    private let cpuinfo = """
    processor\t: 0
    vendor_id\t: GenuineIntel
    model name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz
    flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni hypervisor

    processor\t: 1
    model name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz
    flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni hypervisor

    """

    func testReadsCPUMemoryAndTheCgroupLimit() throws {
        let root = try fixture([
            "proc/cpuinfo": cpuinfo,
            "proc/meminfo": "MemTotal:       24576000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n",
            "sys/fs/cgroup/memory.max": "4294967296\n",
            "sys/fs/cgroup/cpu.max": "150000 100000\n",
            "etc/os-release": "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
            "proc/sys/kernel/osrelease": "6.1.0-test\n",
        ])
        let inv = InventoryReader(root: root, agentVersion: "1.2.3").read(dataDirectory: root)
        XCTAssertEqual(inv.cpuModel, "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz")
        XCTAssertEqual(inv.isaFeatures, ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"])
        XCTAssertEqual(inv.cgroupMemoryLimitBytes, 4_294_967_296)
        XCTAssertEqual(inv.ramBytes, 4_294_967_296, "the cgroup limit is below MemTotal")
        XCTAssertEqual(inv.availableRAMBytes, 4_294_967_296)
        XCTAssertEqual(inv.cores, 2, "1.5 CPUs of quota round up to 2, bounded by 2 processors")
        XCTAssertEqual(inv.os, "Debian GNU/Linux 12 (bookworm)")
        XCTAssertEqual(inv.kernel, "6.1.0-test")
        XCTAssertEqual(inv.agentVersion, "1.2.3")
        XCTAssertGreaterThan(inv.freeDiskBytes, 0)
    }

    func testUnlimitedCgroupFallsBackToMemTotal() throws {
        let root = try fixture([
            "proc/cpuinfo": cpuinfo,
            "proc/meminfo": "MemTotal:       2048 kB\nMemAvailable:   1024 kB\n",
            "sys/fs/cgroup/memory.max": "max\n",
            "sys/fs/cgroup/cpu.max": "max 100000\n",
        ])
        let inv = InventoryReader(root: root, agentVersion: "x").read(dataDirectory: root)
        XCTAssertNil(inv.cgroupMemoryLimitBytes)
        XCTAssertEqual(inv.ramBytes, 2048 * 1024)
        XCTAssertEqual(inv.availableRAMBytes, 1024 * 1024)
        XCTAssertEqual(inv.cores, 2)
        XCTAssertEqual(inv.os, "Linux")
    }

    func testMissingFilesGiveNeutralValuesNotACrash() throws {
        let root = try fixture(["proc/meminfo": "garbage line\nMemTotal: notanumber kB\n"])
        let inv = InventoryReader(root: root, agentVersion: "x").read(dataDirectory: root)
        XCTAssertEqual(inv.cpuModel, "unknown")
        XCTAssertEqual(inv.ramBytes, 0)
        XCTAssertEqual(inv.cores, 1)
    }

    func testThisMachine() throws {
        let inv = InventoryReader(agentVersion: "x").read(dataDirectory: FileManager.default.temporaryDirectory)
        XCTAssertGreaterThan(inv.ramBytes, 0)
        XCTAssertGreaterThanOrEqual(inv.cores, 1)
        XCTAssertNotEqual(inv.cpuModel, "unknown")
        let procText = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        for f in inv.isaFeatures { XCTAssertTrue(procText.contains(" \(f)"), f) }
    }
}
