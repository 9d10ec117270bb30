import Routing
import XCTest

final class ComplexityScorerTests: XCTestCase {
    let scorer = ComplexityScorer()

    func value(_ report: ComplexityReport, _ kind: ComplexityFeature.Kind) -> Double {
        report.feature(kind)?.value ?? -1
    }

    func testSimpleQuestionScoresLow() {
        let report = scorer.score(Fixtures.simple)
        XCTAssertLessThan(report.score, 0.1)
        XCTAssertFalse(report.isComplex)
        XCTAssertEqual(report.features.map(\.kind), ComplexityFeature.Kind.allCases)
    }

    func testReasoningMarkersAreWholeWordsAndPhrases() {
        let report = scorer.score("Prove it STEP BY STEP. Explain why. Compare A and B; weigh the pros and cons and trade-offs.")
        XCTAssertEqual(value(report, .reasoning), 6)  // prove, step by step, explain why, compare, pros and cons, trade off(s)
        XCTAssertTrue(report.isComplex)
        // Substrings of other words are not markers.
        XCTAssertEqual(value(scorer.score("We improve and disprove nothing; comparer mustard"), .reasoning), 0)
        XCTAssertEqual(value(scorer.score("mustard"), .constraints), 0)
    }

    func testConstraints() {
        let report = scorer.score("You must answer in exactly 3 lines, at least one example, no more than 50 words, without lists.")
        XCTAssertEqual(value(report, .constraints), 5)
    }

    func testNumberedStepsNeedTwoItems() {
        XCTAssertEqual(value(scorer.score("1. only one"), .steps), 0)
        let report = scorer.score("Do this:\n1. install\n  2) configure\n3. run\nversion 4.2 is fine")
        XCTAssertEqual(value(report, .steps), 3)
    }

    func testCodeSignals() {
        let fenced = "Fix this:\n```\nint main() { return 0; }\n```"
        XCTAssertEqual(value(scorer.score(fenced), .code), 1)
        let lines = "x = 1;\ny = 2;\nif a == b {\n}"
        XCTAssertEqual(value(scorer.score(lines), .code), 1)  // four code-like lines: one signal per three
        XCTAssertEqual(value(scorer.score("Plain prose. Nothing else"), .code), 0)
    }

    func testLengthAndCapsAndWeights() {
        let report = scorer.score([Fixtures.longPrompt], estimatedTokens: 10_000)
        XCTAssertEqual(value(report, .length), 10)
        XCTAssertEqual(report.feature(.length)?.contribution, 0.5 * 8)  // capped at 8
        let zero = ComplexityScorer(settings: ComplexitySettings(threshold: 1, weights: ComplexityWeights(
            length: 0, reasoning: 0, steps: 0, code: 0, constraints: 0)))
        XCTAssertEqual(zero.score(Fixtures.complex).score, 0)
        let sum = report.features.reduce(0) { $0 + $1.contribution }
        XCTAssertEqual(report.score, sum, accuracy: 1e-9)
    }
}
