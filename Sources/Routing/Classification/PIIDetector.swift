/// Finds personal and regulated data in text so that restricted requests stay on the device.
///
/// Built-in detectors run in one pass over the UTF-8 bytes with cheap triggers (see `PIIScanner`);
/// each validates what it finds (Luhn for cards, mod 97 for IBANs, octet ranges for IPv4, issued
/// ranges for SSNs, calendar validity for dates). Custom patterns use `NSRegularExpression` and so
/// cost one regex pass each. A detector value is immutable and safe to share across tasks.
public struct PIIDetector: Sendable {
    /// Every built-in kind plus `.custom`.
    public static let allEntityTypes = Set(EntityType.allCases)

    /// A detector with every built-in kind enabled and no custom patterns.
    public static let builtIn = PIIDetector(compiled: [], enabled: allEntityTypes)

    /// The kinds this detector reports.
    public let enabled: Set<EntityType>
    private let switches: PIIDetectorSwitches
    private let customPatterns: [CompiledCustomPattern]

    /// Creates a detector. Custom patterns are compiled here, so a bad configuration fails at start-up
    /// rather than on a request; they run only when `.custom` is enabled.
    /// - Throws: `InvalidCustomPatternError` naming the first pattern that has an empty name or does
    ///   not compile.
    public init(customPatterns: [CustomPattern] = [], enabled: Set<EntityType> = PIIDetector.allEntityTypes)
        throws(InvalidCustomPatternError)
    {
        var compiled = [CompiledCustomPattern]()
        for pattern in customPatterns {
            compiled.append(try CompiledCustomPattern(pattern))
        }
        self.init(compiled: compiled, enabled: enabled)
    }

    private init(compiled: [CompiledCustomPattern], enabled: Set<EntityType>) {
        self.customPatterns = compiled
        self.enabled = enabled
        self.switches = PIIDetectorSwitches(enabled)
    }

    /// The entities in `text`, sorted by position and non-overlapping (where two matches overlap, the
    /// longer one is kept, then the more specific kind).
    public func detect(_ text: String) -> [DetectedEntity] {
        var candidates = scanBuiltIns(text)
        if enabled.contains(.custom) {
            for pattern in customPatterns { candidates.append(contentsOf: pattern.candidates(in: text)) }
        }
        return entities(from: PIIOverlapResolver.resolve(candidates), in: text)
    }

    /// Detects entities and derives the data class: any entity makes the text `restricted`, none
    /// leaves it `public`. Use `Classification.raised(to:)` to apply a class given by the caller.
    public func classify(_ text: String) -> Classification {
        Classification(entities: detect(text))
    }

    private func scanBuiltIns(_ text: String) -> [PIICandidate] {
        let switches = self.switches
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> [PIICandidate] {
            var scanner = PIIScanner(bytes: buffer, switches: switches)
            scanner.scan()
            return scanner.found
        }
        if let found = text.utf8.withContiguousStorageIfAvailable(run) { return found }
        return Array(text.utf8).withUnsafeBufferPointer(run)
    }

    /// Byte offsets to string indices, walking forward once through the sorted candidates.
    private func entities(from candidates: [PIICandidate], in text: String) -> [DetectedEntity] {
        let utf8 = text.utf8
        var index = utf8.startIndex
        var offset = 0
        var result = [DetectedEntity]()
        result.reserveCapacity(candidates.count)
        for candidate in candidates {
            let start = utf8.index(index, offsetBy: candidate.start - offset)
            let end = utf8.index(start, offsetBy: candidate.length)
            result.append(DetectedEntity(type: candidate.type, label: candidate.label, range: start..<end))
            index = start
            offset = candidate.start
        }
        return result
    }
}
