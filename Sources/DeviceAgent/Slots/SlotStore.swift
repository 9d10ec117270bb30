import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the agent records about one installed model slot (`slots/<id>/slot.json`).
public struct SlotInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var version: String
    public var sha256: String
    public var sizeBytes: Int64
    /// The desired-state sequence that installed it.
    public var sequence: UInt64
    public var installedAt: Date

    public init(id: String, name: String, version: String, sha256: String, sizeBytes: Int64, sequence: UInt64,
                installedAt: Date) {
        self.id = id
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.sequence = sequence
        self.installedAt = installedAt
    }
}

/// Model slots in the agent's data directory:
///
///     DATA/slots/<id>/model.gguf       the weights, verified before they were moved here
///     DATA/slots/<id>/manifest.json    the signed manifest they were verified against
///     DATA/slots/<id>/slot.json        `SlotInfo`, written last: a slot without it is incomplete
///     DATA/active -> slots/<id>        switched atomically by rename(2) of a new symlink over the old
///     DATA/staging/                    partial and finished downloads
///
/// A crash at any point leaves `active` pointing at a complete slot (or absent before the first install).
public struct SlotStore: Sendable {
    public let root: URL
    public var slotsDirectory: URL { root.appendingPathComponent("slots") }
    public var stagingDirectory: URL { root.appendingPathComponent("staging") }
    var activeLink: URL { root.appendingPathComponent("active") }

    public init(root: URL) throws(AgentError) {
        self.root = root
        try DurableFile.makeDirectory(root)
        try DurableFile.makeDirectory(slotsDirectory)
        try DurableFile.makeDirectory(stagingDirectory)
    }

    /// A slot is named by what it holds (model, version, the start of its digest), so a slot staged
    /// before a crash is found again under a later desired state for the same artifact.
    public static func slotID(name: String, version: String, sha256: String) -> String {
        let safe = { (s: String) -> String in
            String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "_" }.prefix(64))
        }
        return "\(safe(name))-\(safe(version))-\(safe(String(sha256.lowercased().prefix(12))))"
    }

    public func directory(of id: String) throws(AgentError) -> URL {
        guard !id.isEmpty, !id.contains("/"), id != ".", id != ".." else { throw .invalidSlotName(id) }
        return slotsDirectory.appendingPathComponent(id)
    }

    public func modelPath(of id: String) throws(AgentError) -> URL {
        try directory(of: id).appendingPathComponent("model.gguf")
    }

    /// Moves a verified download into a new slot, with its manifest, and writes `slot.json` last.
    /// Idempotent: a complete slot with the same digest is kept as it is.
    public func install(verifiedFile: URL, manifest: Data, info: SlotInfo) throws(AgentError) {
        let dir = try directory(of: info.id)
        if let existing = try? self.info(of: info.id), existing.sha256 == info.sha256 {
            try? FileManager.default.removeItem(at: verifiedFile)
            return
        }
        try DurableFile.makeDirectory(dir)
        let model = dir.appendingPathComponent("model.gguf")
        if FileManager.default.fileExists(atPath: verifiedFile.path) {
            guard rename(verifiedFile.path, model.path) == 0 else {
                throw .io(operation: "rename", path: model.path, reason: errnoText())
            }
        } else if DurableFile.size(of: model) != info.sizeBytes {
            throw .corruptState(path: model.path, reason: "the staged model file is missing")
        }
        try DurableFile.write(manifest, to: dir.appendingPathComponent("manifest.json"))
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data: Data
        do { data = try encoder.encode(info) } catch { throw .corruptState(path: dir.path, reason: "\(error)") }
        try DurableFile.write(data, to: dir.appendingPathComponent("slot.json"))
        try DurableFile.syncDirectory(slotsDirectory)
    }

    /// The slot's record, when the slot is complete (its `slot.json` exists and its model has the right size).
    public func info(of id: String) throws(AgentError) -> SlotInfo {
        let dir = try directory(of: id)
        let url = dir.appendingPathComponent("slot.json")
        let data = try DurableFile.read(url)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let info: SlotInfo
        do { info = try decoder.decode(SlotInfo.self, from: data) } catch {
            throw .corruptState(path: url.path, reason: "\(error)")
        }
        let model = dir.appendingPathComponent("model.gguf")
        guard let size = DurableFile.size(of: model), size == info.sizeBytes else {
            throw .corruptState(path: model.path, reason: "model file missing or not \(info.sizeBytes) bytes")
        }
        return info
    }

    /// The slot `active` points at, or nil before the first install.
    public func activeSlot() -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: activeLink.path) else { return nil }
        let id = URL(fileURLWithPath: target).lastPathComponent
        return id.isEmpty ? nil : id
    }

    /// Points `active` at a complete slot in one atomic rename.
    public func activate(_ id: String) throws(AgentError) {
        _ = try info(of: id)
        let tmp = root.appendingPathComponent(".active.tmp-\(getpid())")
        unlink(tmp.path)
        guard symlink("slots/\(id)", tmp.path) == 0 else {
            throw .io(operation: "symlink", path: tmp.path, reason: errnoText())
        }
        guard rename(tmp.path, activeLink.path) == 0 else {
            let reason = errnoText()
            unlink(tmp.path)
            throw .io(operation: "rename", path: activeLink.path, reason: reason)
        }
        try DurableFile.syncDirectory(root)
    }

    /// Every slot directory name, complete or not.
    public func allSlots() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: slotsDirectory.path)) ?? []).sorted()
    }

    /// Removes every slot but `keep`, and every staged download but the ones named.
    public func collectGarbage(keep: Set<String>, keepStaged: Set<String> = []) {
        for id in allSlots() where !keep.contains(id) {
            try? FileManager.default.removeItem(at: slotsDirectory.appendingPathComponent(id))
        }
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: stagingDirectory.path)) ?? []
        for name in staged where !keepStaged.contains(name) {
            try? FileManager.default.removeItem(at: stagingDirectory.appendingPathComponent(name))
        }
        try? DurableFile.syncDirectory(slotsDirectory)
    }

    /// Refuses an update whose download would not fit, keeping a margin for logs and the telemetry buffer.
    public func ensureSpace(for bytes: Int64, alreadyStaged: Int64 = 0, margin: Int64 = 64 << 20) throws(AgentError) {
        let available = try DurableFile.availableBytes(at: root)
        let remaining = max(0, bytes - alreadyStaged)
        let (needed, overflow) = remaining.addingReportingOverflow(margin)
        if overflow || needed > available {
            throw .insufficientDisk(needed: overflow ? Int64.max : needed, available: available, path: root.path)
        }
    }
}
