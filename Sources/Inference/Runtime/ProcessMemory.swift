#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Memory figures of the running process, as benchmarks and device telemetry report them.
public enum ProcessMemory {
    /// Peak resident set size of this process so far, in bytes.
    ///
    /// On Linux this is `VmHWM` from /proc/self/status: the high-water mark of this program's own address
    /// space. `getrusage` is the fallback only: its `ru_maxrss` survives `exec`, so a child spawned by a
    /// large parent (a test runner, a server) would report the parent's peak instead of its own.
    public static func peakResidentBytes() -> Int {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.dropFirst("VmHWM:".count).filter(\.isNumber)
                if let kib = Int(digits) { return kib * 1024 }
            }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024   // kilobytes on Linux
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss          // bytes on Darwin
        #endif
    }
}
