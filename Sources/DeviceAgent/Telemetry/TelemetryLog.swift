import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A durable, checksummed, append-only log of telemetry records that survives crashes and long offline
/// periods, bounded on disk with oldest-first eviction.
///
/// Layout in its directory: segment files `seg-<first sequence, 20 digits>.log`, each a run of records
///
///     [payload length: UInt32 LE][crc32 of (sequence ‖ payload): UInt32 LE][sequence: UInt64 LE][payload]
///
/// and `meta.json` (acknowledged sequence, dropped count, the batch in flight). On open, a torn or corrupt
/// tail (a crash mid-append) is cut off at the last good record. Uploads take records after the
/// acknowledged sequence; the batch in flight is persisted before it is sent, so a retry after a crash
/// re-sends exactly the same records under the same idempotency key.
public final class TelemetryLog: @unchecked Sendable {
    public struct Record: Sendable, Equatable {
        public let sequence: UInt64
        public let payload: Data
    }

    /// A batch persisted as in flight: re-sent as is until acknowledged.
    public struct Batch: Codable, Sendable, Equatable {
        public let first: UInt64
        public let last: UInt64
        public let idempotencyKey: String
    }

    struct Meta: Codable {
        var acknowledged: UInt64 = 0
        var dropped: UInt64 = 0
        var inFlight: Batch?
    }

    struct Segment {
        var first: UInt64
        var last: UInt64   // first - 1 when empty
        var bytes: Int64
        var url: URL
    }

    static let headerSize = 16
    public static let maxPayload = 1 << 20

    public let directory: URL
    public let capBytes: Int64
    let segmentBytes: Int64
    private let lock = NSLock()
    private var segments: [Segment] = []
    private var meta = Meta()
    private var nextSequence: UInt64 = 1
    private var writeFD: Int32 = -1

    /// Opens (or creates) the log; `capBytes` bounds the segments' total size.
    public init(directory: URL, capBytes: Int64 = 64 << 20) throws(AgentError) {
        self.directory = directory
        self.capBytes = max(capBytes, 4096)
        segmentBytes = max(self.capBytes / 8, 1024)
        try DurableFile.makeDirectory(directory)
        try loadMeta()
        try scan()
    }

    deinit { if writeFD >= 0 { close(writeFD) } }

    public var acknowledged: UInt64 { locked { meta.acknowledged } }
    /// Records evicted unsent because the cap was reached.
    public var droppedCount: UInt64 { locked { meta.dropped } }
    public var lastSequence: UInt64 { locked { nextSequence - 1 } }
    public var diskBytes: Int64 { locked { segments.reduce(0) { $0 + $1.bytes } } }
    public var inFlight: Batch? { locked { meta.inFlight } }

    /// Records not yet acknowledged.
    public var pendingCount: UInt64 {
        locked {
            let firstKept = segments.first?.first ?? nextSequence
            return (nextSequence - 1) - max(meta.acknowledged, firstKept - 1)
        }
    }

    /// Appends one record durably (written and fsynced before returning); returns its sequence.
    @discardableResult
    public func append(_ payload: Data) throws(AgentError) -> UInt64 {
        guard payload.count <= Self.maxPayload else {
            throw .corruptState(path: directory.path, reason: "telemetry record of \(payload.count) bytes exceeds \(Self.maxPayload)")
        }
        lock.lock()
        defer { lock.unlock() }
        let recordBytes = Int64(Self.headerSize + payload.count)
        try evictIfNeeded(adding: recordBytes)
        if segments.isEmpty || segments[segments.count - 1].bytes + recordBytes > segmentBytes {
            try startSegment()
        }
        let seq = nextSequence
        var frame = [UInt8]()
        frame.reserveCapacity(Int(recordBytes))
        appendLE(&frame, UInt32(payload.count))
        var body = [UInt8]()
        body.reserveCapacity(8 + payload.count)
        appendLE(&body, seq)
        body.append(contentsOf: payload)
        appendLE(&frame, CRC32.checksum(body))
        frame.append(contentsOf: body)
        let url = segments[segments.count - 1].url
        try writeAll(frame, path: url.path)
        guard fsync(writeFD) == 0 else { throw .io(operation: "fsync", path: url.path, reason: errnoText()) }
        segments[segments.count - 1].last = seq
        segments[segments.count - 1].bytes += recordBytes
        nextSequence = seq + 1
        return seq
    }

    /// The batch to upload next: the one in flight if any, else up to `limit` records after the
    /// acknowledged sequence, persisted as in flight under a new idempotency key.
    public func nextBatch(limit: Int, keyPrefix: String) throws(AgentError) -> (Batch, [Record])? {
        lock.lock()
        defer { lock.unlock() }
        if let batch = meta.inFlight {
            let records = try readRecords(from: batch.first, through: batch.last)
            if let first = records.first, first.sequence == batch.first, records.last?.sequence == batch.last {
                return (batch, records)
            }
            // Part of it was evicted: what remains goes out under a fresh key after the drop is counted.
            meta.inFlight = nil
            try saveMeta()
        }
        let firstKept = segments.first?.first ?? nextSequence
        let from = max(meta.acknowledged + 1, firstKept)
        guard from < nextSequence, limit > 0 else { return nil }
        let through = min(nextSequence - 1, from + UInt64(limit) - 1)
        let records = try readRecords(from: from, through: through)
        guard let first = records.first, let last = records.last else { return nil }
        let batch = Batch(first: first.sequence, last: last.sequence,
                          idempotencyKey: "\(keyPrefix)-\(first.sequence)-\(last.sequence)-\(UUID().uuidString.prefix(8))")
        meta.inFlight = batch
        try saveMeta()
        return (batch, records)
    }

    /// Marks a batch delivered: its records are never sent again, and whole sent segments are deleted.
    public func acknowledge(_ batch: Batch) throws(AgentError) {
        lock.lock()
        defer { lock.unlock() }
        meta.acknowledged = max(meta.acknowledged, batch.last)
        if meta.inFlight == batch { meta.inFlight = nil }
        try saveMeta()
        while let first = segments.first, first.bytes > 0, first.last <= meta.acknowledged {
            if segments.count == 1 { closeWriter() }
            unlink(first.url.path)
            segments.removeFirst()
        }
    }

    // MARK: - internals

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private var metaURL: URL { directory.appendingPathComponent("meta.json") }

    private func loadMeta() throws(AgentError) {
        guard FileManager.default.fileExists(atPath: metaURL.path) else { return }
        let data = try DurableFile.read(metaURL)
        do { meta = try JSONDecoder().decode(Meta.self, from: data) } catch {
            throw .corruptState(path: metaURL.path, reason: "\(error)")
        }
    }

    private func saveMeta() throws(AgentError) {
        let data: Data
        do { data = try JSONEncoder().encode(meta) } catch { throw .corruptState(path: metaURL.path, reason: "\(error)") }
        try DurableFile.write(data, to: metaURL)
    }

    /// Reads every segment, cuts a torn tail, and recovers the next sequence.
    private func scan() throws(AgentError) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("seg-") && $0.hasSuffix(".log") }.sorted()
        var expected: UInt64?
        for name in names {
            let url = directory.appendingPathComponent(name)
            guard let first = UInt64(name.dropFirst(4).dropLast(4)) else { continue }
            let bytes = [UInt8](try DurableFile.read(url))
            var offset = 0
            var last = first &- 1
            while let (seq, _, size) = Self.parse(bytes, at: offset) {
                if seq != last &+ 1 { break }
                last = seq
                offset += size
            }
            if offset < bytes.count {
                guard truncate(url.path, off_t(offset)) == 0 else {
                    throw .io(operation: "truncate", path: url.path, reason: errnoText())
                }
            }
            if let e = expected, first != e, offset == 0 {
                unlink(url.path)
                continue
            }
            segments.append(Segment(first: first, last: last, bytes: Int64(offset), url: url))
            expected = last &+ 1
        }
        nextSequence = max(expected ?? 1, meta.acknowledged + 1, 1)
        if let lastSeg = segments.last, lastSeg.last + 1 != nextSequence, lastSeg.bytes == 0 {
            unlink(lastSeg.url.path)
            segments.removeLast()
        }
    }

    /// One record at `offset`: (sequence, payload range, total size), or nil when torn or corrupt.
    static func parse(_ bytes: [UInt8], at offset: Int) -> (UInt64, Range<Int>, Int)? {
        guard offset >= 0, bytes.count - offset >= headerSize else { return nil }
        let length = Int(readLE32(bytes, offset))
        guard length <= maxPayload, bytes.count - offset - headerSize >= length else { return nil }
        let crc = readLE32(bytes, offset + 4)
        let bodyStart = offset + 8
        let bodyEnd = offset + headerSize + length
        let actual = bytes[bodyStart..<bodyEnd].withUnsafeBytes { CRC32.update(0, $0) }
        guard actual == crc else { return nil }
        var seq: UInt64 = 0
        for i in 0..<8 { seq |= UInt64(bytes[bodyStart + i]) << (8 * UInt64(i)) }
        return (seq, (offset + headerSize)..<bodyEnd, headerSize + length)
    }

    private func readRecords(from: UInt64, through: UInt64) throws(AgentError) -> [Record] {
        var out: [Record] = []
        for seg in segments where seg.last >= from && seg.first <= through && seg.bytes > 0 {
            let bytes = [UInt8](try DurableFile.read(seg.url))
            var offset = 0
            while let (seq, range, size) = Self.parse(bytes, at: offset) {
                if seq >= from && seq <= through { out.append(Record(sequence: seq, payload: Data(bytes[range]))) }
                offset += size
            }
        }
        return out
    }

    private func startSegment() throws(AgentError) {
        closeWriter()
        let name = "seg-" + String(repeating: "0", count: max(0, 20 - String(nextSequence).count)) + "\(nextSequence).log"
        let url = directory.appendingPathComponent(name)
        segments.append(Segment(first: nextSequence, last: nextSequence - 1, bytes: 0, url: url))
        try openWriter(url)
        try DurableFile.syncDirectory(directory)
    }

    private func openWriter(_ url: URL) throws(AgentError) {
        writeFD = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard writeFD >= 0 else { throw .io(operation: "open", path: url.path, reason: errnoText()) }
    }

    private func closeWriter() {
        if writeFD >= 0 { close(writeFD) }
        writeFD = -1
    }

    private func writeAll(_ frame: [UInt8], path: String) throws(AgentError) {
        if writeFD < 0 { try openWriter(URL(fileURLWithPath: path)) }
        var offset = 0
        while offset < frame.count {
            let n = frame.withUnsafeBytes { Glibc.write(writeFD, $0.baseAddress! + offset, frame.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                // Undo a partial frame so the file ends on a record boundary.
                let size = segments[segments.count - 1].bytes
                _ = ftruncate(writeFD, off_t(size))
                throw .io(operation: "write", path: path, reason: reason)
            }
            offset += n
        }
    }

    /// Deletes the oldest segments until the new record fits under the cap, counting unsent records lost.
    private func evictIfNeeded(adding bytes: Int64) throws(AgentError) {
        var total = segments.reduce(0) { $0 + $1.bytes }
        var changed = false
        while total + bytes > capBytes, let oldest = segments.first {
            if segments.count == 1 { closeWriter() }
            let unsentFrom = max(oldest.first, meta.acknowledged + 1)
            if oldest.last >= unsentFrom { meta.dropped += oldest.last - unsentFrom + 1 }
            unlink(oldest.url.path)
            segments.removeFirst()
            total -= oldest.bytes
            changed = true
        }
        if changed {
            if let f = meta.inFlight, f.first < (segments.first?.first ?? nextSequence) { meta.inFlight = nil }
            try saveMeta()
        }
    }
}

private func appendLE(_ out: inout [UInt8], _ v: UInt32) {
    for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
}

private func appendLE(_ out: inout [UInt8], _ v: UInt64) {
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
}

private func readLE32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
}
