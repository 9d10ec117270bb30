/// What `tokenizer.ggml.pre` selects for a byte-level BPE vocabulary, as in llama.cpp's `llama_vocab::load`.
struct PreTokenizerPreset: Sendable, Equatable {
    /// The regex list.
    enum Family: String, Sendable {
        /// LLaMA 3 rules, digits in groups of up to three.
        case llama3
        /// Qwen 2 rules: LLaMA 3 shape with single digits.
        case qwen2
        /// StarCoder/SmolLM rules: single digits, then the GPT-2 regex.
        case smollm
        /// The original GPT-2 regex.
        case gpt2
        /// llama.cpp's "default" list, used when the model names no pre-tokenizer.
        case llamaDefault = "default"
    }

    var family: Family
    /// Use a whole word's token directly when the vocabulary has it (LLaMA 3 style).
    var ignoreMerges = false
    /// Default for `add_bos_token` when the key is absent.
    var addBOS = false
    /// Apply llama.cpp's `clean_up_tokenization_spaces` passes when decoding.
    var cleanSpaces = true

    var preTokenizer: PreTokenizer {
        switch family {
        case .llama3: PreTokenizer(rules: [.llama3(maxDigits: 3)])
        case .qwen2: PreTokenizer(rules: [.llama3(maxDigits: 1)])
        case .smollm: PreTokenizer(rules: [.singleNumbers, .gpt2])
        case .gpt2: PreTokenizer(rules: [.gpt2])
        case .llamaDefault: PreTokenizer(rules: [.punctuationRuns, .gpt2, .numberRuns, .asciiDigitTriples])
        }
    }

    /// The preset for a `tokenizer.ggml.pre` value.
    ///
    /// A missing value selects llama.cpp's "default" rules. A value llama.cpp would reject as unknown
    /// falls back to the LLaMA 3 rules (the most common modern byte-level BPE pre-tokenizer) instead of failing.
    static func resolve(_ pre: String?) -> PreTokenizerPreset {
        guard let pre, !pre.isEmpty else { return PreTokenizerPreset(family: .llamaDefault) }
        switch pre {
        case "default":
            return PreTokenizerPreset(family: .llamaDefault)
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano":
            return PreTokenizerPreset(family: .llama3, ignoreMerges: true, addBOS: true)
        case "dbrx", "smaug-bpe":
            return PreTokenizerPreset(family: .llama3)
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open":
            return PreTokenizerPreset(family: .qwen2, cleanSpaces: false)
        case "stablelm2", "megrez":
            return PreTokenizerPreset(family: .qwen2)
        case "smollm", "command-r":
            return PreTokenizerPreset(family: .smollm, cleanSpaces: false)
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2":
            return PreTokenizerPreset(family: .smollm)
        case "trillion", "granite-docling":
            return PreTokenizerPreset(family: .gpt2, cleanSpaces: false)
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
             "modern-bert", "mpt", "olmo", "jais", "exaone4":
            return PreTokenizerPreset(family: .gpt2)
        default:
            return PreTokenizerPreset(family: .llama3)
        }
    }
}
