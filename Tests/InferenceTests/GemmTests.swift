import CKernels
import GGUF
import Inference
import XCTest

/// The tiled matmul (`ok_matmul_path`) on every available path against one generic `ok_vec_dot` per output:
/// odd shapes (rows and columns that are not multiples of the register tile, one column, k of one block
/// and of several, k past the kernels' k-chunks, columns past their 64-column panels), strides and output bounds, and
/// exact agreement where every partial sum is an integer.
final class GemmTests: XCTestCase {
    /// Weight types with tiled kernels on x86, and two that go through the per-output fallback.
    private static let tiledTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q6_K]
    private static let fallbackTypes: [GGMLType] = [.q5_K, .f16]

    private var paths: [KernelPath] { KernelPath.allCases.filter(\.isAvailable) }

    /// A weight matrix (rows x k) and activation columns (cols x k) laid out with byte strides.
    private struct Problem {
        let type: GGMLType, act: GGMLType, k: Int, rows: Int, cols: Int
        let wStride: Int, aStride: Int
        var w: [UInt8], a: [UInt8]

        func wRow(_ r: Int) -> [UInt8] { Array(w[(r * wStride)..<(r * wStride + QuantRef.rowBytes(type, k))]) }
        func aRow(_ c: Int) -> [UInt8] { Array(a[(c * aStride)..<(c * aStride + QuantRef.rowBytes(act, k))]) }
    }

    private enum Source { case randomBlocks, quantizedFloats }

    private func quantizedRow(_ t: GGMLType, count n: Int, _ rng: inout QuantTestRNG) -> [UInt8] {
        // smooth-ish values of varied magnitude, as layer inputs and weights are
        let scale = Float.random(in: 0.1...3, using: &rng)
        let x = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) * scale }
        var out = [UInt8](repeating: 0, count: QuantRef.rowBytes(t, n))
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { ok_quantize_row(Int32(t.rawValue), src.baseAddress!, $0.baseAddress!, Int64(n)) }
        }
        return out
    }

    private func makeProblem(_ t: GGMLType, k: Int, rows: Int, cols: Int, source: Source = .randomBlocks,
                             wPad: Int = 0, aPad: Int = 0, _ rng: inout QuantTestRNG) -> Problem {
        let act = Kernels.activationType(for: t)!
        let wStride = QuantRef.rowBytes(t, k) + wPad, aStride = QuantRef.rowBytes(act, k) + aPad
        var w = [UInt8](repeating: 0xA5, count: wStride * rows), a = [UInt8](repeating: 0x5A, count: aStride * cols)
        for r in 0..<rows {
            let row = source == .randomBlocks ? QuantGen.row(t, count: k, &rng) : quantizedRow(t, count: k, &rng)
            w.replaceSubrange((r * wStride)..<(r * wStride + row.count), with: row)
        }
        for c in 0..<cols {
            let col = source == .randomBlocks ? QuantGen.row(act, count: k, &rng) : quantizedRow(act, count: k, &rng)
            a.replaceSubrange((c * aStride)..<(c * aStride + col.count), with: col)
        }
        return Problem(type: t, act: act, k: k, rows: rows, cols: cols, wStride: wStride, aStride: aStride, w: w, a: a)
    }

    /// `ok_matmul_path` on the first `rows` x `cols` of the problem into a sentinel-filled buffer:
    /// out[offset + c * ldOut + r].
    private func matmul(_ path: KernelPath, _ p: Problem, rows: Int, cols: Int, ldOut: Int, offset: Int = 0,
                        sentinel: Float = -12345) -> [Float] {
        var out = [Float](repeating: sentinel, count: offset + ldOut * cols + 8)
        p.w.withUnsafeBytes { wp in
            p.a.withUnsafeBytes { ap in
                out.withUnsafeMutableBufferPointer { o in
                    ok_matmul_path(path.rawValue, Int32(p.type.rawValue), Int64(p.k), wp.baseAddress!, p.wStride,
                                   Int64(rows), ap.baseAddress!, p.aStride, Int64(cols), o.baseAddress! + offset,
                                   Int64(ldOut))
                }
            }
        }
        return out
    }

    /// Generic vec_dot of every (row, column) and the magnitude sum |w_i a_i| that scales its rounding.
    private func reference(_ p: Problem) -> (value: [[Float]], magnitude: [[Double]]) {
        var value = [[Float]](repeating: [Float](repeating: 0, count: p.cols), count: p.rows)
        var magnitude = [[Double]](repeating: [Double](repeating: 0, count: p.cols), count: p.rows)
        let wRows = (0..<p.rows).map(p.wRow), aRows = (0..<p.cols).map(p.aRow)
        for r in 0..<p.rows {
            for c in 0..<p.cols {
                value[r][c] = wRows[r].withUnsafeBytes { wp in
                    aRows[c].withUnsafeBytes { ap in
                        ok_vec_dot_path(KernelPath.generic.rawValue, Int32(p.type.rawValue), Int64(p.k),
                                        wp.baseAddress!, ap.baseAddress!)
                    }
                }
                magnitude[r][c] = QuantRef.dot(p.type, wRows[r], aRows[c], actType: p.act, count: p.k).magnitude
            }
        }
        return (value, magnitude)
    }

    /// Element counts: one block, a few, a count that leaves a partial group of 8 blocks, and (for 32-element
    /// blocks) past the kernel's 32-block k-chunks; for super-blocks past its 4-super-block chunks.
    private func depths(_ t: GGMLType) -> [Int] {
        switch t.blockSize {
        case 256: return [256, 3 * 256, 9 * 256]
        case 32: return [32, 3 * 32, 11 * 32, 70 * 32]
        default: return [8, 96, 200]
        }
    }

    private func checkAgainstGeneric(_ types: [GGMLType], source: Source, seed: UInt64) {
        var rng = QuantTestRNG(seed: seed)
        let rowCounts = [1, 2, 3, 4, 5, 7, 9, 13], colCounts = [1, 2, 3, 5, 17, 37, 64, 67]
        let maxRows = rowCounts.max()!, maxCols = colCounts.max()!
        for t in types {
            for k in depths(t) {
                let p = makeProblem(t, k: k, rows: maxRows, cols: maxCols, source: source, &rng)
                let ref = reference(p)
                for path in paths {
                    for rows in rowCounts {
                        for cols in colCounts {
                            let out = matmul(path, p, rows: rows, cols: cols, ldOut: rows)
                            var worst = 0.0
                            for c in 0..<cols {
                                for r in 0..<rows {
                                    let err = abs(Double(out[c * rows + r]) - Double(ref.value[r][c]))
                                    let tol = 2e-6 * ref.magnitude[r][c] + 1e-12
                                    worst = max(worst, err / tol)
                                }
                            }
                            XCTAssertLessThanOrEqual(worst, 1, "\(path) \(t) k=\(k) rows=\(rows) cols=\(cols): error / tolerance")
                            XCTAssertEqual(Array(out[(rows * cols)...]), [Float](repeating: -12345, count: 8),
                                           "\(path) \(t) k=\(k) rows=\(rows) cols=\(cols): wrote past the output")
                        }
                    }
                }
            }
        }
    }

    func testTiledTypesMatchGenericDotOnOddShapes() {
        checkAgainstGeneric(Self.tiledTypes, source: .randomBlocks, seed: 0x6E33_0001)
    }

    func testTiledTypesMatchGenericDotOnQuantizedData() {
        checkAgainstGeneric(Self.tiledTypes, source: .quantizedFloats, seed: 0x6E33_0002)
    }

    func testFallbackTypesMatchGenericDot() {
        checkAgainstGeneric(Self.fallbackTypes, source: .randomBlocks, seed: 0x6E33_0003)
    }

    func testStridesOutputOffsetAndBounds() {
        // Padded weight and activation rows, ldOut > rows and an output that starts inside a larger buffer
        // (the runtime hands each thread out + firstRow): only out[offset + c * ldOut + r] may change.
        var rng = QuantTestRNG(seed: 0x6E33_0004)
        for t in Self.tiledTypes {
            let k = t.blockSize == 256 ? 512 : 160
            let rows = 6, cols = 7, ldOut = 11, offset = 3
            let p = makeProblem(t, k: k, rows: rows, cols: cols, wPad: 6, aPad: 10, &rng)
            let ref = reference(p)
            for path in paths {
                let out = matmul(path, p, rows: rows, cols: cols, ldOut: ldOut, offset: offset)
                for i in 0..<out.count {
                    let (c, r) = ((i - offset) / ldOut, (i - offset) % ldOut)
                    if i >= offset && c < cols && r < rows {
                        XCTAssertEqual(Double(out[i]), Double(ref.value[r][c]), accuracy: 2e-6 * ref.magnitude[r][c] + 1e-12,
                                       "\(path) \(t) r=\(r) c=\(c)")
                    } else {
                        XCTAssertEqual(out[i], -12345, "\(path) \(t): wrote element \(i) outside the output")
                    }
                }
            }
        }
    }

    func testMatmulUsesTheCurrentPath() {
        var rng = QuantTestRNG(seed: 0x6E33_0005)
        let p = makeProblem(.q4_1, k: 320, rows: 9, cols: 6, &rng)
        defer { Kernels.initialize() }
        for path in [KernelPath.generic, Kernels.initialize()] {
            _ = Kernels.initialize(forceGeneric: path == .generic)
            var out = [Float](repeating: 0, count: 9 * 6)
            p.w.withUnsafeBytes { wp in
                p.a.withUnsafeBytes { ap in
                    ok_matmul(Int32(p.type.rawValue), Int64(p.k), wp.baseAddress!, p.wStride, 9, ap.baseAddress!,
                              p.aStride, 6, &out, 9)
                }
            }
            XCTAssertEqual(out, Array(matmul(path, p, rows: 9, cols: 6, ldOut: 9).prefix(9 * 6)), "\(path)")
        }
    }

    /// Unit scales (and offsets) and activation quants in [-3, 3]: every partial sum is a small integer, so
    /// each path must give the exact dot; a block, lane or scale mix-up shows as a difference, not as noise.
    private func integerize(_ p: inout Problem) {
        let one = Float16(1).bitPattern
        for r in 0..<p.rows {
            for blk in 0..<(p.k / p.type.blockSize) {
                let o = r * p.wStride + blk * p.type.blockBytes
                switch p.type {
                case .q4_0, .q5_0, .q8_0: p.w.put16(o, one)
                case .q4_1, .q5_1: p.w.put16(o, one); p.w.put16(o + 2, one)
                case .q4_K: p.w.put16(o, one); p.w.put16(o + 2, one)
                case .q6_K: p.w.put16(o + 208, one)
                default: preconditionFailure("\(p.type)")
                }
            }
        }
        for c in 0..<p.cols {
            for blk in 0..<(p.k / p.act.blockSize) {
                let o = c * p.aStride + blk * p.act.blockBytes
                switch p.act {
                case .q8_K:
                    p.a.put32(o, Float(1).bitPattern)
                    for g in 0..<16 {
                        var sum = 0
                        for j in 0..<16 {
                            let q = p.a.i8(o + 4 + 16 * g + j) % 4
                            p.a[o + 4 + 16 * g + j] = UInt8(bitPattern: Int8(q))
                            sum += q
                        }
                        p.a.put16(o + 260 + 2 * g, UInt16(bitPattern: Int16(sum)))
                    }
                case .q8_1:
                    var sum = 0
                    for j in 0..<32 {
                        let q = p.a.i8(o + 4 + j) % 4
                        p.a[o + 4 + j] = UInt8(bitPattern: Int8(q))
                        sum += q
                    }
                    p.a.put16(o, one)
                    p.a.put16(o + 2, Float16(Float(sum)).bitPattern)
                default:
                    p.a.put16(o, one)
                    for j in 0..<32 { p.a[o + 2 + j] = UInt8(bitPattern: Int8(p.a.i8(o + 2 + j) % 4)) }
                }
            }
        }
    }

    func testExactOnIntegerData() {
        var rng = QuantTestRNG(seed: 0x6E33_0006)
        for t in Self.tiledTypes {
            let k = t.blockSize == 256 ? 768 : 352
            var p = makeProblem(t, k: k, rows: 7, cols: 6, &rng)
            integerize(&p)
            for path in paths {
                let out = matmul(path, p, rows: 7, cols: 6, ldOut: 7)
                for c in 0..<6 {
                    for r in 0..<7 {
                        let exact = QuantRef.dot(t, p.wRow(r), p.aRow(c), actType: p.act, count: k).value
                        XCTAssertEqual(Double(out[c * 7 + r]), exact, "\(path) \(t) r=\(r) c=\(c)")
                    }
                }
            }
        }
    }

    /// The activation quantizers the matmul input goes through: SIMD paths must write the reference's bytes,
    /// including roundf's halves away from zero (q8_0, q8_1), ties to even (q8_K), the sign of the first
    /// largest magnitude (q8_K), all-zero blocks and extreme scales.
    func testSIMDActivationQuantizersMatchReference() throws {
        let simd = paths.filter { $0 != .generic }
        if simd.isEmpty { throw XCTSkip("no SIMD path on this CPU") }
        var rng = QuantTestRNG(seed: 0x6E33_0008)
        let n = 1024
        var cases: [(String, [Float])] = []
        cases.append(("uniform", (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }))
        // |max| = 127 makes the step exactly 1, so k + 0.5 values are exact ties
        cases.append(("ties", (0..<n).map { i in i % 32 == 0 ? 127 : Float(Int.random(in: -126...125, using: &rng)) + 0.5 }))
        cases.append(("negative ties", (0..<n).map { i in i % 32 == 5 ? -127 : Float(Int.random(in: -126...125, using: &rng)) - 0.5 }))
        cases.append(("opposite extremes", (0..<n).map { i in i % 7 == 0 ? (i % 2 == 0 ? 5 : -5) : Float.random(in: -5...5, using: &rng) }))
        cases.append(("zeros and tiny", (0..<n).map { i in i < 300 ? 0 : Float.random(in: -1...1, using: &rng) * 1e-38 }))
        cases.append(("huge", (0..<n).map { _ in Float.random(in: -1...1, using: &rng) * 3e38 }))
        cases.append(("coarse", (0..<n).map { _ in Float(Int.random(in: -40...40, using: &rng)) / 8 }))
        for (name, x) in cases {
            for t in [GGMLType.q8_0, .q8_1, .q8_K] {
                func quantize(_ path: KernelPath) -> [UInt8] {
                    var out = [UInt8](repeating: 0xEE, count: QuantRef.rowBytes(t, n) + 16)
                    x.withUnsafeBufferPointer { src in
                        out.withUnsafeMutableBytes { ok_quantize_row_path(path.rawValue, Int32(t.rawValue), src.baseAddress!, $0.baseAddress!, Int64(n)) }
                    }
                    return out
                }
                let reference = quantize(.generic)
                XCTAssertEqual(Array(reference.suffix(16)), [UInt8](repeating: 0xEE, count: 16))
                for path in simd { XCTAssertEqual(quantize(path), reference, "\(path) \(t) \(name)") }
            }
        }
    }

    func testTiledPathsAreExercisedOnX86() throws {
        // Guards against the tests above passing vacuously: on x86 the AVX2 path (whose tiled kernels share
        // their body with AVX-512) must be available, and its tiled matmul must differ from the generic one
        // only in rounding, not be it.
        #if arch(x86_64)
        XCTAssertTrue(KernelPath.avx2.isAvailable)
        var rng = QuantTestRNG(seed: 0x6E33_0007)
        let p = makeProblem(.q4_1, k: 1024, rows: 8, cols: 8, &rng)
        let tiled = matmul(.avx2, p, rows: 8, cols: 8, ldOut: 8)
        let generic = matmul(.generic, p, rows: 8, cols: 8, ldOut: 8)
        XCTAssertNotEqual(tiled, generic, "identical to the last bit on 64 outputs: is the tiled kernel running?")
        #else
        throw XCTSkip("no tiled kernels on this architecture")
        #endif
    }
}
