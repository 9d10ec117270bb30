import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Named points in the update path where a test can make the agent die as `kill -9` would: no cleanup,
/// no flush. The CLI fills it from its `--crash-at` test flag; production runs have it empty.
public struct FaultPoints: Sendable {
    public static let all: [String] = [
        "download-start", "download-half", "download-done", "verify-start", "verify-done",
        "stage-moved", "stage-done", "switch-before", "switch-after", "health-start", "health-done",
        "commit-before", "rollback-before", "rollback-after",
    ]

    public let crashAt: Set<String>

    public init(crashAt: Set<String> = []) { self.crashAt = crashAt }

    /// Dies on the spot when `point` is armed.
    public func hit(_ point: String) {
        guard crashAt.contains(point) else { return }
        kill(getpid(), SIGKILL)
        // SIGKILL cannot be caught; wait for it to land.
        while true { pause() }
    }
}
