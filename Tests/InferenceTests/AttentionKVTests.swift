import CKernels
import Foundation
import Inference
import XCTest

/// Causal attention over the KV cache (f32 and f16 storage) against a double-precision reference,
/// including grouped-query heads and a sliding window.
final class AttentionKVTests: XCTestCase {
    private struct Shape {
        let heads, kvHeads, headDim, vHeadDim, n, start: Int
        let window: Int?
    }

    /// Reference attention in Double over the exact values the cache holds.
    private func reference(q: [Float], keys: [[Double]], values: [[Double]], s: Shape) -> [Double] {
        var out = [Double](repeating: 0, count: s.n * s.heads * s.vHeadDim)
        let group = s.heads / s.kvHeads
        for i in 0..<s.n {
            let pos = s.start + i
            let first = s.window.map { max(0, pos - $0 + 1) } ?? 0
            for h in 0..<s.heads {
                let kvh = h / group
                var scores: [Double] = []
                for t in first...pos {
                    var d = 0.0
                    for e in 0..<s.headDim { d += Double(q[(i * s.heads + h) * s.headDim + e]) * keys[t][kvh * s.headDim + e] }
                    scores.append(d)
                }
                let m = scores.max()!
                let ex = scores.map { Foundation.exp($0 - m) }
                let sum = ex.reduce(0, +)
                for (j, t) in (first...pos).enumerated() {
                    for e in 0..<s.vHeadDim {
                        out[(i * s.heads + h) * s.vHeadDim + e] += ex[j] / sum * values[t][kvh * s.vHeadDim + e]
                    }
                }
            }
        }
        return out
    }

    private func run(_ s: Shape, type: KVCacheType, threads: Int, seed: UInt64) throws {
        var rng = QuantTestRNG(seed: seed)
        let kvDim = s.kvHeads * s.headDim, vDim = s.kvHeads * s.vHeadDim
        let total = s.start + s.n
        let cache = try KVCache(capacity: total + 3, layerCount: 2, kvDim: kvDim, vDim: vDim, type: type)
        let k = (0..<total * kvDim).map { _ in Float.random(in: -2...2, using: &rng) }
        let v = (0..<total * vDim).map { _ in Float.random(in: -2...2, using: &rng) }
        let q = (0..<s.n * s.heads * s.headDim).map { _ in Float.random(in: -1...1, using: &rng) }
        // the earlier positions in one store, the new ones in another, on layer 1 (layer 0 stays zero)
        k.withUnsafeBufferPointer { kp in
            v.withUnsafeBufferPointer { vp in
                cache.store(layer: 1, position: 0, rows: s.start, keys: kp.baseAddress!, values: vp.baseAddress!)
                cache.store(layer: 1, position: s.start, rows: s.n, keys: kp.baseAddress! + s.start * kvDim,
                            values: vp.baseAddress! + s.start * vDim)
            }
        }
        // what the cache holds: exact floats, or the floats rounded to half
        func held(_ x: Float) -> Double { type == .f16 ? Double(Float(Float16(x))) : Double(x) }
        let keys = (0..<total).map { t in (0..<kvDim).map { held(k[t * kvDim + $0]) } }
        let values = (0..<total).map { t in (0..<vDim).map { held(v[t * vDim + $0]) } }
        let expected = reference(q: q, keys: keys, values: values, s: s)

        let compute = ComputeContext(threads: threads)
        var out = [Float](repeating: .nan, count: s.n * s.heads * s.vHeadDim)
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                compute.attention(q: qp.baseAddress!, cache: cache, layer: 1, out: op.baseAddress!, n: s.n, start: s.start,
                                  heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vHeadDim: s.vHeadDim, window: s.window)
            }
        }
        for (i, (got, want)) in zip(out, expected).enumerated() {
            XCTAssertEqual(Double(got), want, accuracy: 2e-5 * max(1, abs(want)), "\(type) \(s) element \(i)")
        }
    }

    func testAttentionMatchesReferenceForBothCacheTypes() throws {
        let shapes = [
            Shape(heads: 4, kvHeads: 4, headDim: 16, vHeadDim: 16, n: 1, start: 0, window: nil),
            Shape(heads: 9, kvHeads: 3, headDim: 64, vHeadDim: 64, n: 5, start: 11, window: nil),
            Shape(heads: 4, kvHeads: 1, headDim: 24, vHeadDim: 40, n: 7, start: 20, window: 6),
            Shape(heads: 2, kvHeads: 2, headDim: 33, vHeadDim: 17, n: 1, start: 30, window: 1),
        ]
        for (index, s) in shapes.enumerated() {
            for type in KVCacheType.allCases {
                for threads in [1, 2] {
                    try run(s, type: type, threads: threads, seed: 0xA77E_0000 + UInt64(index))
                }
            }
        }
    }

    func testHalfCacheStoresRoundedValuesAndHalvesMemory() throws {
        let f32 = try KVCache(capacity: 8, layerCount: 3, kvDim: 4, vDim: 6, type: .f32)
        let f16 = try KVCache(capacity: 8, layerCount: 3, kvDim: 4, vDim: 6, type: .f16)
        XCTAssertEqual(f32.byteCount, 8 * 3 * 10 * 4)
        XCTAssertEqual(f16.byteCount, f32.byteCount / 2)
        let keys: [Float] = [1, -2.5, 65504, 1e-8], values: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 70000]
        f16.store(layer: 2, position: 7, rows: 1, keys: keys, values: values)
        let k = f16.keyRow(layer: 2, position: 7).assumingMemoryBound(to: UInt16.self)
        XCTAssertEqual((0..<4).map { k[$0] }, keys.map { Float16($0).bitPattern })
        let v = f16.valueRow(layer: 2, position: 7).assumingMemoryBound(to: UInt16.self)
        XCTAssertEqual((0..<6).map { v[$0] }, values.map { Float16($0).bitPattern })
        XCTAssertTrue(Float(Float16(bitPattern: v[5])).isInfinite, "overflow saturates to infinity like ggml")
    }

    func testCacheRefusesImpossibleSizes() {
        XCTAssertThrowsError(try KVCache(capacity: 0, layerCount: 1, kvDim: 1, vDim: 1))
        XCTAssertThrowsError(try KVCache(capacity: Int.max / 2, layerCount: 4, kvDim: 64, vDim: 64))
    }
}
