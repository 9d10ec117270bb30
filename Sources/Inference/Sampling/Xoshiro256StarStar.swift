/// xoshiro256** 1.0 (Blackman and Vigna), the sampler's own random generator.
///
/// Pure integer arithmetic, so a given seed yields the same stream on every platform; the
/// sampler owns one instance, which keeps runs free of global RNG state.
package struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// Starts from an explicit 256-bit state; the state must not be all zero (the generator
    /// would then only ever return 0), so an all-zero state is replaced by a seeded one.
    package init(state: (UInt64, UInt64, UInt64, UInt64)) {
        let usable = state == (0, 0, 0, 0) ? Self.expand(seed: 0) : state
        s0 = usable.0
        s1 = usable.1
        s2 = usable.2
        s3 = usable.3
    }

    /// Expands a 64-bit seed into the full state with SplitMix64, as the authors recommend;
    /// SplitMix64 never yields four zero words in a row, so every seed is usable.
    package init(seed: UInt64) {
        self.init(state: Self.expand(seed: seed))
    }

    private static func expand(seed: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        var mixer = SplitMix64(state: seed)
        let a = mixer.next()
        let b = mixer.next()
        let c = mixer.next()
        return (a, b, c, mixer.next())
    }

    package mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(by: 45)
        return result
    }

    /// A uniform double in [0, 1) from the top 53 bits (the mantissa width), so every value
    /// is exactly representable and 1 is never returned.
    package mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

/// SplitMix64 (Steele, Lea, Flood), used only to expand seeds.
package struct SplitMix64: Sendable {
    private var state: UInt64

    package init(state: UInt64) { self.state = state }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(by k: UInt64) -> UInt64 {
        (self << k) | (self >> (64 &- k))
    }
}
