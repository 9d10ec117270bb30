import GGUF

/// The type each tensor of a model gets under a preset, chosen by llama.cpp's rules
/// (`llama_tensor_get_type` in llama-quant.cpp, without an importance matrix):
///
/// - only 2-D or larger tensors whose names end in `weight` and are not norms are quantized; the rest
///   (norms, biases) are copied unchanged;
/// - the output matrix (or the token embedding when the model ties them) gets Q6_K unless the base is Q8_0;
/// - `attn_v` and `ffn_down` get more bits in the `_M` mixes on the layers `useMoreBits` picks (first and
///   last eighth, then every third), `attn_output` more in Q2_K and Q3_K_M;
/// - a tensor whose rows are not a multiple of the chosen type's block falls back (Q4_K → Q5_0,
///   Q5_K → Q5_1, Q6_K → Q8_0, Q2_K/Q3_K → Q4_0; then F16).
///
/// One deviation: llama.cpp falls Q2_K and Q3_K back to IQ4_NL, which Outpost does not compute; Q4_0 here.
public struct QuantizationRecipe: Sendable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dimensions: [Int]
        public let sourceType: GGMLType
        /// The type written, equal to `sourceType` when the tensor is copied.
        public let targetType: GGMLType
        /// Whether the preset's rules or the block-size fallback changed the base type.
        public let note: String?
    }

    public let preset: QuantizationPreset
    /// Tensors in the order written: tensors outside blocks first, then block by block, by name within each.
    public let entries: [Entry]

    /// Tensor counts per written type, e.g. `Q4_K: 120, Q6_K: 31, F32: 61`.
    public var typeCounts: [(type: GGMLType, count: Int)] {
        var counts: [GGMLType: Int] = [:]
        for e in entries { counts[e.targetType, default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue }
            .map { ($0.key, $0.value) }
    }

    /// - Parameters:
    ///   - tensors: the input's tensors.
    ///   - headCount, headCountKV: attention heads, for Q2_K's grouped-query rule.
    public init(preset: QuantizationPreset, tensors: [GGUFTensorInfo], headCount: Int, headCountKV: Int) {
        self.preset = preset
        let ordered = tensors.sorted(by: Self.llamaOrder)
        let hasOutput = tensors.contains { $0.name == "output.weight" }
        let layers = Self.counts(ordered)
        let gqa = headCountKV > 0 ? headCount / headCountKV : 1
        var entries: [Entry] = []
        entries.reserveCapacity(ordered.count)
        for t in ordered {
            guard Self.isQuantizable(t) else {
                entries.append(Entry(name: t.name, dimensions: t.dimensions, sourceType: t.type, targetType: t.type, note: nil))
                continue
            }
            let layer = Self.layerIndex(t.name) ?? 0
            var type = preset.baseType
            var note: String?
            if preset.usesTensorRules {
                let ruled = Self.ruleType(preset: preset, name: t.name, rowLength: t.dimensions[0], hasOutput: hasOutput,
                                          layer: layer, layers: layers, gqa: gqa)
                if ruled != type { note = "rule" }
                type = ruled
            }
            let row = t.dimensions[0]
            if row % type.blockSize != 0 {
                var fallback = Self.fallback(type)
                if row % fallback.blockSize != 0 { fallback = .f16 }
                note = "row \(row) not a multiple of \(type.blockSize): \(type) -> \(fallback)"
                type = fallback
            }
            entries.append(Entry(name: t.name, dimensions: t.dimensions, sourceType: t.type, targetType: type, note: note))
        }
        self.entries = entries
    }

    /// llama.cpp's test: names ending in `weight`, at least 2-D, not a norm, not an expert gate.
    static func isQuantizable(_ t: GGUFTensorInfo) -> Bool {
        t.name.hasSuffix("weight") && t.dimensions.count >= 2 && t.dimensions[1...].contains { $0 > 1 }
            && !t.name.contains("_norm.weight") && !t.name.contains("ffn_gate_inp.weight")
    }

    /// llama.cpp's `use_more_bits`: the first and last eighth of the layers and every third in between.
    public static func useMoreBits(_ layer: Int, _ layers: Int) -> Bool {
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
    }

    private static func ruleType(preset: QuantizationPreset, name: String, rowLength: Int, hasOutput: Bool,
                                 layer: Int, layers: LayerCounts, gqa: Int) -> GGMLType {
        let base = preset.baseType
        if name == "output.weight" || (!hasOutput && name == "token_embd.weight") {
            if rowLength % base.blockSize != 0 { return .q8_0 }
            return base == .q8_0 ? .q8_0 : .q6_K
        }
        if name.contains("attn_v.weight") {
            switch preset {
            case .q2_K: return gqa >= 4 ? .q4_K : .q3_K
            case .q3_K_M: return layer < 2 ? .q5_K : .q4_K
            case .q4_K_M, .q5_K_M: return useMoreBits(layer, layers.attentionV) ? .q6_K : base
            default: return base
            }
        }
        if name.contains("ffn_down") {
            switch preset {
            case .q2_K: return .q3_K
            case .q3_K_M: return layer < layers.ffnDown / 16 ? .q5_K : .q4_K
            case .q4_K_M, .q5_K_M: return useMoreBits(layer, layers.ffnDown) ? .q6_K : base
            default: return base
            }
        }
        if name.contains("attn_output.weight") {
            switch preset {
            case .q2_K: return .q3_K
            case .q3_K_M: return .q4_K
            default: return base
            }
        }
        if name.contains("attn_qkv.weight") {
            switch preset {
            case .q3_K_M: return .q4_K
            case .q4_K_M: return .q5_K
            case .q5_K_M: return .q6_K
            default: return base
            }
        }
        return base
    }

    private static func fallback(_ type: GGMLType) -> GGMLType {
        switch type {
        case .q4_K: return .q5_0
        case .q5_K: return .q5_1
        case .q6_K: return .q8_0
        case .q2_K, .q3_K: return .q4_0
        default: return .f16
        }
    }

    struct LayerCounts { var attentionV: Int; var ffnDown: Int }

    private static func counts(_ tensors: [GGUFTensorInfo]) -> LayerCounts {
        LayerCounts(attentionV: tensors.filter { $0.name.contains("attn_v.weight") }.count,
                    ffnDown: tensors.filter { $0.name.contains("ffn_down") && isQuantizable($0) }.count)
    }

    /// `N` of a `blk.N.` name.
    static func layerIndex(_ name: String) -> Int? {
        guard name.hasPrefix("blk.") else { return nil }
        return Int(name.dropFirst(4).prefix { $0.isNumber })
    }

    /// llama.cpp's `weight_name_comparer`: by block number (tensors outside blocks first), then by name.
    static func llamaOrder(_ a: GGUFTensorInfo, _ b: GGUFTensorInfo) -> Bool {
        let la = layerIndex(a.name) ?? -1, lb = layerIndex(b.name) ?? -1
        return la != lb ? la < lb : a.name < b.name
    }
}
