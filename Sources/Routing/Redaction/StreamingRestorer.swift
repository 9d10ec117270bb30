/// Restores placeholders in streamed upstream output, chunk by chunk. A placeholder split across
/// chunks (`[EMA` + `IL_1]`) is restored once complete: the restorer holds back a trailing run that
/// could still become a placeholder the map issued, and nothing else.
public struct StreamingRestorer: Sendable {
    /// The map whose placeholders are restored.
    public let map: RedactionMap
    private var pending: [UInt8] = []
    /// Every proper prefix of an issued placeholder, such as `[`, `[E`, … `[EMAIL_1`.
    private let partials: Set<[UInt8]>
    private let longest: Int

    /// A restorer for the placeholders in `map` (a snapshot: later additions to the map are not seen).
    public init(map: RedactionMap) {
        self.map = map
        var partials = Set<[UInt8]>()
        var longest = 0
        for placeholder in map.placeholders {
            let bytes = Array(placeholder.utf8)
            longest = max(longest, bytes.count)
            for length in 1..<bytes.count { partials.insert(Array(bytes[0..<length])) }
        }
        self.partials = partials
        self.longest = longest
    }

    /// Adds a chunk and returns the restored text that is now certain; it may be empty.
    public mutating func feed(_ chunk: String) -> String {
        pending.append(contentsOf: chunk.utf8)
        var cut = pending.count
        let searchFrom = max(pending.startIndex, pending.count - longest)
        if let open = pending[searchFrom...].lastIndex(of: PIIBytes.openBracket),
           partials.contains(Array(pending[open...])) {
            cut = open
        }
        return emit(upTo: cut)
    }

    /// Returns whatever is still held back (the stream ended inside something that only looked like the
    /// start of a placeholder).
    public mutating func finish() -> String {
        emit(upTo: pending.count)
    }

    private mutating func emit(upTo cut: Int) -> String {
        guard cut > 0 else { return "" }
        var out = [UInt8]()
        out.reserveCapacity(cut)
        map.restore(pending[0..<cut], into: &out)
        pending.removeFirst(cut)
        return String(decoding: out, as: UTF8.self)
    }
}
