import CKernels
import GGUF
import Inference
import XCTest

/// Every SIMD path against its generic twin, path selection, and the matmul layout.
final class KernelPathTests: XCTestCase {
    private var simdPaths: [KernelPath] { KernelPath.allCases.filter { $0 != .generic && $0.isAvailable } }

    private func dot(_ path: KernelPath, _ t: GGMLType, _ w: [UInt8], _ a: [UInt8], count n: Int) -> Float {
        w.withUnsafeBytes { wp in
            a.withUnsafeBytes { ap in
                ok_vec_dot_path(path.rawValue, Int32(t.rawValue), Int64(n), wp.baseAddress!, ap.baseAddress!)
            }
        }
    }

    func testPathSelection() {
        XCTAssertTrue(KernelPath.generic.isAvailable)
        XCTAssertEqual(Kernels.initialize(forceGeneric: true), .generic)
        XCTAssertEqual(Kernels.current, .generic)
        let chosen = Kernels.initialize(forceGeneric: false)
        XCTAssertTrue(chosen.isAvailable)
        XCTAssertEqual(Kernels.current, chosen)
        // the preferred path is the widest available one
        if KernelPath.avx512.isAvailable { XCTAssertEqual(chosen, .avx512) }
        else if KernelPath.avx2.isAvailable { XCTAssertEqual(chosen, .avx2) }
        else if KernelPath.neon.isAvailable { XCTAssertEqual(chosen, .neon) }
        XCTAssertEqual(KernelPath.allCases.map(\.description), ["generic", "avx2", "avx512", "neon"])
        #if arch(x86_64)
        XCTAssertFalse(KernelPath.neon.isAvailable)
        #endif
    }

    func testUnavailablePathFallsBackToGeneric() throws {
        let missing = try XCTUnwrap(KernelPath.allCases.first { !$0.isAvailable }, "every path is available here")
        var rng = QuantTestRNG(seed: 0x9A7B_0001)
        let w = QuantGen.row(.q4_0, count: 256, &rng), a = QuantGen.row(.q8_0, count: 256, &rng)
        XCTAssertEqual(dot(missing, .q4_0, w, a, count: 256), dot(.generic, .q4_0, w, a, count: 256))
    }

    func testSIMDVecDotMatchesGenericTwin() throws {
        if simdPaths.isEmpty { throw XCTSkip("no SIMD path on this CPU") }
        var rng = QuantTestRNG(seed: 0x9A7B_0002)
        for path in simdPaths {
            for t in QuantRef.weightTypes {
                let act = Kernels.activationType(for: t)!
                // block counts cover 8-block scale groups with and without leftovers, and float tails of 8 / 32 lanes
                let sizes = t.blockSize == 1 ? [1, 7, 8, 31, 32, 33, 100, 4099] : [1, 2, 3, 5, 11, 16, 19].map { $0 * max(t.blockSize, 32) }
                for n in sizes {
                    for _ in 0..<3 {
                        let w = QuantGen.row(t, count: n, &rng), a = QuantGen.row(act, count: n, &rng)
                        let mag = QuantRef.dot(t, w, a, actType: act, count: n).magnitude
                        let g = dot(.generic, t, w, a, count: n), s = dot(path, t, w, a, count: n)
                        XCTAssertEqual(Double(s), Double(g), accuracy: 2e-6 * mag + 1e-12, "\(path) \(t) n=\(n)")
                    }
                }
            }
        }
    }

    func testSIMDDotStaysExactOnIntegerData() throws {
        // With unit scales every partial sum is a small integer, so all paths must agree exactly:
        // any lane or element mix-up shows as a difference, not as rounding noise.
        if simdPaths.isEmpty { throw XCTSkip("no SIMD path on this CPU") }
        var rng = QuantTestRNG(seed: 0x9A7B_0003)
        for t in [GGMLType.q4_0, .q5_0, .q8_0, .q4_K, .q6_K, .q3_K, .q2_K, .q5_K] {
            let act = Kernels.activationType(for: t)!
            let n = 512
            var w = QuantGen.row(t, count: n, &rng), a = QuantGen.row(act, count: n, &rng)
            let one = Float16(1).bitPattern
            for blk in 0..<(n / t.blockSize) {
                let o = blk * t.blockBytes
                switch t {
                case .q4_0, .q5_0, .q8_0: w.put16(o, one)
                case .q4_K, .q5_K: w.put16(o, one); w.put16(o + 2, one)
                case .q2_K: w.put16(o + 80, one); w.put16(o + 82, one)
                case .q3_K: w.put16(o + 108, one)
                case .q6_K: w.put16(o + 208, one)
                default: break
                }
            }
            // unit activation scales and quants in [-3, 3] keep every total below 2^24 (exact in float)
            for blk in 0..<(n / act.blockSize) {
                let o = blk * act.blockBytes
                if act == .q8_K {
                    a.put32(o, Float(1).bitPattern)
                    for g in 0..<16 {
                        var sum = 0
                        for j in 0..<16 {
                            let q = a.i8(o + 4 + 16 * g + j) % 4
                            a[o + 4 + 16 * g + j] = UInt8(bitPattern: Int8(q))
                            sum += q
                        }
                        a.put16(o + 260 + 2 * g, UInt16(bitPattern: Int16(sum)))
                    }
                } else {
                    a.put16(o, one)
                    for j in 0..<32 { a[o + 2 + j] = UInt8(bitPattern: Int8(a.i8(o + 2 + j) % 4)) }
                }
            }
            let ref = QuantRef.dot(t, w, a, actType: act, count: n).value
            for path in KernelPath.allCases where path.isAvailable {
                XCTAssertEqual(Double(dot(path, t, w, a, count: n)), ref, "\(path) \(t)")
            }
        }
    }

    func testF32HelpersOnEveryPath() {
        var rng = QuantTestRNG(seed: 0x9A7B_0004)
        for path in KernelPath.allCases where path.isAvailable {
            for n in [0, 1, 5, 8, 15, 16, 17, 31, 33, 64, 1000] {
                let a = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
                let b = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
                let exact = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let mag = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
                XCTAssertEqual(Double(ok_dot_f32_path(path.rawValue, a, b, Int64(n))), exact, accuracy: 1e-6 * mag + 1e-30, "\(path) n=\(n)")

                // axpy / scale must touch exactly n elements
                var y = b + [42]
                ok_axpy_f32_path(path.rawValue, Int64(n), 0.5, a, &y)
                for i in 0..<n { XCTAssertEqual(y[i], b[i] + 0.5 * a[i], accuracy: 1e-6, "\(path) axpy") }
                XCTAssertEqual(y[n], 42)
                ok_scale_f32_path(path.rawValue, Int64(n), -2, &y)
                for i in 0..<n { XCTAssertEqual(y[i], -2 * (b[i] + 0.5 * a[i]), accuracy: 2e-6, "\(path) scale") }
                XCTAssertEqual(y[n], 42)

                var h = [UInt16](repeating: 0xFFFF, count: n + 1)
                ok_f32_to_f16_path(path.rawValue, a, &h, Int64(n))
                for i in 0..<n { XCTAssertEqual(h[i], Float16(a[i]).bitPattern, "\(path) f16") }
                XCTAssertEqual(h[n], 0xFFFF)
                var back = [Float](repeating: 7, count: n + 1)
                ok_f16_to_f32_path(path.rawValue, h, &back, Int64(n))
                for i in 0..<n { XCTAssertEqual(back[i], Float(Float16(bitPattern: h[i])), "\(path) f32") }
                XCTAssertEqual(back[n], 7)
            }
        }
    }

    /// GEGLU is ggml's table GELU: every path equals an independent reference (half-rounded input, gelu with
    /// tanhf and the reference build's one FMA, half-rounded result, times up; 0 at <= -10, x * up at >= 10),
    /// bit for bit, and writes exactly n values.
    func testGegluMatchesTableReferenceOnEveryPath() {
        func gelu(_ x: Float) -> Float {
            let inner = Float(1).addingProduct(0.044715 * x, x)
            return 0.5 * x * (1 + tanhf(0.79788456080286535587989211986876 * x * inner))
        }
        func reference(_ x: Float, _ u: Float) -> Float {
            if x <= -10 { return 0 }
            if x >= 10 { return x * u }
            return Float(Float16(gelu(Float(Float16(x))))) * u
        }
        var rng = QuantTestRNG(seed: 0x9A7B_0007)
        let edges: [Float] = [-10, 10, -10.001, 9.999, 10.001, -9.999, 0, -0.0, 1e-6, -1e-6, 3e-5, 65504, -65504, 7.5, -3.25]
        for path in KernelPath.allCases where path.isAvailable {
            for n in [0, 1, 7, 8, 9, 15, 16, 17, 33, 100, 1000] {
                var x = (0..<n).map { _ in Float.random(in: -12...12, using: &rng) }
                for (i, e) in edges.enumerated() where i < n { x[(i * 7) % n] = e }
                let up = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
                var y = x + [42]
                ok_geglu_f32_path(path.rawValue, Int64(n), &y, up)
                for i in 0..<n {
                    XCTAssertEqual(y[i].bitPattern, reference(x[i], up[i]).bitPattern, "\(path) n=\(n) x=\(x[i])")
                }
                XCTAssertEqual(y[n], 42, "\(path) wrote past n=\(n)")
            }
        }
    }

    /// SwiGLU: the SIMD paths (ggml's vectorised expf) against the generic twin (expf) within a few ulp, over
    /// ordinary values and the overflow / underflow ranges of e^-x.
    func testSwigluSIMDMatchesGenericTwin() throws {
        if simdPaths.isEmpty { throw XCTSkip("no SIMD path on this CPU") }
        var rng = QuantTestRNG(seed: 0x9A7B_0008)
        for path in simdPaths {
            for n in [0, 1, 7, 8, 9, 15, 16, 17, 33, 100, 1000] {
                for range: ClosedRange<Float> in [-8...8, -120...120] {
                    let x = (0..<n).map { _ in Float.random(in: range, using: &rng) }
                    let up = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
                    var g = x, s = x + [42]
                    ok_swiglu_f32_path(KernelPath.generic.rawValue, Int64(n), &g, up)
                    ok_swiglu_f32_path(path.rawValue, Int64(n), &s, up)
                    for i in 0..<n {
                        XCTAssertEqual(s[i], g[i], accuracy: 4e-7 * abs(g[i]) + 1e-37, "\(path) n=\(n) x=\(x[i])")
                        XCTAssertTrue(s[i].isFinite, "\(path) x=\(x[i])")
                    }
                    XCTAssertEqual(s[n], 42, "\(path) wrote past n=\(n)")
                }
            }
        }
    }

    /// The F16 KV cache kernels: dot(half row, f32) and y += a * half row, every path against exact math.
    func testHalfRowHelpersOnEveryPath() {
        var rng = QuantTestRNG(seed: 0x9A7B_0005)
        for path in KernelPath.allCases where path.isAvailable {
            for n in [0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 256] {
                let h = (0..<n).map { _ in Float16(Float.random(in: -4...4, using: &rng)).bitPattern }
                let hf = h.map { Double(Float(Float16(bitPattern: $0))) }
                let x = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
                let exact = zip(hf, x).reduce(0.0) { $0 + $1.0 * Double($1.1) }
                let mag = zip(hf, x).reduce(0.0) { $0 + abs($1.0 * Double($1.1)) }
                XCTAssertEqual(Double(ok_dot_f16_f32_path(path.rawValue, h, x, Int64(n))), exact,
                               accuracy: 1e-6 * mag + 1e-30, "\(path) dot n=\(n)")
                var y = x + [42]
                ok_axpy_f16_path(path.rawValue, Int64(n), -0.25, h, &y)
                for i in 0..<n { XCTAssertEqual(Double(y[i]), Double(x[i]) - 0.25 * hf[i], accuracy: 1e-6, "\(path) axpy n=\(n)") }
                XCTAssertEqual(y[n], 42, "\(path) axpy wrote past n=\(n)")
            }
        }
    }

    /// The softmax numerators every attention path takes: e^(s - max) within a few ulp of expf on every
    /// path (ggml's vector exp on SIMD paths), their sum, far-below-max scores giving exactly 0, and nothing
    /// written past n (the masked tail).
    func testSoftmaxNumeratorsOnEveryPath() {
        var rng = QuantTestRNG(seed: 0x9A7B_000C)
        for path in KernelPath.allCases where path.isAvailable {
            for n in [1, 3, 7, 8, 9, 16, 300] {
                var x = (0..<n).map { _ in Float.random(in: -30...5, using: &rng) }
                if n > 2 { x[1] = -200 }                       // e^-200 underflows to 0 in float
                let maxScore = x.max()!
                var s = x + [42]
                let sum = ok_softmax_numerators_path(path.rawValue, &s, Int64(n), maxScore)
                var expectedSum: Double = 0
                for i in 0..<n {
                    let e = expf(x[i] - maxScore)
                    expectedSum += Double(e)
                    XCTAssertEqual(Double(s[i]), Double(e), accuracy: Double(e) * 4e-7 + 1e-40, "\(path) n=\(n) i=\(i)")
                    XCTAssertGreaterThanOrEqual(s[i], 0, "\(path) n=\(n) i=\(i)")
                }
                if n > 2 { XCTAssertEqual(s[1], 0, "\(path) n=\(n): e^-200 - max") }
                XCTAssertEqual(Double(sum), expectedSum, accuracy: expectedSum * 2e-6, "\(path) n=\(n) sum")
                XCTAssertEqual(s[n], 42, "\(path) wrote past n=\(n)")
            }
        }
    }

    /// Greedy decoding's pick: the first index of the maximum (ties to the lowest index, -inf allowed, all
    /// -inf gives 0), and -1 as soon as any value is NaN or +inf, wherever it sits (vector body or tail).
    func testArgmaxOnEveryPath() {
        var rng = QuantTestRNG(seed: 0x9A7B_000D)
        func reference(_ x: [Float]) -> Int64 {
            if x.isEmpty || x.contains(where: { !($0 < .infinity) }) { return -1 }
            var best = 0
            for i in x.indices where x[i] > x[best] { best = i }
            return Int64(best)
        }
        for path in KernelPath.allCases where path.isAvailable {
            XCTAssertEqual(ok_argmax_f32_path(path.rawValue, nil, 0), -1, "\(path) empty")
            for n in [1, 2, 7, 8, 9, 15, 16, 17, 49152 + 5] {
                var x = (0..<n).map { _ in Float(Int.random(in: -40...40, using: &rng)) / 4 }   // many ties
                XCTAssertEqual(ok_argmax_f32_path(path.rawValue, x, Int64(n)), reference(x), "\(path) n=\(n)")
                // The maximum twice, the later one first found by a careless reduction.
                let top = x.max()! + 1
                x[n - 1] = top
                x[n / 2] = top
                XCTAssertEqual(ok_argmax_f32_path(path.rawValue, x, Int64(n)), Int64(n / 2), "\(path) n=\(n) tie")
                let allLow = [Float](repeating: -.infinity, count: n)
                XCTAssertEqual(ok_argmax_f32_path(path.rawValue, allLow, Int64(n)), 0, "\(path) n=\(n) all -inf")
                for bad in [Float.nan, .infinity] {
                    for at in Set([0, n / 2, n - 1]) {
                        var y = x
                        y[at] = bad
                        XCTAssertEqual(ok_argmax_f32_path(path.rawValue, y, Int64(n)), -1, "\(path) n=\(n) \(bad) at \(at)")
                    }
                }
            }
        }
    }

    func testAttendMatchesPerKeyLoop() {
        // ok_attend (one query row of softmax attention) must equal, bit for bit, the loop it replaced:
        // one dot per key, the softmax numerators, one axpy per value row, on the same path.
        var rng = QuantTestRNG(seed: 0x9A7B_0006)
        for path in KernelPath.allCases where path.isAvailable {
            for (headDim, vDim) in [(64, 64), (256, 256), (72, 20), (8, 3)] {
                for n in [1, 2, 7, 300] {
                    for f16 in [true, false] {
                        let kStride = 2 * headDim + 5, vStride = vDim + 9   // elements between positions
                        let q = (0..<headDim).map { _ in Float.random(in: -1...1, using: &rng) }
                        let kf = (0..<(n * kStride)).map { _ in Float.random(in: -1...1, using: &rng) }
                        let vf = (0..<(n * vStride)).map { _ in Float.random(in: -2...2, using: &rng) }
                        let kh = kf.map { Float16($0).bitPattern }, vh = vf.map { Float16($0).bitPattern }
                        var scores = [Float](repeating: 0, count: n)
                        var out = [Float](repeating: .nan, count: vDim + 1)
                        out[vDim] = 42
                        // the fused call
                        f16 ? kh.withUnsafeBytes { k in vh.withUnsafeBytes { v in
                                ok_attend_path(path.rawValue, 1, q, k.baseAddress!, Int64(kStride), v.baseAddress!,
                                               Int64(vStride), Int64(n), Int64(headDim), Int64(vDim), &scores, &out) } }
                            : kf.withUnsafeBytes { k in vf.withUnsafeBytes { v in
                                ok_attend_path(path.rawValue, 0, q, k.baseAddress!, Int64(kStride), v.baseAddress!,
                                               Int64(vStride), Int64(n), Int64(headDim), Int64(vDim), &scores, &out) } }
                        // the loop
                        var s = [Float](repeating: 0, count: n)
                        var maxScore = -Float.infinity
                        for t in 0..<n {
                            s[t] = f16 ? kh.withUnsafeBufferPointer { ok_dot_f16_f32_path(path.rawValue, $0.baseAddress! + t * kStride, q, Int64(headDim)) }
                                       : kf.withUnsafeBufferPointer { ok_dot_f32_path(path.rawValue, q, $0.baseAddress! + t * kStride, Int64(headDim)) }
                            maxScore = max(maxScore, s[t])
                        }
                        let sum = ok_softmax_numerators_path(path.rawValue, &s, Int64(n), maxScore)
                        var expected = [Float](repeating: 0, count: vDim)
                        let inv = 1 / sum
                        for t in 0..<n {
                            if f16 {
                                vh.withUnsafeBufferPointer { ok_axpy_f16_path(path.rawValue, Int64(vDim), s[t] * inv, $0.baseAddress! + t * vStride, &expected) }
                            } else {
                                vf.withUnsafeBufferPointer { ok_axpy_f32_path(path.rawValue, Int64(vDim), s[t] * inv, $0.baseAddress! + t * vStride, &expected) }
                            }
                        }
                        let what = "\(path) f16=\(f16) headDim=\(headDim) vDim=\(vDim) n=\(n)"
                        XCTAssertEqual(Array(out.prefix(vDim)).map(\.bitPattern), expected.map(\.bitPattern), what)
                        XCTAssertEqual(scores.map(\.bitPattern), s.map(\.bitPattern), what)
                        XCTAssertEqual(out[vDim], 42, "\(what): wrote past the output")
                    }
                }
            }
        }
    }

    /// A single activation column (decode) gives every output row exactly its vec_dot on the same path, for
    /// every weight type: the GEMV kernels (q4_1 on x86) only hoist the activation's work out of the row loop.
    func testSingleColumnMatmulEqualsVecDotBitForBit() {
        var rng = QuantTestRNG(seed: 0x9A7B_0009)
        for path in KernelPath.allCases where path.isAvailable {
            for t in QuantRef.weightTypes {
                let act = Kernels.activationType(for: t)!
                let unit = max(t.blockSize, 32)
                // whole 8-block groups, leftovers, and a row longer than the GEMV's stack arrays (1024 blocks)
                // (q4_1: every leftover count 1...7 after whole groups, and rows cut into 256-block segments;
                // q8_0 and the K-quants: rows past the multi-column kernels' activation layouts)
                for k in [unit, 3 * unit, 8 * unit, 18 * unit, 48 * unit]
                    + (t == .q4_1 ? [5 * 32, 13 * 32, 15 * 32, 22 * 32, 260 * 32, 1025 * 32] : [])
                    + (t == .q8_0 ? [200 * 32] : t == .q4_K || t == .q6_K ? [19 * 256, 70 * 256] : []) {
                    let rows = 5, wStride = QuantRef.rowBytes(t, k) + 4
                    var w = [UInt8](repeating: 0, count: wStride * rows)
                    for r in 0..<rows {
                        let row = QuantGen.row(t, count: k, &rng)
                        w.replaceSubrange((r * wStride)..<(r * wStride + row.count), with: row)
                    }
                    let a = QuantGen.row(act, count: k, &rng)
                    var out = [Float](repeating: -999, count: rows + 1)
                    w.withUnsafeBytes { wp in
                        a.withUnsafeBytes { ap in
                            ok_matmul_path(path.rawValue, Int32(t.rawValue), Int64(k), wp.baseAddress!, wStride, Int64(rows),
                                           ap.baseAddress!, 0, 1, &out, 0)
                            for r in 0..<rows {
                                let d = ok_vec_dot_path(path.rawValue, Int32(t.rawValue), Int64(k), wp.baseAddress! + r * wStride, ap.baseAddress!)
                                XCTAssertEqual(out[r].bitPattern, d.bitPattern, "\(path) \(t) k=\(k) row \(r): \(out[r]) vs \(d)")
                            }
                        }
                    }
                    XCTAssertEqual(out[rows], -999, "\(path) \(t) wrote past the rows")
                }
            }
        }
    }

    /// A decode batch of two sequences (two columns) gives each column exactly what it gets alone, for the
    /// weight types that have a decode GEMV on the path (and on paths without tiled GEMMs, where every type
    /// takes the vec_dot loop): batching sequences in the server does not change their tokens there.
    func testTwoColumnMatmulEqualsSingleColumnsBitForBit() {
        var rng = QuantTestRNG(seed: 0x9A7B_000A)
        for path in KernelPath.allCases where path.isAvailable {
            let exact: [GGMLType] = path.rawValue == KernelPath.avx2.rawValue ? [.q4_1]
                : path.rawValue == KernelPath.avx512.rawValue ? [.q4_1, .q5_0, .q8_0, .q4_K, .q6_K] : [.q4_1, .q5_0]
            // AVX-512 q4_1, q5_0, q8_0, q4_K and q6_K take up to four columns in one pass over the weights
            // (decode batches of four)
            let widest: [GGMLType: Int] = path.rawValue == KernelPath.avx512.rawValue
                ? [.q4_1: 4, .q5_0: 4, .q8_0: 4, .q4_K: 4, .q6_K: 4] : [:]
            for t in QuantRef.weightTypes where exact.contains(t) {
                let act = Kernels.activationType(for: t)!
                let k = 18 * max(t.blockSize, 32), rows = 6, wStride = QuantRef.rowBytes(t, k)
                var w = [UInt8](repeating: 0, count: wStride * rows)
                for r in 0..<rows {
                    w.replaceSubrange((r * wStride)..<((r + 1) * wStride), with: QuantGen.row(t, count: k, &rng))
                }
                let aStride = QuantRef.rowBytes(act, k)
                for cols in 2...(widest[t] ?? 2) {
                    let a = (0..<cols).flatMap { _ in QuantGen.row(act, count: k, &rng) }
                    var batch = [Float](repeating: -999, count: rows * cols)
                    w.withUnsafeBytes { wp in
                        a.withUnsafeBytes { ap in
                            ok_matmul_path(path.rawValue, Int32(t.rawValue), Int64(k), wp.baseAddress!, wStride, Int64(rows),
                                           ap.baseAddress!, aStride, Int64(cols), &batch, Int64(rows))
                            for c in 0..<cols {
                                var alone = [Float](repeating: 0, count: rows)
                                ok_matmul_path(path.rawValue, Int32(t.rawValue), Int64(k), wp.baseAddress!, wStride, Int64(rows),
                                               ap.baseAddress! + c * aStride, 0, 1, &alone, 0)
                                for r in 0..<rows {
                                    XCTAssertEqual(batch[c * rows + r].bitPattern, alone[r].bitPattern, "\(path) \(t) cols=\(cols) c=\(c) r=\(r)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The exact multi-column matmul (speculative verification) gives every column exactly its one-column
    /// result, for every weight type, any number of columns, and rows cut into the kernel's tiles.
    func testColumnExactMatmulEqualsSingleColumnsBitForBit() {
        var rng = QuantTestRNG(seed: 0x9A7B_000B)
        Kernels.initialize()
        for t in QuantRef.weightTypes {
            let act = Kernels.activationType(for: t)!
            let unit = max(t.blockSize, 32)
            for k in [3 * unit, 18 * unit] {
                let rows = 37, wStride = QuantRef.rowBytes(t, k)
                var w = [UInt8](repeating: 0, count: wStride * rows)
                for r in 0..<rows {
                    w.replaceSubrange((r * wStride)..<((r + 1) * wStride), with: QuantGen.row(t, count: k, &rng))
                }
                let aStride = QuantRef.rowBytes(act, k)
                for cols in [1, 3, 4, 5, 9] {
                    let a = (0..<cols).flatMap { _ in QuantGen.row(act, count: k, &rng) }
                    var batch = [Float](repeating: -999, count: rows * cols + 1)
                    w.withUnsafeBytes { wp in
                        a.withUnsafeBytes { ap in
                            ok_matmul_columns(Int32(t.rawValue), Int64(k), wp.baseAddress!, wStride, Int64(rows),
                                              ap.baseAddress!, aStride, Int64(cols), &batch, Int64(rows))
                            for c in 0..<cols {
                                var alone = [Float](repeating: 0, count: rows)
                                ok_matmul(Int32(t.rawValue), Int64(k), wp.baseAddress!, wStride, Int64(rows),
                                          ap.baseAddress! + c * aStride, 0, 1, &alone, 0)
                                for r in 0..<rows {
                                    XCTAssertEqual(batch[c * rows + r].bitPattern, alone[r].bitPattern,
                                                   "\(t) k=\(k) cols=\(cols) c=\(c) r=\(r)")
                                }
                            }
                        }
                    }
                    XCTAssertEqual(batch[rows * cols], -999, "\(t) cols=\(cols) wrote past the output")
                }
            }
        }
    }

    /// Grouped-query attention: the query heads sharing one KV head, attended in one call, each equal
    /// their own ok_attend bit for bit (F16 and F32 caches, groups wider than the kernel's four heads,
    /// head sizes with leftovers).
    func testGroupedAttendEqualsPerHeadAttend() {
        var rng = QuantTestRNG(seed: 0x9A7B_000C)
        for path in KernelPath.allCases where path.isAvailable {
            // (64, 24) and (32, 19): the 512-bit kernel's value leftovers (16 + 8, 16 + 3 lanes)
            for (headDim, vDim) in [(64, 64), (72, 20), (8, 3), (128, 128), (64, 24), (32, 19), (256, 256)] {
                for heads in [1, 3, 4, 7] {
                    for n in [1, 9, 130] {
                        for f16 in [true, false] {
                            let kStride = 3 * headDim + 2, vStride = 2 * vDim + 1
                            let q = (0..<(heads * headDim)).map { _ in Float.random(in: -1...1, using: &rng) }
                            let kf = (0..<(n * kStride)).map { _ in Float.random(in: -1...1, using: &rng) }
                            let vf = (0..<(n * vStride)).map { _ in Float.random(in: -2...2, using: &rng) }
                            let kh = kf.map { Float16($0).bitPattern }, vh = vf.map { Float16($0).bitPattern }
                            var scores = [Float](repeating: 0, count: heads * n)
                            var out = [Float](repeating: .nan, count: heads * vDim + 1)
                            out[heads * vDim] = 42
                            let type: Int32 = f16 ? 1 : 0
                            func call(_ body: (UnsafeRawPointer, UnsafeRawPointer) -> Void) {
                                if f16 {
                                    kh.withUnsafeBytes { k in vh.withUnsafeBytes { v in body(k.baseAddress!, v.baseAddress!) } }
                                } else {
                                    kf.withUnsafeBytes { k in vf.withUnsafeBytes { v in body(k.baseAddress!, v.baseAddress!) } }
                                }
                            }
                            call { k, v in
                                ok_attend_group_path(path.rawValue, type, Int64(heads), q, Int64(headDim), k, Int64(kStride), v,
                                                     Int64(vStride), Int64(n), Int64(headDim), Int64(vDim), &scores, &out, Int64(vDim))
                            }
                            let what = "\(path) f16=\(f16) heads=\(heads) headDim=\(headDim) vDim=\(vDim) n=\(n)"
                            for g in 0..<heads {
                                var s = [Float](repeating: 0, count: n)
                                var expected = [Float](repeating: 0, count: vDim)
                                call { k, v in
                                    q.withUnsafeBufferPointer { qp in
                                        ok_attend_path(path.rawValue, type, qp.baseAddress! + g * headDim, k, Int64(kStride), v,
                                                       Int64(vStride), Int64(n), Int64(headDim), Int64(vDim), &s, &expected)
                                    }
                                }
                                XCTAssertEqual(Array(out[(g * vDim)..<((g + 1) * vDim)]).map(\.bitPattern),
                                               expected.map(\.bitPattern), "\(what) head \(g)")
                                XCTAssertEqual(Array(scores[(g * n)..<((g + 1) * n)]).map(\.bitPattern), s.map(\.bitPattern),
                                               "\(what) head \(g) scores")
                            }
                            XCTAssertEqual(out[heads * vDim], 42, "\(what): wrote past the output")
                        }
                    }
                }
            }
        }
    }

    func testMatmulLayoutAndBounds() {
        var rng = QuantTestRNG(seed: 0x9A7B_0005)
        Kernels.initialize()
        for t in [GGMLType.q4_1, .q6_K, .f16] {
            let act = Kernels.activationType(for: t)!
            let k = 512, rows = 7, cols = 3, ldOut = 9
            let wStride = QuantRef.rowBytes(t, k) + 6 // padded rows exercise the stride
            let aStride = QuantRef.rowBytes(act, k)
            var w = [UInt8](repeating: 0, count: wStride * rows)
            var wRows: [[UInt8]] = []
            for r in 0..<rows {
                let row = QuantGen.row(t, count: k, &rng)
                wRows.append(row)
                w.replaceSubrange((r * wStride)..<(r * wStride + row.count), with: row)
            }
            let aRows = (0..<cols).map { _ in QuantGen.row(act, count: k, &rng) }
            let a = aRows.flatMap { $0 }
            var out = [Float](repeating: -999, count: ldOut * cols + 4)
            w.withUnsafeBytes { wp in
                a.withUnsafeBytes { ap in
                    ok_matmul(Int32(t.rawValue), Int64(k), wp.baseAddress!, wStride, Int64(rows),
                              ap.baseAddress!, aStride, Int64(cols), &out, Int64(ldOut))
                }
            }
            for c in 0..<cols {
                for r in 0..<ldOut {
                    let v = out[c * ldOut + r]
                    if r < rows {
                        let ref = QuantRef.dot(t, wRows[r], aRows[c], actType: act, count: k)
                        XCTAssertEqual(Double(v), ref.value, accuracy: 1e-5 * ref.magnitude, "\(t) r=\(r) c=\(c)")
                    } else {
                        XCTAssertEqual(v, -999, "\(t): wrote outside the output rows")
                    }
                }
            }
            XCTAssertEqual(Array(out[(ldOut * cols)...]), [-999, -999, -999, -999])
        }
    }
}
