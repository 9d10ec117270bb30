/// Scores how demanding a prompt looks from cheap lexical features, in one pass over its bytes.
///
/// Words are ASCII letter runs, lowercased; markers match whole words only ("prove" does not match
/// "improve"). The score is `Σ weight × min(value, cap)` over `ComplexityFeature.Kind`; a request is
/// complex when the score reaches the threshold. About 10 µs per 1,000 tokens in release builds.
public struct ComplexityScorer: Sendable {
    /// Threshold and weights in use.
    public let settings: ComplexitySettings

    /// Creates a scorer.
    public init(settings: ComplexitySettings = ComplexitySettings()) {
        self.settings = settings
    }

    /// Scores texts (e.g. all messages of a chat) as one prompt of `estimatedTokens` tokens.
    public func score(_ texts: [String], estimatedTokens: Int) -> ComplexityReport {
        var counts = FeatureCounts()
        for text in texts { counts.scan(text) }
        return report(counts, estimatedTokens: estimatedTokens)
    }

    /// Scores one text, estimating its tokens with `TokenEstimator`.
    public func score(_ text: String) -> ComplexityReport {
        score([text], estimatedTokens: TokenEstimator.estimate(text))
    }

    private func report(_ counts: FeatureCounts, estimatedTokens: Int) -> ComplexityReport {
        let weights = settings.weights
        let values: [(ComplexityFeature.Kind, Double, Double)] = [
            (.length, Double(estimatedTokens) / 1000, weights.length),
            (.reasoning, Double(counts.reasoning), weights.reasoning),
            (.steps, counts.numberedItems >= 2 ? Double(counts.numberedItems) : 0, weights.steps),
            (.code, Double((counts.fences + 1) / 2 + counts.codeLikeLines / 3), weights.code),
            (.constraints, Double(counts.constraints), weights.constraints),
        ]
        var score = 0.0
        var features: [ComplexityFeature] = []
        features.reserveCapacity(values.count)
        for (kind, value, weight) in values {
            let contribution = weight * min(value, kind.cap)
            score += contribution
            features.append(ComplexityFeature(kind: kind, value: value, contribution: contribution))
        }
        return ComplexityReport(score: score, threshold: settings.threshold, features: features)
    }
}

/// Raw counts gathered while scanning.
struct FeatureCounts {
    var reasoning = 0
    var constraints = 0
    var numberedItems = 0
    var fences = 0
    var codeLikeLines = 0

    mutating func scan(_ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { scan($0) }
        if done == nil { Array(text.utf8).withUnsafeBufferPointer { scan($0) } }
    }

    /// One pass, all state in locals so it stays in registers: words (for markers), line starts
    /// (numbered items), line ends and operators (code-like lines), backtick runs (fences).
    private mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) {
        let table = MarkerTable.shared
        var word: UInt64 = 0          // letters packed 5 bits each; see MarkerTable.encode
        var wordLength = 0
        var previous1: UInt64 = 0     // the last two words, for phrases
        var previous2: UInt64 = 0
        var lineStart = LineStart.leadingSpace
        var lastNonSpace: UInt8 = 0
        var lineHasOperator = false
        var previousByte: UInt8 = 0
        var backticks = 0

        func endWord() {
            let code = wordLength <= MarkerTable.maxWordLength ? word : 0
            if code != 0, table.mightContain(code), let entry = table.entries[code] {
                if let kind = entry.single { add(kind) }
                for phrase in entry.phrases where phrase.previous1 == previous1
                    && (phrase.previous2 == 0 || phrase.previous2 == previous2) {
                    add(phrase.kind)
                }
            }
            previous2 = previous1
            previous1 = code
            word = 0
            wordLength = 0
        }

        func endLine() {
            if lineHasOperator || lastNonSpace == UInt8(ascii: ";") || lastNonSpace == UInt8(ascii: "{")
                || lastNonSpace == UInt8(ascii: "}") {
                codeLikeLines += 1
            }
            lineStart = .leadingSpace
            lastNonSpace = 0
            lineHasOperator = false
        }

        for byte in bytes {
            let letter = (byte | 0x20) &- 0x61  // 0...25 for ASCII letters
            if letter < 26 && byte >= 0x41 {
                if wordLength < MarkerTable.maxWordLength { word = word << 5 | UInt64(letter + 1) }
                wordLength += 1
                lastNonSpace = byte
                previousByte = byte
                backticks = 0
                if lineStart != .done { lineStart = .done }
                continue
            }
            if wordLength > 0 { endWord() }
            if byte == UInt8(ascii: "`") {
                backticks += 1
                if backticks == 3 { fences += 1 }
            } else {
                backticks = 0
            }
            if lineStart != .done { lineStart = lineStart.next(byte, numberedItems: &numberedItems) }
            switch byte {
            case UInt8(ascii: "\n"):
                endLine()
            case UInt8(ascii: "="):
                if previousByte == UInt8(ascii: "=") || previousByte == UInt8(ascii: "!") { lineHasOperator = true }
            case UInt8(ascii: ">"):
                if previousByte == UInt8(ascii: "=") { lineHasOperator = true }
            case UInt8(ascii: "&"), UInt8(ascii: "|"):
                if previousByte == byte { lineHasOperator = true }
            default:
                break
            }
            if byte != 0x20 && byte != 0x09 && byte != 0x0D && byte != 0x0A { lastNonSpace = byte }
            previousByte = byte
        }
        if wordLength > 0 { endWord() }
        endLine()
    }
}

/// Recognises a numbered item at a line start: optional blanks, digits, `.` or `)`, a blank.
private enum LineStart {
    case leadingSpace, digits, marker, done

    func next(_ byte: UInt8, numberedItems: inout Int) -> LineStart {
        let isDigit = byte >= 0x30 && byte <= 0x39
        let isBlank = byte == 0x20 || byte == 0x09
        switch self {
        case .leadingSpace: return isBlank ? .leadingSpace : isDigit ? .digits : .done
        case .digits: return isDigit ? .digits : (byte == UInt8(ascii: ".") || byte == UInt8(ascii: ")")) ? .marker : .done
        case .marker:
            if isBlank { numberedItems += 1 }
            return .done
        case .done: return .done
        }
    }
}

extension FeatureCounts {
    mutating func add(_ kind: MarkerTable.Kind) {
        switch kind {
        case .reasoning: reasoning += 1
        case .constraint: constraints += 1
        }
    }
}

/// The marker vocabulary, keyed by each marker's last word so a scan does one lookup per word.
struct MarkerTable: Sendable {
    enum Kind: Sendable { case reasoning, constraint }

    struct Phrase: Sendable {
        var previous1: UInt64   // the word before the last
        var previous2: UInt64   // the one before that, or 0 for two-word phrases
        var kind: Kind
    }

    struct Entry: Sendable {
        var single: Kind?
        var phrases: [Phrase] = []
    }

    /// Words longer than this are never markers and are not encoded.
    static let maxWordLength = 12

    static let shared = MarkerTable()

    private(set) var entries: [UInt64: Entry] = [:]
    /// A 1,024-bit filter over the keys of `entries`: most words miss it, which is cheaper than a
    /// dictionary lookup (hashing) for each of the ~1,600 words of a 2,000-token prompt.
    private var filter = [UInt64](repeating: 0, count: 16)

    func mightContain(_ code: UInt64) -> Bool {
        let bucket = Self.bucket(code)
        return filter[bucket >> 6] & (1 << UInt64(bucket & 63)) != 0
    }

    private static func bucket(_ code: UInt64) -> Int { Int((code &* 0x9E37_79B9_7F4A_7C15) >> 54) }

    private init() {
        let reasoning = ["prove", "proof", "derive", "compare", "comparison", "contrast", "analyze", "analyse",
                         "justify", "evaluate", "tradeoff", "tradeoffs"]
        let constraints = ["must", "should", "exactly", "without", "never", "always"]
        let phrases: [(String, Kind)] = [
            ("step by step", .reasoning), ("explain why", .reasoning), ("explain how", .reasoning),
            ("trade off", .reasoning), ("trade offs", .reasoning), ("pros and cons", .reasoning),
            ("at least", .constraint), ("at most", .constraint), ("no more than", .constraint),
            ("no less than", .constraint), ("no fewer than", .constraint),
        ]
        for word in reasoning { entries[Self.encode(word), default: Entry()].single = .reasoning }
        for word in constraints { entries[Self.encode(word), default: Entry()].single = .constraint }
        for (text, kind) in phrases {
            let codes = text.split(separator: " ").map { Self.encode(String($0)) }
            let phrase = Phrase(previous1: codes[codes.count - 2], previous2: codes.count > 2 ? codes[0] : 0, kind: kind)
            entries[codes[codes.count - 1], default: Entry()].phrases.append(phrase)
        }
        for code in entries.keys {
            let bucket = Self.bucket(code)
            filter[bucket >> 6] |= 1 << UInt64(bucket & 63)
        }
    }

    /// Lowercase ASCII letters packed 5 bits each (a = 1), exact for up to 12 letters.
    static func encode(_ word: String) -> UInt64 {
        word.utf8.reduce(0) { $0 << 5 | UInt64(($1 | 0x20) - 0x60) }
    }
}
