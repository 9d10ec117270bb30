/// A context-free grammar over Unicode code points, in the shape llama.cpp's GBNF grammars compile to:
/// rules made of alternatives, each a sequence of character classes and rule references. Repetition
/// and groups of the GBNF text are already expanded into helper rules.
///
/// Laid out flat for the matcher: each alternative is a run of elements in `elements` followed by an
/// `.end` marker, so "the position after an element" is just the next index.
public struct Grammar: Sendable {
    enum Element: Sendable, Equatable {
        /// End of an alternative.
        case end
        /// One code point from the class `charClasses[index]`.
        case chars(Int32)
        /// The rule `rules[index]`.
        case rule(Int32)
    }

    let elements: [Element]              // (positions) alternatives, each closed by `.end`
    let alternatives: [[Int32]]          // (rules) start position of each alternative
    let charClasses: [CharClass]         // (classes)
    let ruleNames: [String]              // (rules) for messages
    let root: Int32

    /// Number of rules after expansion of repetitions and groups.
    public var ruleCount: Int { alternatives.count }

    /// Builds the flat layout from rules of alternatives of sequences, checking references and
    /// rejecting left recursion (which would make the matcher loop).
    init(rules: [[[Element]]], names: [String], classes: [CharClass], root: Int) throws(GrammarError) {
        var elements: [Element] = []
        var alternatives: [[Int32]] = []
        for (r, alts) in rules.enumerated() {
            var starts: [Int32] = []
            for seq in alts {
                starts.append(Int32(elements.count))
                for e in seq {
                    if case .rule(let target) = e, target < 0 || Int(target) >= rules.count {
                        throw GrammarError(.syntax, "rule '\(names[r])' refers to an undefined rule")
                    }
                    elements.append(e)
                }
                elements.append(.end)
            }
            if starts.isEmpty { throw GrammarError(.syntax, "rule '\(names[r])' has no alternatives") }
            alternatives.append(starts)
        }
        self.elements = elements
        self.alternatives = alternatives
        self.charClasses = classes
        self.ruleNames = names
        self.root = Int32(root)
        try checkLeftRecursion(rules)
    }

    /// Finds a rule that can reach itself without consuming a character.
    private func checkLeftRecursion(_ rules: [[[Element]]]) throws(GrammarError) {
        // Nullable rules, to a fixed point.
        var nullable = [Bool](repeating: false, count: rules.count)
        var changed = true
        while changed {
            changed = false
            for (r, alts) in rules.enumerated() where !nullable[r] {
                let canBeEmpty = alts.contains { seq in
                    seq.allSatisfy { if case .rule(let t) = $0 { return nullable[Int(t)] } else { return false } }
                }
                if canBeEmpty { nullable[r] = true; changed = true }
            }
        }
        // r -> s when s can start r.
        var leading = [[Int]](repeating: [], count: rules.count)
        for (r, alts) in rules.enumerated() {
            for seq in alts {
                for e in seq {
                    guard case .rule(let t) = e else { break }
                    leading[r].append(Int(t))
                    if !nullable[Int(t)] { break }
                }
            }
        }
        // Iterative DFS with colours: 0 new, 1 on the path, 2 done.
        var colour = [UInt8](repeating: 0, count: rules.count)
        for start in 0..<rules.count where colour[start] == 0 {
            var path: [(rule: Int, next: Int)] = [(start, 0)]
            colour[start] = 1
            while let top = path.last {
                if top.next < leading[top.rule].count {
                    path[path.count - 1].next += 1
                    let s = leading[top.rule][top.next]
                    if colour[s] == 1 {
                        throw GrammarError(.syntax, "rule '\(ruleNames[s])' is left-recursive")
                    }
                    if colour[s] == 0 {
                        colour[s] = 1
                        path.append((s, 0))
                    }
                } else {
                    colour[top.rule] = 2
                    path.removeLast()
                }
            }
        }
    }
}

/// A set of code points: sorted ranges, possibly negated, with a bitmap for ASCII.
struct CharClass: Sendable, Equatable {
    let ranges: [ClosedRange<UInt32>]
    let negated: Bool
    private let asciiLow: UInt64   // code points 0..<64
    private let asciiHigh: UInt64  // code points 64..<128
    /// Whether some code point >= 0x80 is in the class (lets the matcher refuse a UTF-8 lead byte early).
    let allowsNonASCII: Bool

    init(ranges: [ClosedRange<UInt32>], negated: Bool) {
        self.ranges = ranges
        self.negated = negated
        var low: UInt64 = 0, high: UInt64 = 0
        for c in UInt32(0)..<128 {
            let inside = ranges.contains { $0.contains(c) } != negated
            if inside {
                if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
            }
        }
        asciiLow = low
        asciiHigh = high
        allowsNonASCII = negated ? true : ranges.contains { $0.upperBound >= 0x80 }
    }

    @inline(__always)
    func contains(_ c: UInt32) -> Bool {
        if c < 64 { return asciiLow & (1 << UInt64(c)) != 0 }
        if c < 128 { return asciiHigh & (1 << UInt64(c - 64)) != 0 }
        var inside = false
        for r in ranges where r.contains(c) { inside = true; break }
        return inside != negated
    }
}

extension Grammar {
    /// Whether all of `text` is a complete sentence of the grammar.
    package func matches(_ text: String) -> Bool {
        let automaton = GrammarAutomaton(grammar: self)
        let s = automaton.next(automaton.initialState(), bytes: Array(text.utf8))
        return s >= 0 && automaton.isAccepting(s)
    }

    /// Whether `text` can be continued into a sentence of the grammar (or is one).
    package func acceptsPrefix(_ text: String) -> Bool {
        let automaton = GrammarAutomaton(grammar: self)
        return automaton.next(automaton.initialState(), bytes: Array(text.utf8)) >= 0
    }
}
