import Inference
import XCTest

/// The speculative acceptance rule on synthetic distributions: whatever the draft distribution q, the
/// tokens that come out must follow the target distribution p (checked by frequencies over many trials
/// against p computed by hand, within 5 standard errors), and prompt lookup proposes the known
/// continuation of hand-written token sequences.
final class SpeculativeSamplingTests: XCTestCase {
    private let p: [(id: TokenID, probability: Double)] = [(0, 0.5), (1, 0.25), (2, 0.15), (3, 0.1), (4, 0)]
    private let q: [(id: TokenID, probability: Double)] = [(0, 0.1), (1, 0.2), (2, 0.3), (3, 0.0), (4, 0.4)]

    /// Frequencies of the emitted token over `trials` steps, drafting with `drafter`.
    private func frequencies(trials: Int, draftDistribution: [(id: TokenID, probability: Double)]?,
                             fixedDraft: TokenID = 0) -> (freq: [Double], acceptRate: Double) {
        var rng = Xoshiro256StarStar(seed: 42)
        var draftRng = Xoshiro256StarStar(seed: 7)
        var counts = [Double](repeating: 0, count: 5)
        var accepted = 0
        for _ in 0..<trials {
            let x = draftDistribution.map {
                SpeculativeSampling.draw($0.map { ($0.id, $0.probability) }, rng: &draftRng)!
            } ?? fixedDraft
            switch SpeculativeSampling.decide(draft: x, target: p, draftDistribution: draftDistribution, rng: &rng) {
            case .accept: counts[Int(x)] += 1; accepted += 1
            case .replace(let y): counts[Int(y)] += 1
            }
        }
        return (counts.map { $0 / Double(trials) }, Double(accepted) / Double(trials))
    }

    private func assertFollowsP(_ freq: [Double], trials: Int, _ label: String) {
        for (i, e) in p.enumerated() {
            let sigma = (e.probability * (1 - e.probability) / Double(trials)).squareRoot()
            XCTAssertEqual(freq[i], e.probability, accuracy: max(5 * sigma, 1e-9), "\(label): token \(i)")
        }
    }

    func testDraftModelSamplesFollowTheTargetDistribution() {
        let trials = 200_000
        let (freq, rate) = frequencies(trials: trials, draftDistribution: q)
        assertFollowsP(freq, trials: trials, "q drafts")
        // Expected acceptance = sum_x min(p(x), q(x)) = 0.1 + 0.2 + 0.15 + 0 + 0 = 0.45.
        XCTAssertEqual(rate, 0.45, accuracy: 0.005)
    }

    func testDeterministicDraftFollowsTheTargetDistribution() {
        let trials = 200_000
        for x: TokenID in [0, 2, 4] {
            let (freq, rate) = frequencies(trials: trials, draftDistribution: nil, fixedDraft: x)
            assertFollowsP(freq, trials: trials, "point mass at \(x)")
            // A point-mass draft x is kept with probability p(x).
            XCTAssertEqual(rate, p[Int(x)].probability, accuracy: 0.005)
        }
    }

    func testGreedyTargetKeepsOnlyItsArgmax() {
        var rng = Xoshiro256StarStar(seed: 1)
        let greedy: [(id: TokenID, probability: Double)] = [(3, 1)]
        XCTAssertEqual(SpeculativeSampling.decide(draft: 3, target: greedy, draftDistribution: nil, rng: &rng), .accept)
        XCTAssertEqual(SpeculativeSampling.decide(draft: 2, target: greedy, draftDistribution: nil, rng: &rng), .replace(3))
        XCTAssertEqual(SpeculativeSampling.decide(draft: 2, target: greedy, draftDistribution: q, rng: &rng), .replace(3))
    }

    /// Words that are other tokens in the output than in the document (a JSON key after a quote against
    /// the same key after a space in a list) still draft: the last bytes match the text, and the bytes
    /// after their latest earlier occurrence are tokenized. Token matches come first; no match, no draft.
    func testPromptLookupFallsBackToTextMatches() throws {
        let tokenizer = try ReferenceTokenizers.tokenizer(.smollm2)
        let encode = { (text: String) in tokenizer.encode(text, addSpecial: false, parseSpecial: false) }
        let withText = PromptLookup(ngramMax: 3, ngramMin: 1, tokenizer: tokenizer)
        let history = encode("Extract these keys: work_order_id, site.\n{\"work")
        let last = history.last!
        XCTAssertEqual(history.dropLast().filter { $0 == last }.count, 0, "the last token must be new for this case")
        XCTAssertEqual(PromptLookup(ngramMax: 3, ngramMin: 1).propose(history, limit: 3), [])
        let draft = withText.propose(history, limit: 3)
        XCTAssertEqual(draft, Array(encode("_order_id, site.\n{\"work").prefix(2)))
        XCTAssertFalse(draft.isEmpty)
        XCTAssertTrue("_order_id".hasPrefix(tokenizer.decode(draft)), "draft \(tokenizer.decode(draft))")
        XCTAssertEqual(withText.propose(history, limit: 1), Array(draft.prefix(1)))
        // a token match is taken as before
        XCTAssertEqual(withText.propose([1, 2, 3, 4, 5, 9, 1, 2, 3, 7, 8, 2, 3], limit: 4), [7, 8, 2, 3])
        // text that occurs nowhere earlier drafts nothing
        XCTAssertEqual(withText.propose(encode("alpha beta gamma delta"), limit: 3), [])
    }

    func testPromptLookupProposesTheContinuationOfTheLatestMatch() {
        let lookup = PromptLookup(ngramMax: 3, ngramMin: 1)
        // "1 2 3 4 5 | 9 1 2 3 7 | 8 2 3": the trigram "8 2 3" is new, the bigram "2 3" last occurred
        // before 7, so 7 8 2 3 follows.
        XCTAssertEqual(lookup.propose([1, 2, 3, 4, 5, 9, 1, 2, 3, 7, 8, 2, 3], limit: 4), [7, 8, 2, 3])
        XCTAssertEqual(lookup.propose([1, 2, 3, 4, 5, 9, 1, 2, 3, 7, 8, 2, 3], limit: 2), [7, 8])
        // The trigram wins over a later unigram match.
        XCTAssertEqual(lookup.propose([5, 6, 7, 1, 7, 0, 5, 6, 7], limit: 3), [1, 7, 0])
        XCTAssertEqual(lookup.propose([1, 2, 3], limit: 4), [])
        XCTAssertEqual(lookup.propose([4, 4], limit: 3), [4])
        XCTAssertEqual(lookup.propose([1, 2, 1], limit: 0), [])
        XCTAssertEqual(PromptLookup(ngramMax: 2, ngramMin: 2).propose([9, 1, 5, 1], limit: 3), [])
        // A one-token match drafts at most two tokens, a two-token match four; longer matches up to the limit.
        XCTAssertEqual(lookup.propose([7, 1, 2, 3, 4, 5, 6, 9, 7], limit: 8), [1, 2])
        XCTAssertEqual(lookup.propose([8, 7, 1, 2, 3, 4, 5, 6, 9, 8, 7], limit: 8), [1, 2, 3, 4])
        XCTAssertEqual(lookup.propose([6, 8, 7, 1, 2, 3, 4, 5, 6, 9, 6, 8, 7], limit: 8), [1, 2, 3, 4, 5, 6, 9, 6])
    }

    /// Among the occurrences that match the most trailing tokens, the continuation most of them share is
    /// drafted, not merely the latest; a longer match still beats any vote.
    func testPromptLookupDraftsTheMostSharedContinuationOfTheLongestMatches() {
        let lookup = PromptLookup(ngramMax: 8, ngramMin: 1)
        // "1 2" was followed by 9, 9, then 7: the latest occurrence followed by 9 (index 4) is drafted.
        XCTAssertEqual(lookup.propose([1, 2, 9, 1, 2, 9, 1, 2, 7, 1, 2], limit: 4), [9, 1, 2, 7])
        // A tie keeps the latest: "1 2" before 9 6 once, before 7 5 once.
        XCTAssertEqual(lookup.propose([1, 2, 9, 6, 1, 2, 7, 5, 1, 2], limit: 2), [7, 5])
        // "4 1 2" occurred once, before 7: three matching tokens outrank the two "1 2 9 3" …
        let history: [TokenID] = [1, 2, 9, 3, 1, 2, 9, 3, 4, 1, 2, 7, 4, 1, 2]
        XCTAssertEqual(lookup.propose(history, limit: 4), [7, 4, 1, 2])
        // … but with matches capped at two tokens all three count alike, and "9 3" has two votes.
        XCTAssertEqual(PromptLookup(ngramMax: 2, ngramMin: 1).propose(history, limit: 4), [9, 3, 4, 1])
    }

    func testInvalidSettingsAreTypedErrors() {
        XCTAssertThrowsError(try SpeculationConfig(draftMax: 0).validated())
        XCTAssertThrowsError(try SpeculationConfig(ngramMax: 1, ngramMin: 2).validated())
        XCTAssertThrowsError(try SpeculationConfig(mode: .draft).validated()) { error in
            XCTAssertTrue("\(error)".contains("draft model"), "\(error)")
        }
    }
}
