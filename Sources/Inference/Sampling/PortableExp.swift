/// exp(x) for x <= 0 using only IEEE-754 additions, multiplications and bit operations.
///
/// The sampler's choices must not depend on which C library provides `expf` (they differ in
/// the last bit across platforms), and the loop over a 262,144-entry vocabulary should
/// vectorize; a libm call does neither. Accuracy is within about 2 ulp of the true value for
/// x in [-87, 0]; below -87 (relative weight under 2^-125) the result is 0, and -inf gives 0.
@inline(__always)
package func portableExpNonPositive(_ x: Float) -> Float {
    // Split x = n ln2 + r with n an integer and |r| <= ln2 / 2, so exp(x) = 2^n e^r.
    let clamped = x < -87 ? -87 : (x > 0 ? 0 : x)
    let roundingMagic: Float = 12_582_912  // 1.5 × 2^23: adding it rounds to an integer
    let shifted = clamped * 1.442_695_04 + roundingMagic  // x / ln2, rounded, in the low bits
    let n = shifted - roundingMagic
    // ln 2 in two parts so that n * ln2Hi is exact: ln2Hi has 15 significant bits and |n| < 2^7.
    let r = (clamped - n * 0.693_145_751_953_125) - n * 1.428_606_8e-6
    // Taylor series of e^r to degree 7: the truncation error r^8 / 8! is below 6e-9 here.
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^n built from its exponent bits; n is in [-126, 0], so the result is a normal number.
    let nBits = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: roundingMagic.bitPattern)
    let scale = Float(bitPattern: UInt32(bitPattern: (nBits &+ 127) &<< 23))
    return x < -87 ? 0 : p * scale
}
