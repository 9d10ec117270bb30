/// A byte-level recognizer for a `Grammar`, built lazily as a DFA over matcher states.
///
/// A matcher state is what llama.cpp's llama-grammar keeps: the set of pushdown stacks still alive (each
/// a list of element positions, the top being the next character class to match; an empty stack means
/// the input so far is a complete sentence) plus a partially read UTF-8 character. States are interned
/// and every (state, byte) transition is computed once and cached, so walking a token's bytes or a
/// vocabulary trie costs an array lookup per byte once the states around the current one are known.
///
/// Not thread-safe: one automaton per generating sequence.
final class GrammarAutomaton {
    struct State: Hashable {
        var stacks: [[Int32]]   // sorted, distinct; each (depth) element positions, top last
        var partial: UInt32 = 0 // code point bits of an incomplete UTF-8 character
        var pending: UInt8 = 0  // continuation bytes still expected
    }

    static let dead: Int32 = -1
    private static let unknown: Int32 = -2
    /// Soft bound on interned states; past it the cache is cleared at the next `compact`.
    static let maxStates = 8192

    let grammar: Grammar
    private(set) var states: [State] = []
    private var ids: [State: Int32] = [:]
    private var transitions: [Int32] = []   // (states, 256) next state or `unknown` / `dead`
    private var accepting: [Bool] = []      // (states)

    init(grammar: Grammar) {
        self.grammar = grammar
    }

    /// The state before any input.
    func initialState() -> Int32 {
        var stacks = Set<[Int32]>()
        for alt in grammar.alternatives[Int(grammar.root)] {
            var stack: [Int32] = []
            if grammar.elements[Int(alt)] != .end { stack.append(alt) }
            expand(stack, into: &stacks)
        }
        return intern(State(stacks: stacks.sorted { $0.lexicographicallyPrecedes($1) }))
    }

    /// Whether the input that led to `state` is a complete sentence.
    func isAccepting(_ state: Int32) -> Bool { accepting[Int(state)] }

    /// Whether nothing but the end can follow `state`.
    func isFinished(_ state: Int32) -> Bool {
        let s = states[Int(state)]
        return s.pending == 0 && s.stacks.allSatisfy(\.isEmpty)
    }

    /// The state after `byte`, or `dead`.
    @inline(__always)
    func next(_ state: Int32, _ byte: UInt8) -> Int32 {
        let slot = Int(state) &* 256 &+ Int(byte)
        let cached = transitions[slot]
        if cached != Self.unknown { return cached }
        let result = step(states[Int(state)], byte).map(intern) ?? Self.dead
        transitions[slot] = result
        return result
    }

    /// The state after all of `bytes`, or `dead`.
    func next<C: Collection>(_ state: Int32, bytes: C) -> Int32 where C.Element == UInt8 {
        var s = state
        for b in bytes {
            s = next(s, b)
            if s < 0 { return Self.dead }
        }
        return s
    }

    /// Clears the cache if it grew past `maxStates`; returns the id `state` has afterwards.
    func compact(keeping state: Int32) -> Int32 {
        guard states.count > Self.maxStates else { return state }
        let kept = states[Int(state)]
        states.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        transitions.removeAll(keepingCapacity: true)
        accepting.removeAll(keepingCapacity: true)
        return intern(kept)
    }

    private func intern(_ s: State) -> Int32 {
        if let id = ids[s] { return id }
        let id = Int32(states.count)
        states.append(s)
        ids[s] = id
        transitions.append(contentsOf: repeatElement(Self.unknown, count: 256))
        accepting.append(s.pending == 0 && s.stacks.contains { $0.isEmpty })
        return id
    }

    // MARK: - Matching

    private func step(_ s: State, _ byte: UInt8) -> State? {
        if s.pending > 0 {
            guard byte & 0xC0 == 0x80 else { return nil }
            let cp = s.partial << 6 | UInt32(byte & 0x3F)
            if s.pending == 1 { return accept(s.stacks, cp) }
            return State(stacks: s.stacks, partial: cp, pending: s.pending - 1)
        }
        let lead: (bits: UInt32, pending: UInt8)
        switch byte {
        case 0x00...0x7F: return accept(s.stacks, UInt32(byte))
        case 0xC2...0xDF: lead = (UInt32(byte & 0x1F), 1)
        case 0xE0...0xEF: lead = (UInt32(byte & 0x0F), 2)
        case 0xF0...0xF4: lead = (UInt32(byte & 0x07), 3)
        default: return nil
        }
        // Refuse a multi-byte character early when no stack can take one.
        let possible = s.stacks.contains { stack in
            guard let top = stack.last, case .chars(let c) = grammar.elements[Int(top)] else { return false }
            return grammar.charClasses[Int(c)].allowsNonASCII
        }
        return possible ? State(stacks: s.stacks, partial: lead.bits, pending: lead.pending) : nil
    }

    /// The stacks after matching code point `cp`, or nil if none survives.
    private func accept(_ stacks: [[Int32]], _ cp: UInt32) -> State? {
        var out = Set<[Int32]>()
        for stack in stacks {
            guard let top = stack.last, case .chars(let c) = grammar.elements[Int(top)],
                  grammar.charClasses[Int(c)].contains(cp) else { continue }
            var rest = stack
            rest.removeLast()
            if grammar.elements[Int(top) + 1] != .end { rest.append(top + 1) }
            expand(rest, into: &out)
        }
        guard !out.isEmpty else { return nil }
        return State(stacks: out.sorted { $0.lexicographicallyPrecedes($1) })
    }

    /// Replaces rule references on top of `stack` by each of their alternatives until every stack
    /// has a character class on top (or is empty). Terminates because left recursion was rejected.
    private func expand(_ stack: [Int32], into out: inout Set<[Int32]>) {
        guard let top = stack.last, case .rule(let r) = grammar.elements[Int(top)] else {
            out.insert(stack)
            return
        }
        var base = stack
        base.removeLast()
        if grammar.elements[Int(top) + 1] != .end { base.append(top + 1) }
        for alt in grammar.alternatives[Int(r)] {
            var s = base
            if grammar.elements[Int(alt)] != .end { s.append(alt) }
            expand(s, into: &out)
        }
    }
}
