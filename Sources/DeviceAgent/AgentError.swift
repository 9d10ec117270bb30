import Foundation

/// Why the agent refused or could not do something. Every case names what a person can check.
public enum AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file-system call failed: the operation, the path and the `errno` text.
    case io(operation: String, path: String, reason: String)
    /// An update needs more disk than the data directory's file system has free.
    case insufficientDisk(needed: Int64, available: Int64, path: String)
    /// A download ended before the expected size, or the server sent more than announced.
    case truncatedDownload(expected: Int64, received: Int64)
    /// The downloaded bytes do not hash to the signed digest.
    case digestMismatch(expected: String, actual: String)
    /// The artifact server answered with an unexpected HTTP status.
    case http(status: Int, url: String)
    /// A request to the artifact server or control plane failed before any answer.
    case network(url: String, reason: String)
    /// A slot or state file on disk is not what the agent wrote.
    case corruptState(path: String, reason: String)
    /// A slot name that would leave the data directory or clash with the layout.
    case invalidSlotName(String)
    /// A fault injected by a test (the process would have been killed here).
    case injectedFault(String)

    public var description: String {
        switch self {
        case .io(let op, let path, let reason): return "\(op) failed for \(path): \(reason)"
        case .insufficientDisk(let needed, let available, let path):
            return "not enough disk for the update at \(path): needs \(needed) bytes, \(available) free"
        case .truncatedDownload(let expected, let received):
            return "download truncated: expected \(expected) bytes, received \(received)"
        case .digestMismatch(let expected, let actual):
            return "sha256 mismatch: signed digest \(expected), downloaded bytes hash to \(actual)"
        case .http(let status, let url): return "HTTP \(status) from \(url)"
        case .network(let url, let reason): return "cannot reach \(url): \(reason)"
        case .corruptState(let path, let reason): return "state file \(path) is corrupt: \(reason)"
        case .invalidSlotName(let name): return "invalid slot name '\(name)'"
        case .injectedFault(let point): return "injected fault at \(point)"
        }
    }

    /// A short stable code for reports to the control plane.
    public var code: String {
        switch self {
        case .io: return "io_error"
        case .insufficientDisk: return "insufficient_disk"
        case .truncatedDownload: return "truncated_download"
        case .digestMismatch: return "digest_mismatch"
        case .http: return "http_error"
        case .network: return "network_error"
        case .corruptState: return "corrupt_state"
        case .invalidSlotName: return "invalid_slot_name"
        case .injectedFault: return "injected_fault"
        }
    }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
