import FleetCore
import Foundation
import GGUF
import TestSupport
import XCTest

/// Placement on devices with different RAM, with the arithmetic known by hand.
final class PlacementTests: XCTestCase {
    static let mib: Int64 = 1 << 20

    /// Three variants of one model; memory rises by 16 KiB per context position beyond 512.
    static func variant(_ file: String, _ quant: String, memoryAt4096 mib4096: Int64, perplexity: Double, features: [String] = []) -> VariantFacts {
        let at4096 = mib4096 * mib
        let perToken: Int64 = 16 << 10
        let memory: [Int: Int64] = [512: at4096 - 3584 * perToken, 2048: at4096 - 2048 * perToken, 4096: at4096, 8192: at4096 + 4096 * perToken]
        return VariantFacts(name: "assistant", version: "1.0", fileName: file, sizeBytes: mib4096 * mib / 2, sha256: String(repeating: "0", count: 64),
                            quantization: quant, parameterCount: 500_000_000, memoryByContext: memory, requiredFeatures: features, perplexity: perplexity)
    }

    static let variants = [
        variant("assistant.Q4_0.gguf", "Q4_0", memoryAt4096: 100, perplexity: 14.0),
        variant("assistant.Q4_K_M.gguf", "Q4_K_M", memoryAt4096: 200, perplexity: 12.0, features: ["avx2"]),
        variant("assistant.Q8_0.gguf", "Q8_0", memoryAt4096: 400, perplexity: 11.0),
    ]

    static func device(ramMiB: Int64, features: [String]) -> DeviceInventory {
        DeviceInventory(os: "Linux 6.1", cpuModel: "test CPU", isaFeatures: features, cores: 4, ramBytes: ramMiB * mib,
                        freeDiskBytes: 10 << 30, agentVersion: "0.1.0")
    }

    let policy = PlacementPolicy(contextSize: 4096, memoryShare: 0.5, runtimeOverheadBytes: 50 << 20, maxPerplexity: 13.0)

    func testThreeDevicesGetTheExpectedVariantOrTheArithmeticOfWhyNot() {
        // 512 MiB with AVX2: budget 256 MiB; Q4_0 fails the quality floor, Q4_K_M needs 200 + 50 = 250 MiB.
        let small = Placement.choose(device: Self.device(ramMiB: 512, features: ["sse4_2", "AVX2"]), variants: Self.variants, policy: policy)
        XCTAssertEqual(small.variant?.fileName, "assistant.Q4_K_M.gguf")
        guard case .assigned(_, let arithmetic) = small else { return XCTFail("\(small)") }
        XCTAssertEqual(arithmetic, "assistant.Q4_K_M.gguf (Q4_K_M): needs 200.0 MiB at ctx 4096 + 50.0 MiB runtime overhead = 250.0 MiB (262144000 B) ≤ budget 50% of 512.0 MiB RAM = 256.0 MiB (268435456 B)")

        // 2 GiB without AVX2: Q4_K_M needs a feature it lacks, so Q8_0 (450 MiB ≤ 1024 MiB).
        let large = Placement.choose(device: Self.device(ramMiB: 2048, features: ["sse4_2"]), variants: Self.variants, policy: policy)
        XCTAssertEqual(large.variant?.fileName, "assistant.Q8_0.gguf")

        // 256 MiB: budget 128 MiB; nothing fits, and each variant says why with its figures.
        let tiny = Placement.choose(device: Self.device(ramMiB: 256, features: ["avx2"]), variants: Self.variants, policy: policy)
        guard case .noViableVariant(let reasons) = tiny else { return XCTFail("\(tiny)") }
        XCTAssertEqual(reasons, [
            "assistant.Q4_0.gguf (Q4_0): needs 100.0 MiB at ctx 4096 + 50.0 MiB runtime overhead = 150.0 MiB (157286400 B) > budget 50% of 256.0 MiB RAM = 128.0 MiB (134217728 B); perplexity 14.0 > quality floor 13.0",
            "assistant.Q4_K_M.gguf (Q4_K_M): needs 200.0 MiB at ctx 4096 + 50.0 MiB runtime overhead = 250.0 MiB (262144000 B) > budget 50% of 256.0 MiB RAM = 128.0 MiB (134217728 B)",
            "assistant.Q8_0.gguf (Q8_0): needs 400.0 MiB at ctx 4096 + 50.0 MiB runtime overhead = 450.0 MiB (471859200 B) > budget 50% of 256.0 MiB RAM = 128.0 MiB (134217728 B)",
        ])
    }

    func testSmallestViableWinsAndTheContextMatters() {
        // Without a floor the smallest variant wins everywhere it fits.
        let open = PlacementPolicy(contextSize: 4096, memoryShare: 0.5, runtimeOverheadBytes: 50 << 20)
        XCTAssertEqual(Placement.choose(device: Self.device(ramMiB: 2048, features: ["avx2"]), variants: Self.variants, policy: open).variant?.quantization, "Q4_0")
        // At ctx 8192 the KV cache adds 4096 × 16 KiB = 64 MiB: Q4_0 needs 164 + 50 = 214 MiB, over the 200 MiB
        // budget of a 400 MiB device that fits it at ctx 4096 (150 MiB), within the 224 MiB of a 448 MiB one.
        XCTAssertEqual(Placement.choose(device: Self.device(ramMiB: 400, features: ["avx2"]), variants: Self.variants, policy: open).variant?.quantization, "Q4_0")
        var long = open
        long.contextSize = 8192
        XCTAssertNil(Placement.choose(device: Self.device(ramMiB: 400, features: ["avx2"]), variants: Self.variants, policy: long).variant)
        XCTAssertEqual(Placement.choose(device: Self.device(ramMiB: 448, features: []), variants: Self.variants, policy: long).variant?.quantization, "Q4_0")
    }

    func testMemoryBetweenAndBeyondRecordedContexts() {
        let v = Self.variants[0]
        let at4096 = 100 * Self.mib
        XCTAssertEqual(v.memoryBytes(contextSize: 4096), at4096)
        XCTAssertEqual(v.memoryBytes(contextSize: 3072), at4096 - 1024 * (16 << 10))
        XCTAssertEqual(v.memoryBytes(contextSize: 16384), at4096 + 12288 * (16 << 10))
        // Below the smallest recorded context, the figure at 512 bounds it from above.
        XCTAssertEqual(v.memoryBytes(contextSize: 128), at4096 - 3584 * (16 << 10))
        // Non-positive recorded figures are not trusted.
        var broken = v
        broken.memoryByContext = [4096: 0]
        XCTAssertNil(broken.memoryBytes(contextSize: 4096))
    }

    func testBadPolicyAndDeviceAreReportedNotTrapped() {
        var bad = policy
        bad.memoryShare = 1.5
        guard case .noViableVariant(let reasons) = Placement.choose(device: Self.device(ramMiB: 512, features: []), variants: Self.variants, policy: bad) else {
            return XCTFail("expected no variant")
        }
        XCTAssertTrue(reasons[0].contains("memoryShare"), reasons[0])
        var huge = policy
        huge.runtimeOverheadBytes = Int64.max
        XCTAssertNil(Placement.choose(device: Self.device(ramMiB: 512, features: []), variants: Self.variants, policy: huge).variant)
        let broke = Self.device(ramMiB: 0, features: [])
        XCTAssertNil(Placement.choose(device: broke, variants: Self.variants, policy: policy).variant)
        XCTAssertThrowsError(try broke.validate())
        XCTAssertNil(Placement.choose(device: Self.device(ramMiB: 512, features: []), variants: [], policy: policy).variant)
    }
}

/// Variant facts read from GGUF files: metadata, parameter count, sha256 and the memory estimate.
final class VariantFactsTests: XCTestCase {
    func testSyntheticModelFacts() throws {
        let hp = SyntheticModel.Hyperparameters()
        let vocab = Int64(hp.vocabularySize)
        var writer = try SyntheticModel.llamaWriter(hp)
        writer.set("general.file_type", .uint32(15))
        let bytes = try writer.serialize()
        let path = try SyntheticModel.temporaryFile(bytes, name: "variant")
        let facts = try VariantFacts.read(modelAt: URL(fileURLWithPath: path), name: "synthetic", version: "0.1")
        XCTAssertEqual(facts.quantization, "Q4_K_M")
        XCTAssertEqual(facts.sizeBytes, Int64(bytes.count))
        // d 16, kv 8, ff 32, 2 blocks, separate output: 2·16·vocab + 2·(2·16 + 2·256 + 2·128 + 3·512) + 16.
        XCTAssertEqual(facts.parameterCount, 2 * 16 * vocab + 2 * (2 * 16 + 2 * 256 + 2 * 128 + 3 * 512) + 16)
        XCTAssertEqual(facts.sha256.count, 64)
        XCTAssertEqual(Set(facts.memoryByContext.keys), [512, 2048, 4096, 8192])
        // The F16 KV cache holds K and V (8 values each) for 2 layers: 64 bytes per position.
        XCTAssertEqual(facts.memoryByContext[8192]! - facts.memoryByContext[4096]!, 4096 * 64)
        XCTAssertEqual(facts.memoryByContext[4096]! - facts.memoryByContext[2048]!, 2048 * 64)

        // Without general.file_type, the type holding most bytes names it.
        let plain = try SyntheticModel.temporaryFile(SyntheticModel.llama(hp), name: "variant-plain")
        XCTAssertEqual(try VariantFacts.read(modelAt: URL(fileURLWithPath: plain), name: "s", version: "1").quantization, "F32")
        // Not a model.
        let junk = try SyntheticModel.temporaryFile(Array("not a gguf".utf8), name: "junk")
        XCTAssertThrowsError(try VariantFacts.read(modelAt: URL(fileURLWithPath: junk), name: "s", version: "1")) {
            guard case VariantFactsError.notAModel = $0 else { return XCTFail("\($0)") }
        }
    }

    func testReferenceModelFactsMatchTheFetchScriptsDigest() throws {
        let url = TestPaths.modelsDir.appendingPathComponent(TestPaths.Reference.smollm2.modelFile)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("run scripts/fetch-models") }
        let facts = try VariantFacts.read(modelAt: url, name: "smollm2", version: "1")
        // scripts/fetch-models pins this sha256 (the file as published).
        XCTAssertEqual(facts.sha256, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        XCTAssertEqual(facts.sizeBytes, 98_362_432)
        XCTAssertEqual(facts.quantization, "Q4_1")
        XCTAssertTrue(facts.memoryByContext[512]! < facts.memoryByContext[8192]!)
    }
}
