import CKernels
import GGUF
import Inference
import XCTest

/// Formats and generic kernels against the test-side reference (QuantReference.swift).
final class QuantTests: XCTestCase {
    private func raw(_ t: GGMLType) -> Int32 { Int32(t.rawValue) }

    private func cDequantize(_ t: GGMLType, _ bytes: [UInt8], count n: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: n)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                ok_dequantize_row(raw(t), src.baseAddress!, dst.baseAddress!, Int64(n))
            }
        }
        return out
    }

    private func cQuantize(_ t: GGMLType, _ x: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0xEE, count: QuantRef.rowBytes(t, x.count))
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { dst in ok_quantize_row(raw(t), src.baseAddress!, dst.baseAddress!, Int64(x.count)) }
        }
        return out
    }

    private func cDot(_ path: KernelPath, _ t: GGMLType, _ w: [UInt8], _ a: [UInt8], count n: Int) -> Float {
        w.withUnsafeBytes { wp in
            a.withUnsafeBytes { ap in ok_vec_dot_path(path.rawValue, raw(t), Int64(n), wp.baseAddress!, ap.baseAddress!) }
        }
    }

    func testTypeTableMatchesGGUFLayouts() {
        for t in QuantRef.types {
            XCTAssertEqual(Int(ok_block_size(raw(t))), t.blockSize, "\(t)")
            XCTAssertEqual(Int(ok_row_size(raw(t), Int64(t.blockSize * 3))), t.blockBytes * 3, "\(t)")
        }
        XCTAssertEqual(Set(Kernels.supportedTypes), Set(QuantRef.weightTypes))
        XCTAssertEqual(ok_row_size(raw(.iq2_xxs), 256), 0)
    }

    func testActivationTypesFollowLlamaCpp() {
        let expected: [GGMLType: GGMLType] = [
            .f32: .f32, .f16: .f16, .bf16: .bf16, .q4_0: .q8_0, .q5_0: .q8_0, .q8_0: .q8_0,
            .q4_1: .q8_1, .q5_1: .q8_1, .q2_K: .q8_K, .q3_K: .q8_K, .q4_K: .q8_K, .q5_K: .q8_K, .q6_K: .q8_K,
        ]
        for t in GGMLType.allCases {
            XCTAssertEqual(Kernels.activationType(for: t), expected[t], "\(t)")
            XCTAssertEqual(Kernels.isSupported(t), expected[t] != nil, "\(t)")
        }
    }

    func testDequantizeMatchesReferenceBitForBit() {
        var rng = QuantTestRNG(seed: 0x5EED_0001)
        for t in QuantRef.types {
            let n = t.blockSize == 1 ? 777 : t.blockSize * 24
            for _ in 0..<4 {
                let bytes = QuantGen.row(t, count: n, &rng)
                let got = cDequantize(t, bytes, count: n)
                let want = QuantRef.dequantize(t, bytes, count: n)
                let mismatch = (0..<n).first { got[$0].bitPattern != want[$0].bitPattern }
                XCTAssertNil(mismatch, "\(t): element \(mismatch ?? -1): C \(got[mismatch ?? 0]) vs reference \(want[mismatch ?? 0])")
            }
        }
    }

    /// Raw random bytes (any scale bit pattern, infinities and NaNs included) decode like the reference.
    func testDequantizeArbitraryQuantBytes() {
        var rng = QuantTestRNG(seed: 0x5EED_0002)
        for t in QuantRef.types where t.blockSize > 1 {
            let n = t.blockSize * 8
            let bytes = (0..<QuantRef.rowBytes(t, n)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let got = cDequantize(t, bytes, count: n)
            let want = QuantRef.dequantize(t, bytes, count: n)
            for i in 0..<n where !(got[i].isNaN && want[i].isNaN) {
                XCTAssertEqual(got[i].bitPattern, want[i].bitPattern, "\(t) element \(i)")
            }
        }
    }

    func testGenericDotMatchesFloatReference() {
        var rng = QuantTestRNG(seed: 0x5EED_0003)
        for t in QuantRef.weightTypes {
            let act = Kernels.activationType(for: t)!
            for blocks in [1, 3, 16] {
                let n = t.blockSize == 1 ? 97 * blocks : (t.blockSize == 32 ? 32 * blocks * 8 : 256 * blocks)
                let w = QuantGen.row(t, count: n, &rng), a = QuantGen.row(act, count: n, &rng)
                let ref = QuantRef.dot(t, w, a, actType: act, count: n)
                let got = Double(cDot(.generic, t, w, a, count: n))
                XCTAssertEqual(got, ref.value, accuracy: 1e-5 * ref.magnitude + 1e-12, "\(t) n=\(n)")
            }
        }
    }

    func testDotDetectsASingleWrongElement() {
        // Guards the tolerance above: flipping one quant must move the result by more than it allows.
        var rng = QuantTestRNG(seed: 0x5EED_0004)
        let n = 256 * 4
        let w = QuantGen.row(.q4_K, count: n, &rng), a = QuantGen.row(.q8_K, count: n, &rng)
        var w2 = w
        w2[16 + 5] ^= 0x0F
        let ref = QuantRef.dot(.q4_K, w2, a, actType: .q8_K, count: n)
        let original = Double(cDot(.generic, .q4_K, w, a, count: n))
        XCTAssertGreaterThan(abs(original - ref.value), 1e-5 * ref.magnitude)
    }

    func testQ8_0KnownBytes() {
        // Block 0: amax 127 -> d = 1 exactly, so quants are roundf(x): halves round away from zero.
        // Block 1: amax 63.5 -> d = 0.5, 1/d = 2.  Block 2: all zero -> d = 0, quants 0.
        var x = [Float](repeating: 0, count: 96)
        let b0: [Float] = [127, -126.5, 2.5, -2.5, 0.49, -0.51, 1.5, -0.5, 100.2, -3.7]
        for (i, v) in b0.enumerated() { x[i] = v }
        let b1: [Float] = [63.5, 1.25, -0.75, 0.2, -63.0]
        for (i, v) in b1.enumerated() { x[32 + i] = v }
        let got = cQuantize(.q8_0, x)

        var want = [UInt8](repeating: 0, count: 3 * 34)
        want[0] = 0x00; want[1] = 0x3C // fp16 1.0
        let q0: [Int8] = [127, -127, 3, -3, 0, -1, 2, -1, 100, -4]
        for (i, q) in q0.enumerated() { want[2 + i] = UInt8(bitPattern: q) }
        want[34] = 0x00; want[35] = 0x38 // fp16 0.5
        let q1: [Int8] = [127, 3, -2, 0, -126]
        for (i, q) in q1.enumerated() { want[36 + i] = UInt8(bitPattern: q) }
        XCTAssertEqual(got, want)
    }

    func testQ8_1KnownSum() {
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127; x[1] = -2.5; x[2] = 10
        let got = cQuantize(.q8_1, x)
        XCTAssertEqual(got.u16(0), 0x3C00) // d = 1
        XCTAssertEqual(got.u16(2), Float16(127 - 3 + 10).bitPattern) // s = d * sum(q)
        XCTAssertEqual(got.i8(4), 127)
        XCTAssertEqual(got.i8(5), -3)
        XCTAssertEqual(got.i8(6), 10)
    }

    func testQ8RoundTripErrorBounds() {
        var rng = QuantTestRNG(seed: 0x5EED_0005)
        let n = 4096
        let x = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) * (Bool.random(using: &rng) ? 1 : 0.01) }
        for t in [GGMLType.q8_0, .q8_1, .q8_K] {
            let y = cDequantize(t, cQuantize(t, x), count: n)
            let bs = t.blockSize
            for blk in 0..<(n / bs) {
                let slice = x[(blk * bs)..<((blk + 1) * bs)]
                let amax = slice.map(abs).max()!
                // half a step of amax/127, plus the fp16 rounding of the scale for q8_0 / q8_1
                let bound = amax * (0.5 / 127 + (t == .q8_K ? 1e-6 : 1.0 / 1024))
                for i in (blk * bs)..<((blk + 1) * bs) {
                    XCTAssertLessThanOrEqual(abs(y[i] - x[i]), bound, "\(t) element \(i)")
                }
            }
        }
    }

    func testQ8_KBlockSumsMatchQuants() {
        var rng = QuantTestRNG(seed: 0x5EED_0006)
        let x = (0..<512).map { _ in Float.random(in: -1...1, using: &rng) }
        let q = cQuantize(.q8_K, x)
        for blk in 0..<2 {
            let o = blk * 292
            for g in 0..<16 {
                let s = (0..<16).reduce(0) { $0 + q.i8(o + 4 + 16 * g + $1) }
                XCTAssertEqual(Int(Int16(bitPattern: q.u16(o + 260 + 2 * g))), s)
            }
            // the largest magnitude maps to -127 * sign, as ggml's iscale = -127 / max does
            XCTAssertEqual((0..<256).map { abs(q.i8(o + 4 + $0)) }.max(), 127)
        }
    }

    /// Mean absolute error of quantize -> dequantize on uniform [-1, 1] data stays under a quarter
    /// step of a uniform grid with the format's bit width (plus 10%).
    func testWeightQuantizersRoundTrip() {
        var rng = QuantTestRNG(seed: 0x5EED_0007)
        let n = 256 * 16
        let x = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        let bits: [GGMLType: Int] = [.q4_0: 4, .q4_1: 4, .q5_0: 5, .q5_1: 5, .q8_0: 8,
                                     .q2_K: 2, .q3_K: 3, .q4_K: 4, .q5_K: 5, .q6_K: 6]
        for (t, b) in bits {
            let y = cDequantize(t, cQuantize(t, x), count: n)
            let mae = zip(x, y).map { abs($0 - $1) }.reduce(0, +) / Float(n)
            let bound = 1.1 * (2 / Float((1 << b) - 1)) / 4
            XCTAssertLessThan(mae, bound, "\(t)")
            XCTAssertGreaterThan(mae, 0, "\(t)")
        }
    }

    /// Re-quantizing values that are exactly on a q4_0 / q8_0 grid (with an extreme level present)
    /// must give back the same bytes: this pins the scale choice and the rounding of the quantizer.
    func testReferenceQuantizersAreIdempotentOnTheirGrid() {
        var rng = QuantTestRNG(seed: 0x5EED_0008)
        for t in [GGMLType.q4_0, .q8_0] {
            var bytes = QuantGen.row(t, count: 32 * 8, &rng)
            for blk in 0..<8 {
                let o = blk * t.blockBytes
                bytes.put16(o, Float16(Float(blk + 1) * 0.01).bitPattern)
                if t == .q4_0 { bytes[o + 2] = (bytes[o + 2] & 0xF0) } // element 0 at level 0 (value -8d)
                else { bytes[o + 2] = UInt8(bitPattern: -127) }
            }
            let x = QuantRef.dequantize(t, bytes, count: 32 * 8)
            XCTAssertEqual(cQuantize(t, x), bytes, "\(t)")
        }
    }

    func testHalfConversionKnownValues() {
        let cases: [(Float, UInt16)] = [
            (1, 0x3C00), (-2, 0xC000), (65504, 0x7BFF), (65519.99, 0x7BFF), (65520, 0x7C00), (1e9, 0x7C00),
            (.infinity, 0x7C00), (-.infinity, 0xFC00), (0x1p-24, 0x0001), (0x1p-25, 0x0000),
            (0x1.8p-24, 0x0002), (0x1p-14, 0x0400), (0x1.ffcp-15, 0x0400), (-0.0, 0x8000),
            (1 + 0x1p-11, 0x3C00), (1 + 0x1.8p-10, 0x3C02), (.nan, 0x7E00),
        ]
        for path in KernelPath.allCases where path.isAvailable {
            for (v, bits) in cases {
                var h: UInt16 = 0
                var f = v
                ok_f32_to_f16_path(path.rawValue, &f, &h, 1)
                if v.isNaN { XCTAssertTrue(Float16(bitPattern: h).isNaN) } else { XCTAssertEqual(h, bits, "\(path) \(v)") }
            }
        }
        // against Swift's own Float16 conversion (round to nearest even) on random values
        var rng = QuantTestRNG(seed: 0x5EED_0009)
        let xs = (0..<1000).map { _ in Float(bitPattern: UInt32.random(in: 0x3000_0000...0x4780_0000, using: &rng)) * (Bool.random(using: &rng) ? 1 : -1) }
        var hs = [UInt16](repeating: 0, count: xs.count)
        ok_f32_to_f16_path(KernelPath.generic.rawValue, xs, &hs, Int64(xs.count))
        for i in xs.indices { XCTAssertEqual(hs[i], Float16(xs[i]).bitPattern, "\(xs[i])") }
    }

    func testBF16QuantizeRoundsToNearestEven() {
        let x: [Float] = [1, Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x3F80_8001), -3.5]
        let q = cQuantize(.bf16, x)
        XCTAssertEqual((0..<5).map { q.u16(2 * $0) }, [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xC060])
    }

    func testWrapperValidatesLengthsAndTypes() throws {
        XCTAssertThrowsError(try Kernels.quantize(type: .q4_K, values: [Float](repeating: 0, count: 100))) { e in
            XCTAssertEqual(e as? QuantError, .badLength(type: .q4_K, count: 100, blockSize: 256))
        }
        XCTAssertThrowsError(try Kernels.rowSize(type: .iq2_xxs, count: 256)) { e in
            let message = "\(e)"
            XCTAssertTrue(message.contains("IQ2_XXS") && message.contains("Q4_K") && message.contains("Q8_0"), message)
        }
        XCTAssertThrowsError(try Kernels.dequantize(type: .q8_0, bytes: [UInt8](repeating: 0, count: 33), count: 32)) { e in
            XCTAssertEqual(e as? QuantError, .bufferTooSmall(type: .q8_0, needed: 34, got: 33))
        }
        XCTAssertThrowsError(try Kernels.dot(weightType: .q8_1, count: 32, weights: [], activations: []))
        XCTAssertEqual(try Kernels.rowSize(type: .q6_K, count: 512), 420)
        XCTAssertEqual(try Kernels.dequantize(type: .q8_0, bytes: [0x00, 0x38] + [UInt8](repeating: 4, count: 32), count: 32),
                       [Float](repeating: 2, count: 32))
    }

    func testWrapperDotEqualsCKernel() throws {
        var rng = QuantTestRNG(seed: 0x5EED_000A)
        let w = QuantGen.row(.q5_0, count: 64, &rng), a = QuantGen.row(.q8_0, count: 64, &rng)
        let viaSwift = try Kernels.dot(weightType: .q5_0, count: 64, weights: w, activations: a, path: .generic)
        XCTAssertEqual(viaSwift, cDot(.generic, .q5_0, w, a, count: 64))
    }
}
