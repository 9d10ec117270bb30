/// SplitMix64: a tiny seeded generator so synthetic data is the same on every run and platform.
public struct SyntheticRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-scale, scale).
    public mutating func float(scale: Float = 1) -> Float {
        let unit = Float(next() >> 40) / Float(1 << 24)  // [0, 1)
        return (unit * 2 - 1) * scale
    }

    /// `count` uniform floats in [-scale, scale).
    public mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in float(scale: scale) }
    }
}
