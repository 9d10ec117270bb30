import Foundation
import Inference
import XCTest

final class SamplerConfigTests: XCTestCase {
    func testDefaultsMatchLlamaCppCommandLine() {
        let c = SamplerConfig()
        XCTAssertEqual(c.temperature, 0.8)
        XCTAssertEqual(c.topK, 40)
        XCTAssertEqual(c.topP, 0.95)
        XCTAssertEqual(c.minP, 0.05)
        XCTAssertEqual(c.repetitionPenalty, 1.0)
        XCTAssertEqual(c.presencePenalty, 0)
        XCTAssertEqual(c.frequencyPenalty, 0)
        XCTAssertEqual(c.penaltyLastN, 64)
        XCTAssertNil(c.seed)
    }

    func testGreedyDisablesEveryStage() {
        let g = SamplerConfig.greedy
        XCTAssertEqual(g.temperature, 0)
        XCTAssertEqual(g.topK, 0)
        XCTAssertEqual(g.topP, 1)
        XCTAssertEqual(g.minP, 0)
        XCTAssertEqual(g.repetitionPenalty, 1)
        XCTAssertEqual(g.presencePenalty, 0)
        XCTAssertEqual(g.frequencyPenalty, 0)
        XCTAssertNoThrow(try g.validated())
    }

    func testBadSettingsAreRejectedNamingTheParameter() {
        let cases: [(String, (inout SamplerConfig) -> Void)] = [
            ("temperature", { $0.temperature = -0.1 }),
            ("temperature", { $0.temperature = .nan }),
            ("temperature", { $0.temperature = .infinity }),
            ("topK", { $0.topK = -1 }),
            ("topP", { $0.topP = 0 }),
            ("topP", { $0.topP = 1.5 }),
            ("topP", { $0.topP = -0.5 }),
            ("topP", { $0.topP = .nan }),
            ("minP", { $0.minP = -0.01 }),
            ("minP", { $0.minP = 1.01 }),
            ("minP", { $0.minP = .nan }),
            ("repetitionPenalty", { $0.repetitionPenalty = 0 }),
            ("repetitionPenalty", { $0.repetitionPenalty = -1 }),
            ("repetitionPenalty", { $0.repetitionPenalty = .nan }),
            ("presencePenalty", { $0.presencePenalty = .nan }),
            ("presencePenalty", { $0.presencePenalty = -.infinity }),
            ("frequencyPenalty", { $0.frequencyPenalty = .nan }),
            ("penaltyLastN", { $0.penaltyLastN = -2 }),
        ]
        for (parameter, mutate) in cases {
            var config = SamplerConfig()
            mutate(&config)
            do {
                _ = try config.validated()
                XCTFail("\(parameter): \(config) was accepted")
            } catch {
                XCTAssertEqual(error.parameter, parameter)
                XCTAssertTrue(error.description.contains(parameter), error.description)
            }
            XCTAssertThrowsError(try Sampler(config: config), parameter)
        }
    }

    func testMessageSaysWhatIsAcceptedAndWhatWasGiven() {
        var config = SamplerConfig()
        config.topP = 1.5
        XCTAssertThrowsError(try config.validated()) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("topP"), text)
            XCTAssertTrue(text.contains("(0, 1]"), text)
            XCTAssertTrue(text.contains("1.5"), text)
        }
    }

    func testBoundaryValuesAreAccepted() throws {
        let ok = [
            SamplerConfig(temperature: 0),
            SamplerConfig(topK: 0),
            SamplerConfig(topP: 1),
            SamplerConfig(topP: 1e-6),
            SamplerConfig(minP: 0),
            SamplerConfig(minP: 1),
            SamplerConfig(repetitionPenalty: 0.5),
            SamplerConfig(presencePenalty: -2, frequencyPenalty: -2),
            SamplerConfig(penaltyLastN: -1),
            SamplerConfig(penaltyLastN: 0),
            SamplerConfig(seed: .max),
        ]
        for config in ok {
            XCTAssertEqual(try config.validated(), config)
            XCTAssertEqual(try Sampler(config: config).config, config)
        }
    }

    func testPartialJSONKeepsDefaultsForMissingKeys() throws {
        let json = Data(#"{"temperature": 0, "topK": 7, "seed": 12345}"#.utf8)
        let decoded = try JSONDecoder().decode(SamplerConfig.self, from: json)
        XCTAssertEqual(decoded, SamplerConfig(temperature: 0, topK: 7, seed: 12345))
    }

    func testJSONRoundTrip() throws {
        let config = SamplerConfig(
            temperature: 0.7, topK: 20, topP: 0.9, minP: 0.1, repetitionPenalty: 1.1,
            presencePenalty: 0.5, frequencyPenalty: 0.25, penaltyLastN: -1, seed: 99)
        let data = try JSONEncoder().encode(config)
        XCTAssertEqual(try JSONDecoder().decode(SamplerConfig.self, from: data), config)
    }
}
