import GGUF

// Test-side reference for the ggml block formats, written from the layout descriptions in ggml-common.h
// and independently of Sources/CKernels: each element is located by its index (which byte, which bits)
// rather than by replaying the C loops. Float expressions keep ggml's operation order so results can be
// compared bit for bit.

/// Deterministic generator (QuantTestRNG) so every failure reproduces.
struct QuantTestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    func u16(_ o: Int) -> UInt16 { UInt16(self[o]) | UInt16(self[o + 1]) << 8 }
    func u32(_ o: Int) -> UInt32 { UInt32(u16(o)) | UInt32(u16(o + 2)) << 16 }
    func f16(_ o: Int) -> Float { Float(Float16(bitPattern: u16(o))) }
    func bf16(_ o: Int) -> Float { Float(bitPattern: UInt32(u16(o)) << 16) }
    func f32(_ o: Int) -> Float { Float(bitPattern: u32(o)) }
    func i8(_ o: Int) -> Int { Int(Int8(bitPattern: self[o])) }
    func u8(_ o: Int) -> Int { Int(self[o]) }

    mutating func put16(_ o: Int, _ v: UInt16) {
        self[o] = UInt8(v & 0xFF)
        self[o + 1] = UInt8(v >> 8)
    }
    mutating func put32(_ o: Int, _ v: UInt32) {
        put16(o, UInt16(v & 0xFFFF))
        put16(o + 2, UInt16(v >> 16))
    }
}

enum QuantRef {
    /// Types with a test-side reference (weights plus the activation formats).
    static let types: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1,
                                    .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K]
    static let weightTypes: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                          .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    static func rowBytes(_ t: GGMLType, _ n: Int) -> Int { n / t.blockSize * t.blockBytes }

    /// Element `e` (0..<blockSize) of the block starting at byte `o`.
    static func element(_ t: GGMLType, _ b: [UInt8], _ o: Int, _ e: Int) -> Float {
        switch t {
        case .f32: return b.f32(o)
        case .f16: return b.f16(o)
        case .bf16: return b.bf16(o)
        case .q4_0:
            // qs[j] holds element j (low nibble) and element j + 16 (high nibble)
            let byte = b.u8(o + 2 + e % 16)
            let q = e < 16 ? byte & 0xF : byte >> 4
            return Float(q - 8) * b.f16(o)
        case .q4_1:
            let byte = b.u8(o + 4 + e % 16)
            let q = e < 16 ? byte & 0xF : byte >> 4
            return Float(q) * b.f16(o) + b.f16(o + 2)
        case .q5_0:
            let byte = b.u8(o + 6 + e % 16)
            let q = (e < 16 ? byte & 0xF : byte >> 4) | Int((b.u32(o + 2) >> UInt32(e)) & 1) << 4
            return Float(q - 16) * b.f16(o)
        case .q5_1:
            let byte = b.u8(o + 8 + e % 16)
            let q = (e < 16 ? byte & 0xF : byte >> 4) | Int((b.u32(o + 4) >> UInt32(e)) & 1) << 4
            return Float(q) * b.f16(o) + b.f16(o + 2)
        case .q8_0: return Float(b.i8(o + 2 + e)) * b.f16(o)
        case .q8_1: return Float(b.i8(o + 4 + e)) * b.f16(o)
        case .q8_K: return b.f32(o) * Float(b.i8(o + 4 + e))
        case .q2_K:
            // 128-element halves; within one, byte l of 32 carries elements l, l+32, l+64, l+96 in bit pairs
            let half = e / 128, r = e % 128
            let q = (b.u8(o + 16 + 32 * half + r % 32) >> (2 * (r / 32))) & 3
            let sc = b.u8(o + e / 16)
            let dl = b.f16(o + 80) * Float(sc & 0xF), ml = b.f16(o + 82) * Float(sc >> 4)
            return dl * Float(q) - ml
        case .q3_K:
            let half = e / 128, r = e % 128
            let low = (b.u8(o + 32 + 32 * half + r % 32) >> (2 * (r / 32))) & 3
            let high = (b.u8(o + e % 32) >> (e / 32)) & 1 // hmask[e % 32], bit e / 32
            let q = low - (high == 1 ? 0 : 4)
            return b.f16(o + 108) * Float(q3Scale(b, o + 96, e / 16)) * Float(q)
        case .q4_K:
            let chunk = e / 64, r = e % 64
            let byte = b.u8(o + 16 + 32 * chunk + r % 32)
            let q = r < 32 ? byte & 0xF : byte >> 4
            let (sc, m) = k4ScaleMin(b, o + 4, e / 32)
            return b.f16(o) * Float(sc) * Float(q) - b.f16(o + 2) * Float(m)
        case .q5_K:
            let chunk = e / 64, r = e % 64
            let byte = b.u8(o + 48 + 32 * chunk + r % 32)
            let high = (b.u8(o + 16 + r % 32) >> (2 * chunk + (r < 32 ? 0 : 1))) & 1
            let q = (r < 32 ? byte & 0xF : byte >> 4) + 16 * high
            let (sc, m) = k4ScaleMin(b, o + 4, e / 32)
            return b.f16(o) * Float(sc) * Float(q) - b.f16(o + 2) * Float(m)
        case .q6_K:
            // per 128: ql holds 64 bytes (low nibbles: quarters 0,1; high nibbles: quarters 2,3),
            // qh holds 32 bytes with the top two bits of quarter k at bit pair k
            let half = e / 128, r = e % 128, quarter = r / 32, l = r % 32
            let qlByte = b.u8(o + 64 * half + 32 * (quarter % 2) + l)
            let low = quarter < 2 ? qlByte & 0xF : qlByte >> 4
            let high = (b.u8(o + 128 + 32 * half + l) >> (2 * quarter)) & 3
            let q = (low | high << 4) - 32
            return b.f16(o + 208) * Float(b.i8(o + 192 + e / 16)) * Float(q)
        default:
            preconditionFailure("no reference for \(t)")
        }
    }

    /// 6-bit scale and min of sub-block j of a q4_K / q5_K block (12 packed bytes at `o`).
    static func k4ScaleMin(_ b: [UInt8], _ o: Int, _ j: Int) -> (Int, Int) {
        if j < 4 { return (b.u8(o + j) & 63, b.u8(o + j + 4) & 63) }
        let sc = (b.u8(o + j + 4) & 0xF) | (b.u8(o + j - 4) >> 6) << 4
        let m = (b.u8(o + j + 4) >> 4) | (b.u8(o + j) >> 6) << 4
        return (sc, m)
    }

    /// Signed scale g (0..<16) of a q3_K block: low 4 bits from bytes 0..7, top 2 bits from bytes 8..11.
    static func q3Scale(_ b: [UInt8], _ o: Int, _ g: Int) -> Int {
        let low = g < 8 ? b.u8(o + g) & 0xF : b.u8(o + g - 8) >> 4
        let high = (b.u8(o + 8 + g % 4) >> (2 * (g / 4))) & 3
        return (low | high << 4) - 32
    }

    static func dequantize(_ t: GGMLType, _ b: [UInt8], count n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n {
            out[i] = element(t, b, i / t.blockSize * t.blockBytes, i % t.blockSize)
        }
        return out
    }

    /// Reference value of ggml's dot product of weights `w` (type t) with activations `a` (its
    /// activation type), in Double, plus the sum of |terms| for tolerances. q8_1 carries s = fp16(d*sum)
    /// which ggml uses for the offset term of q4_1 / q5_1, so that term is taken from s as ggml does.
    static func dot(_ t: GGMLType, _ w: [UInt8], _ a: [UInt8], actType: GGMLType, count n: Int) -> (value: Double, magnitude: Double) {
        let wf = dequantize(t, w, count: n), af = dequantize(actType, a, count: n)
        var sum = 0.0, mag = 0.0
        for i in 0..<n {
            let term = Double(wf[i]) * Double(af[i])
            sum += term
            mag += abs(term)
        }
        if actType == .q8_1 {
            for blk in 0..<(n / 32) {
                let ao = blk * 36, wo = blk * t.blockBytes
                var qsum = 0
                for j in 0..<32 { qsum += a.i8(ao + 4 + j) }
                let m = Double(w.f16(wo + 2))
                sum += m * (Double(a.f16(ao + 2)) - Double(a.f16(ao)) * Double(qsum))
            }
        }
        return (sum, mag)
    }
}

/// Random, well-formed rows: random bytes for the quants, finite fp16 scales, q8 quants in [-127, 127]
/// (the range ggml's activation quantizers produce), consistent q8_1 sums and q8_K block sums.
enum QuantGen {
    static func half(_ r: inout QuantTestRNG, _ range: ClosedRange<Float>) -> UInt16 {
        Float16(Float.random(in: range, using: &r)).bitPattern
    }

    static func q8Byte(_ r: inout QuantTestRNG) -> UInt8 { UInt8(bitPattern: Int8.random(in: -127...127, using: &r)) }

    static func row(_ t: GGMLType, count n: Int, _ r: inout QuantTestRNG) -> [UInt8] {
        let nb = n / t.blockSize, bb = t.blockBytes
        var b = (0..<(nb * bb)).map { _ in UInt8.random(in: 0...255, using: &r) }
        for blk in 0..<nb {
            let o = blk * bb
            switch t {
            case .f32: b.put32(o, Float.random(in: -2...2, using: &r).bitPattern)
            case .f16: b.put16(o, half(&r, -2...2))
            case .bf16: b.put16(o, UInt16(Float.random(in: -2...2, using: &r).bitPattern >> 16))
            case .q4_0, .q5_0: b.put16(o, half(&r, -0.1...0.1))
            case .q4_1, .q5_1:
                b.put16(o, half(&r, -0.1...0.1))
                b.put16(o + 2, half(&r, -1...1))
            case .q8_0:
                b.put16(o, half(&r, -0.05...0.05))
                for j in 0..<32 { b[o + 2 + j] = q8Byte(&r) }
            case .q8_1:
                let d = half(&r, 0...0.05)
                b.put16(o, d)
                var s = 0
                for j in 0..<32 {
                    b[o + 4 + j] = q8Byte(&r)
                    s += b.i8(o + 4 + j)
                }
                b.put16(o + 2, Float16(Float(Float16(bitPattern: d)) * Float(s)).bitPattern)
            case .q8_K:
                b.put32(o, Float.random(in: -0.02...0.02, using: &r).bitPattern)
                for j in 0..<256 { b[o + 4 + j] = q8Byte(&r) }
                for g in 0..<16 {
                    var s = 0
                    for j in 0..<16 { s += b.i8(o + 4 + 16 * g + j) }
                    b.put16(o + 260 + 2 * g, UInt16(bitPattern: Int16(s)))
                }
            case .q2_K:
                b.put16(o + 80, half(&r, -0.05...0.05))
                b.put16(o + 82, half(&r, -0.05...0.05))
            case .q3_K: b.put16(o + 108, half(&r, -0.05...0.05))
            case .q4_K, .q5_K:
                b.put16(o, half(&r, -0.05...0.05))
                b.put16(o + 2, half(&r, -0.05...0.05))
            case .q6_K: b.put16(o + 208, half(&r, -0.01...0.01))
            default: preconditionFailure("no generator for \(t)")
            }
        }
        return b
    }
}
