/// Splits text into words before byte-level BPE, as llama.cpp's `unicode_regex_split` does.
///
/// llama.cpp applies a list of regexes in turn; each one splits every segment left by the previous
/// ones into its matches and the gaps between them. The regexes used by the supported
/// `tokenizer.ggml.pre` values are implemented here by hand over code points and their Unicode
/// flags, following llama.cpp's custom GPT-2 and LLaMA 3 splitters (which it states are exact).
struct PreTokenizer: Sendable {
    /// One regex of the list.
    enum Rule: Sendable, Equatable {
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
        case gpt2
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        case llama3(maxDigits: Int)
        /// `\p{N}`
        case singleNumbers
        /// `\p{N}+`
        case numberRuns
        /// `[\p{P}\$\+<=>\^~\|]+`
        case punctuationRuns
        /// `[0-9][0-9][0-9]`
        case asciiDigitTriples
    }

    let rules: [Rule]

    /// Word boundaries of `scalars`: the length in code points of each word, in order.
    func split(_ scalars: [UInt32]) -> [Int] {
        if scalars.isEmpty { return [] }
        let flags = scalars.map { UnicodeFlags.of($0) }
        var segments = [scalars.count]
        for rule in rules {
            var next: [Int] = []
            next.reserveCapacity(segments.count * 2 + 8)
            var start = 0
            for length in segments {
                var splitter = Splitter(scalars: scalars, flags: flags, start: start, end: start + length)
                splitter.apply(rule, into: &next)
                start += length
            }
            segments = next
        }
        return segments
    }
}

/// Applies one rule to the code points `start ..< end` of one segment.
private struct Splitter {
    let scalars: [UInt32]
    let flags: [UnicodeFlags]
    let start: Int
    let end: Int
    private var previousEnd: Int

    init(scalars: [UInt32], flags: [UnicodeFlags], start: Int, end: Int) {
        self.scalars = scalars
        self.flags = flags
        self.start = start
        self.end = end
        self.previousEnd = start
    }

    private static let outOfRange: UInt32 = 0xFFFF_FFFF
    private static let apostrophe = UInt32(UInt8(ascii: "'"))
    private static let space = UInt32(UInt8(ascii: " "))
    private static let cr = UInt32(UInt8(ascii: "\r"))
    private static let lf = UInt32(UInt8(ascii: "\n"))

    private func scalar(_ pos: Int) -> UInt32 { pos >= start && pos < end ? scalars[pos] : Self.outOfRange }
    private func flag(_ pos: Int) -> UnicodeFlags { pos >= start && pos < end ? flags[pos] : [] }
    private func inRange(_ pos: Int) -> Bool { pos >= start && pos < end }

    /// Closes the word ending at `wordEnd`; returns its length.
    @discardableResult
    private mutating func addWord(_ wordEnd: Int, _ out: inout [Int]) -> Int {
        let length = wordEnd - previousEnd
        if length > 0 { out.append(length) }
        previousEnd = wordEnd
        return length
    }

    mutating func apply(_ rule: PreTokenizer.Rule, into out: inout [Int]) {
        switch rule {
        case .gpt2: gpt2(&out)
        case .llama3(let maxDigits): llama3(maxDigits: max(1, maxDigits), &out)
        case .singleNumbers: matches(&out) { s, p in s.flag(p).contains(.number) ? 1 : 0 }
        case .numberRuns: matches(&out) { s, p in s.run(from: p) { f, _ in f.contains(.number) } }
        case .punctuationRuns: matches(&out) { s, p in s.run(from: p) { f, c in s.isDefaultPunctuation(c, f) } }
        case .asciiDigitTriples:
            matches(&out) { s, p in (0 ..< 3).allSatisfy { s.isASCIIDigit(s.scalar(p + $0)) } ? 3 : 0 }
        }
    }

    // MARK: generic regex iteration

    /// The regex-iterator shape: leftmost matches, each gap between matches kept as its own word.
    private mutating func matches(_ out: inout [Int], _ matchLength: (Splitter, Int) -> Int) {
        var pos = start
        while pos < end {
            let length = matchLength(self, pos)
            if length > 0 {
                addWord(pos, &out)
                pos += length
                addWord(pos, &out)
            } else {
                pos += 1
            }
        }
        addWord(end, &out)
    }

    private func run(from pos: Int, _ predicate: (UnicodeFlags, UInt32) -> Bool) -> Int {
        var p = pos
        while inRange(p), predicate(flags[p], scalars[p]) { p += 1 }
        return p - pos
    }

    private func isASCIIDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

    /// `[\p{P}\$\+<=>\^~\|]`
    private func isDefaultPunctuation(_ c: UInt32, _ f: UnicodeFlags) -> Bool {
        if f.contains(.punctuation) { return true }
        switch c {
        case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C: return true // $ + < = > ^ ~ |
        default: return false
        }
    }

    private func isASCIILetter(_ c: UInt32, lowercase: UInt8) -> Bool {
        c == UInt32(lowercase) || c == UInt32(lowercase - 32)
    }

    // MARK: GPT-2

    private mutating func gpt2(_ out: inout [Int]) {
        var pos = start
        while pos < end {
            let c = scalar(pos)
            let f = flag(pos)

            // 's|'t|'re|'ve|'m|'ll|'d (lowercase only)
            if c == Self.apostrophe && pos + 1 < end {
                let next = scalar(pos + 1)
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 { // s t m d
                    pos += addWord(pos + 2, &out)
                    continue
                }
                if pos + 2 < end {
                    let next2 = scalar(pos + 2)
                    if (next == 0x72 && next2 == 0x65) || (next == 0x76 && next2 == 0x65) || (next == 0x6C && next2 == 0x6C) {
                        pos += addWord(pos + 3, &out)
                        continue
                    }
                }
            }

            let leadingSpace = c == Self.space
            var f2 = leadingSpace ? flag(pos + 1) : f
            var f2InRange = leadingSpace ? inRange(pos + 1) : true
            // <space>?\p{L}+
            if f2.contains(.letter) {
                if leadingSpace { pos += 1 }
                while f2.contains(.letter) { pos += 1; f2 = flag(pos) }
                addWord(pos, &out)
                continue
            }
            // <space>?\p{N}+
            if f2.contains(.number) {
                if leadingSpace { pos += 1 }
                while f2.contains(.number) { pos += 1; f2 = flag(pos) }
                addWord(pos, &out)
                continue
            }
            // <space>?[^\s\p{L}\p{N}]+
            if f2.isDisjoint(with: [.whitespace, .letter, .number]) && f2InRange {
                if leadingSpace { pos += 1 }
                while f2.isDisjoint(with: [.whitespace, .letter, .number]) && f2InRange {
                    pos += 1
                    f2 = flag(pos)
                    f2InRange = inRange(pos)
                }
                addWord(pos, &out)
                continue
            }

            var whitespaceCount = 0
            while flag(pos + whitespaceCount).contains(.whitespace) { whitespaceCount += 1 }
            // \s+(?!\S)
            if whitespaceCount > 1 && inRange(pos + whitespaceCount) {
                pos += whitespaceCount - 1
                addWord(pos, &out)
                continue
            }
            // \s+
            if whitespaceCount > 0 {
                pos += whitespaceCount
                addWord(pos, &out)
                continue
            }
            // no match
            pos += 1
            addWord(pos, &out)
        }
    }

    // MARK: LLaMA 3 / Qwen 2

    private mutating func llama3(maxDigits: Int, _ out: inout [Int]) {
        var pos = start
        while pos < end {
            let c = scalar(pos)
            let f = flag(pos)

            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if c == Self.apostrophe && pos + 1 < end {
                let next = scalar(pos + 1)
                if isASCIILetter(next, lowercase: 0x73) || isASCIILetter(next, lowercase: 0x74)
                    || isASCIILetter(next, lowercase: 0x6D) || isASCIILetter(next, lowercase: 0x64) {
                    pos += addWord(pos + 2, &out)
                    continue
                }
                if pos + 2 < end {
                    let next2 = scalar(pos + 2)
                    if (isASCIILetter(next, lowercase: 0x72) && isASCIILetter(next2, lowercase: 0x65))
                        || (isASCIILetter(next, lowercase: 0x76) && isASCIILetter(next2, lowercase: 0x65))
                        || (isASCIILetter(next, lowercase: 0x6C) && isASCIILetter(next2, lowercase: 0x6C)) {
                        pos += addWord(pos + 3, &out)
                        continue
                    }
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == Self.cr || c == Self.lf || f.contains(.number)) {
                if f.contains(.letter) || flag(pos + 1).contains(.letter) {
                    pos += 1
                    while flag(pos).contains(.letter) { pos += 1 }
                    addWord(pos, &out)
                    continue
                }
            }

            // \p{N}{1,maxDigits}
            if f.contains(.number) {
                var groupStart = pos
                while flag(pos).contains(.number) {
                    pos += 1
                    if pos - groupStart >= maxDigits {
                        addWord(pos, &out)
                        groupStart = pos
                    }
                }
                addWord(pos, &out)
                continue
            }

            // <space>?[^\s\p{L}\p{N}]+[\r\n]*
            let leadingSpace = c == Self.space
            var f2 = leadingSpace ? flag(pos + 1) : f
            var f2InRange = leadingSpace ? inRange(pos + 1) : true
            if f2.isDisjoint(with: [.whitespace, .letter, .number]) {
                if leadingSpace { pos += 1 }
                while f2.isDisjoint(with: [.whitespace, .letter, .number]) && f2InRange {
                    pos += 1
                    f2 = flag(pos)
                    f2InRange = inRange(pos)
                }
                while scalar(pos) == Self.cr || scalar(pos) == Self.lf { pos += 1 }
                addWord(pos, &out)
                continue
            }

            var whitespaceCount = 0
            var lastNewlineEnd = 0
            while flag(pos + whitespaceCount).contains(.whitespace) {
                let w = scalar(pos + whitespaceCount)
                if w == Self.cr || w == Self.lf { lastNewlineEnd = pos + whitespaceCount + 1 }
                whitespaceCount += 1
            }
            // \s*[\r\n]+
            if lastNewlineEnd > 0 {
                pos = lastNewlineEnd
                addWord(pos, &out)
                continue
            }
            // \s+(?!\S)
            if whitespaceCount > 1 && inRange(pos + whitespaceCount) {
                pos += whitespaceCount - 1
                addWord(pos, &out)
                continue
            }
            // \s+
            if whitespaceCount > 0 {
                pos += whitespaceCount
                addWord(pos, &out)
                continue
            }
            pos += 1
            addWord(pos, &out)
        }
    }
}
