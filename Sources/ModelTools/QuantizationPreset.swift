import GGUF

/// A target of `outpost quantize`: a single type for every quantizable tensor (F16, Q8_0, Q5_0, Q4_0,
/// Q4_1) or one of llama.cpp's presets, which start from a base type and give some tensors more bits.
public enum QuantizationPreset: String, CaseIterable, Sendable, Codable {
    case f16 = "F16"
    case q8_0 = "Q8_0"
    case q6_K = "Q6_K"
    case q5_K_M = "Q5_K_M"
    case q5_0 = "Q5_0"
    case q4_K_M = "Q4_K_M"
    case q4_0 = "Q4_0"
    case q4_1 = "Q4_1"
    case q3_K_M = "Q3_K_M"
    case q2_K = "Q2_K"

    /// Parses a name case-insensitively; `Q3_K` means llama.cpp's Q3_K_M, `Q4_K`/`Q5_K` their `_M` mixes.
    public init(name: String) throws(QuantizeError) {
        let upper = name.uppercased()
        let aliases: [String: QuantizationPreset] = ["Q3_K": .q3_K_M, "Q4_K": .q4_K_M, "Q5_K": .q5_K_M]
        if let preset = QuantizationPreset(rawValue: upper) ?? aliases[upper] {
            self = preset
        } else {
            throw .unknownPreset(name, known: Self.allCases.map(\.rawValue))
        }
    }

    /// The type of a quantizable tensor before the preset's per-tensor rules.
    public var baseType: GGMLType {
        switch self {
        case .f16: return .f16
        case .q8_0: return .q8_0
        case .q6_K: return .q6_K
        case .q5_K_M: return .q5_K
        case .q5_0: return .q5_0
        case .q4_K_M: return .q4_K
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q3_K_M: return .q3_K
        case .q2_K: return .q2_K
        }
    }

    /// llama.cpp's `llama_ftype` number, written as `general.file_type`.
    public var fileType: UInt32 {
        switch self {
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .q5_0: return 8
        case .q2_K: return 10
        case .q3_K_M: return 12
        case .q4_K_M: return 15
        case .q5_K_M: return 17
        case .q6_K: return 18
        }
    }

    /// Whether llama.cpp applies its per-tensor rules (it does for every quantized base type).
    var usesTensorRules: Bool { self != .f16 }
}
