import Foundation

/// Where tests find the reference models and the golden data.
///
/// Models: `$OUTPOST_MODELS_DIR`, else `<package root>/models` (filled by `scripts/fetch-models`).
/// Golden data: `$OUTPOST_GOLDEN_DIR`, else `<package root>/../shared/golden`.
public enum TestPaths {
    public static let packageRoot: URL = {
        // Tests/TestSupport/Paths.swift -> package root
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    public static var modelsDir: URL {
        if let env = ProcessInfo.processInfo.environment["OUTPOST_MODELS_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent("models")
    }

    public static var goldenDir: URL {
        if let env = ProcessInfo.processInfo.environment["OUTPOST_GOLDEN_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden")
    }

    /// The three reference models and their golden files.
    public enum Reference: String, CaseIterable, Sendable {
        case smollm2, gemma3, qwen25

        public var modelFile: String {
            switch self {
            case .smollm2: return "SmolLM2-135M-Instruct.Q4_1.gguf"
            case .gemma3: return "gemma-3-270m-q4_k_m.gguf"
            case .qwen25: return "qwen2.5-coder-0.5b-instruct.gguf"
            }
        }

        public var goldenFile: String {
            switch self {
            case .smollm2: return "smollm2-135m-instruct-q4_1.json"
            case .gemma3: return "gemma3-270m-q4_k_m.json"
            case .qwen25: return "qwen2.5-coder-0.5b-instruct.json"
            }
        }

        public var modelPath: String { TestPaths.modelsDir.appendingPathComponent(modelFile).path }
        public var goldenPath: String { TestPaths.goldenDir.appendingPathComponent(goldenFile).path }
    }
}
