/// Limits the reader and writer enforce. They mirror ggml where ggml has one, and are otherwise
/// chosen so that a hostile file cannot make the reader allocate, recurse or compute without bound.
public enum GGUFLimits {
    /// ggml's GGML_MAX_NAME counts the terminating NUL, so names must be shorter than this in bytes.
    public static let maxTensorNameBytes = 64
    /// ggml's GGML_MAX_DIMS.
    public static let maxDimensions = 4
    /// Alignment used when `general.alignment` is absent (GGUF spec).
    public static let defaultAlignment = 32
    /// Largest accepted `general.alignment`: 64 KiB covers every page size in use; larger values
    /// only waste file space and make padding arithmetic a risk.
    public static let maxAlignment = 1 << 16
    /// Deepest array-of-array nesting accepted (a top-level array is depth 1). ggml itself writes
    /// no nested arrays; the cap keeps the recursive parser's stack use bounded.
    public static let maxNestingDepth = 8

    static func isValidAlignment(_ a: Int) -> Bool {
        a > 0 && a <= maxAlignment && a & (a - 1) == 0
    }
}
