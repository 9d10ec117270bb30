import Foundation
import GGUF
import Inference
import TestSupport
import XCTest

/// Whole forward passes of `llama`, `qwen2` and `gemma3` on small synthetic GGUF models against a
/// double-precision reference written here from the architectures' definitions (llama.cpp's GGUF
/// conventions, Hugging Face transformers' modelling code), not from the runtime's code.
///
/// Every position's logits are checked for one batch, token by token and in chunks, with 1 and 2
/// threads, over F32 and F16 KV caches; F16 and Q8_0 weights are checked at looser tolerances.
final class ForwardReferenceTests: XCTestCase {
    // MARK: Reference

    /// Double-precision decoder over the values the synthetic file stores.
    private struct Reference {
        let spec: SyntheticModel.DecoderSpec
        let weights: [String: [Double]]
        /// Round keys and values to half precision, as an F16 KV cache holds them.
        var halfKV = false

        init(_ model: SyntheticModel.SyntheticDecoder, halfKV: Bool = false) {
            spec = model.spec
            weights = model.tensors.mapValues { $0.map(Double.init) }
            self.halfKV = halfKV
        }

        private func w(_ name: String) -> [Double] {
            guard let v = weights[name] else { preconditionFailure("reference needs tensor \(name)") }
            return v
        }

        /// `(rows) = W (rows, columns) · x (columns)`.
        private func matvec(_ name: String, _ x: [Double]) -> [Double] {
            let m = w(name), k = x.count
            precondition(m.count % k == 0, "\(name): \(m.count) values do not make rows of \(k)")
            return (0..<m.count / k).map { r in
                var s = 0.0
                for j in 0..<k { s += m[r * k + j] * x[j] }
                return s
            }
        }

        /// x / √(mean(x²) + ε) · weight.
        private func rmsNorm(_ x: [Double], _ weight: [Double]) -> [Double] {
            let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
            let r = 1 / (ms + Double(spec.rmsEpsilon)).squareRoot()
            return zip(x, weight).map { $0 * r * $1 }
        }

        /// Rotary embedding of one head at `position`: the pair (a, b) of frequency index i turns by
        /// position · scale · base^(-2i / ropeDims). llama (llama.cpp "normal" mode) pairs adjacent
        /// elements (2i, 2i+1); qwen2 and gemma3 ("NeoX" mode, HF rotate_half) pair (i, i + ropeDims/2).
        /// Elements past ropeDims are left alone.
        private func rope(_ head: [Double], position: Int, base: Double, scale: Double) -> [Double] {
            let dims = spec.ropeDimensions ?? spec.headDim
            let neox = spec.architecture != "llama"
            var out = head
            for i in 0..<dims / 2 {
                let theta = Double(position) * scale * pow(base, -2 * Double(i) / Double(dims))
                let (a, b) = neox ? (i, i + dims / 2) : (2 * i, 2 * i + 1)
                out[a] = head[a] * cos(theta) - head[b] * sin(theta)
                out[b] = head[a] * sin(theta) + head[b] * cos(theta)
            }
            return out
        }

        private func silu(_ x: Double) -> Double { x / (1 + exp(-x)) }

        /// GELU, tanh approximation (HF `gelu_pytorch_tanh`, Gemma's hidden activation), at the precision
        /// llama.cpp evaluates it (ggml-cpu's GGML_GELU_FP16, which the runtime follows on purpose): the
        /// input rounded to half, the result rounded to half, 0 at x <= -10 and x at x >= 10. Exact tanh-GELU
        /// differs from that by up to 2^-11 relative per activation, which moves these logits by ~1e-4.
        private func geluTanh(_ x: Double) -> Double {
            if x <= -10 { return 0 }
            if x >= 10 { return x }
            let h = Double(Float16(Float(x)))
            return Double(Float16(Float(0.5 * h * (1 + tanh((2 / Double.pi).squareRoot() * (h + 0.044715 * h * h * h))))))
        }

        private func half(_ x: Double) -> Double { halfKV ? Double(Float16(Float(x))) : x }

        /// Logits of every position of `tokens` (run from position 0): `(n, vocab)`.
        func logits(_ tokens: [Int]) -> [[Double]] {
            let s = spec, n = tokens.count, d = s.embeddingLength, hd = s.headDim
            let gemma = s.isGemma3
            let group = s.headCount / s.headCountKV
            let emb = w("token_embd.weight")
            // x: (n, embd) residual stream; Gemma scales the embeddings by √embd.
            var x: [[Double]] = tokens.map { t in
                let row = Array(emb[t * d..<(t + 1) * d])
                return gemma ? row.map { $0 * Double(d).squareRoot() } : row
            }
            for l in 0..<s.blockCount {
                let p = "blk.\(l)."
                // Gemma 3: five sliding-window layers (rope base 10 000) then one global layer (the
                // file's base, linearly scaled); HF: sliding unless (l + 1) % 6 == 0.
                let local = gemma && s.slidingWindow != nil && (l + 1) % 6 != 0
                let base = local ? 10_000 : Double(s.ropeFreqBase)
                let scale = local ? 1 : 1 / Double(s.ropeLinearFactor ?? 1)
                // Queries scaled by query_pre_attn_scalar^-1/2; for the synthetic Gemma (and every released
                // Gemma 3 except 27B) query_pre_attn_scalar is the head size.
                let queryScale = 1 / Double(hd).squareRoot()

                // Attention: q (n, heads, hd), k (n, kvHeads, hd), v (n, kvHeads, hd).
                var q: [[[Double]]] = [], k: [[[Double]]] = [], v: [[[Double]]] = []
                for i in 0..<n {
                    let xn = rmsNorm(x[i], w(p + "attn_norm.weight"))
                    var qi = matvec(p + "attn_q.weight", xn)
                    var ki = matvec(p + "attn_k.weight", xn)
                    var vi = matvec(p + "attn_v.weight", xn)
                    if s.hasQKVBias {
                        qi = zip(qi, w(p + "attn_q.bias")).map(+)
                        ki = zip(ki, w(p + "attn_k.bias")).map(+)
                        vi = zip(vi, w(p + "attn_v.bias")).map(+)
                    }
                    var qh = (0..<s.headCount).map { Array(qi[$0 * hd..<($0 + 1) * hd]) }
                    var kh = (0..<s.headCountKV).map { Array(ki[$0 * hd..<($0 + 1) * hd]) }
                    let vh = (0..<s.headCountKV).map { Array(vi[$0 * hd..<($0 + 1) * hd]) }
                    if gemma {
                        qh = qh.map { rmsNorm($0, w(p + "attn_q_norm.weight")) }
                        kh = kh.map { rmsNorm($0, w(p + "attn_k_norm.weight")) }
                    }
                    q.append(qh.map { rope($0, position: i, base: base, scale: scale) })
                    k.append(kh.map { rope($0, position: i, base: base, scale: scale).map(half) })
                    v.append(vh.map { $0.map(half) })
                }
                for i in 0..<n {
                    var attn: [Double] = []          // (heads * hd)
                    for h in 0..<s.headCount {
                        let kvh = h / group
                        // causal; a sliding window of W keeps the W most recent positions, the query's own included
                        let visible = (local ? max(0, i - s.slidingWindow! + 1) : 0)...i
                        let scores = visible.map { t in zip(q[i][h], k[t][kvh]).reduce(0) { $0 + $1.0 * $1.1 } * queryScale }
                        let m = scores.max()!
                        let e = scores.map { exp($0 - m) }
                        let z = e.reduce(0, +)
                        var o = [Double](repeating: 0, count: hd)
                        for (j, t) in visible.enumerated() {
                            for c in 0..<hd { o[c] += e[j] / z * v[t][kvh][c] }
                        }
                        attn += o
                    }
                    var out = matvec(p + "attn_output.weight", attn)
                    if gemma { out = rmsNorm(out, w(p + "post_attention_norm.weight")) }
                    x[i] = zip(x[i], out).map(+)
                }
                // Feed-forward: down(act(gate(xn)) ⊙ up(xn)); SiLU for llama/qwen2, tanh-GELU for Gemma.
                for i in 0..<n {
                    let xn = rmsNorm(x[i], w(p + "ffn_norm.weight"))
                    let g = matvec(p + "ffn_gate.weight", xn), u = matvec(p + "ffn_up.weight", xn)
                    let a = zip(g, u).map { (gemma ? geluTanh($0) : silu($0)) * $1 }
                    var out = matvec(p + "ffn_down.weight", a)
                    if gemma { out = rmsNorm(out, w(p + "post_ffw_norm.weight")) }
                    x[i] = zip(x[i], out).map(+)
                }
            }
            let outName = weights["output.weight"] != nil ? "output.weight" : "token_embd.weight"
            return x.map { matvec(outName, rmsNorm($0, w("output_norm.weight"))) }
        }
    }

    // MARK: Runtime

    /// Logits of every position, `(n, vocab)`, running `tokens` from an empty cache in forward passes of
    /// at most `chunk` tokens.
    private func runtimeLogits(_ model: SyntheticModel.SyntheticDecoder, tokens: [Int], chunk: Int, threads: Int,
                               kv: KVCacheType) throws -> [[Float]] {
        let file = try GGUFFile(bytes: model.bytes)
        let lm = try ModelRegistry.load(file, options: ModelOptions(threads: threads, maxBatch: chunk, kvCacheType: kv))
        let vocab = lm.hyperparameters.vocabularySize
        XCTAssertEqual(vocab, model.spec.vocabularySize)
        let cache = try lm.makeCache(capacity: tokens.count)
        var rows: [[Float]] = []
        for start in stride(from: 0, to: tokens.count, by: chunk) {
            let ids = tokens[start..<min(tokens.count, start + chunk)].map { TokenID($0) }
            let hidden = try lm.forward(ids, cache: cache)
            XCTAssertEqual(hidden.rows, ids.count)
            let flat = lm.logits(hidden, rows: 0..<hidden.rows)  // (rows, vocab)
            XCTAssertEqual(flat.count, ids.count * vocab)
            for r in 0..<hidden.rows { rows.append(Array(flat[r * vocab..<(r + 1) * vocab])) }
        }
        XCTAssertEqual(cache.count, tokens.count)
        return rows
    }

    /// Largest |got − want| of each position relative to that position's largest reference logit (at least 1).
    private func assertClose(_ got: [[Float]], _ want: [[Double]], tolerance: Double, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): positions", file: file, line: line)
        for (p, (g, r)) in zip(got, want).enumerated() {
            XCTAssertEqual(g.count, r.count, "\(what): vocabulary at position \(p)", file: file, line: line)
            let scale = max(1, r.map(abs).max() ?? 0)
            var worst = 0.0, at = 0
            for j in r.indices {
                let e = abs(Double(g[j]) - r[j])
                if !(e <= worst) { worst = e; at = j }   // NaN counts as worst
            }
            XCTAssertLessThanOrEqual(worst / scale, tolerance,
                "\(what): position \(p) token \(at) logit \(g[at]) vs reference \(r[at]) (|Δ| \(worst), scale \(scale))",
                file: file, line: line)
        }
    }

    /// Twelve tokens from the vocabulary, starting with BOS.
    private func tokens(_ vocab: Int, seed: UInt64) -> [Int] {
        var rng = SyntheticRandom(seed: seed)
        return [1] + (0..<11).map { _ in 3 + Int(rng.next() % UInt64(vocab - 3)) }
    }

    /// The reference must be worth matching: logits that differ between positions and spread across the vocabulary.
    private func assertNonTrivial(_ ref: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        for row in ref {
            let mean = row.reduce(0, +) / Double(row.count)
            let sd = (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(row.count)).squareRoot()
            XCTAssertGreaterThan(sd, 0.3, "reference logits too flat to test anything", file: file, line: line)
        }
        for p in 1..<ref.count {
            let diff = zip(ref[p], ref[p - 1]).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(diff, 0.1, "reference logits of positions \(p - 1) and \(p) nearly equal", file: file, line: line)
        }
    }

    // Tolerances, relative to each position's largest logit. F32 weights take F32 activations, so with an
    // F32 cache the runtime differs from the reference by float rounding only (seen: ≤ 4e-7). An F16 cache
    // is compared with a reference whose keys and values are rounded to half as well, which leaves float
    // rounding and the odd key or value that rounds to the other neighbouring half (seen: ≤ 5e-6), and with
    // the exact reference at a tolerance for half rounding of K/V (2^-11 relative; seen: ≤ 6e-4). F16
    // weights take F16 activations and Q8_0 weights Q8_0 activations, which round every matmul input
    // (seen: ≤ 9e-4 and ≤ 2e-2). A structural mistake (rope pairing, window, a missing norm) moves logits
    // by far more than any of these.
    private static let f32Tolerance = 1e-5
    private static let f16CacheTolerance = 5e-5
    private static let f16CacheVsExactTolerance = 3e-3
    private static let f16WeightTolerance = 5e-3
    private static let q8_0Tolerance = 5e-2

    /// One batch, token by token and chunks of five, with 1 and 2 threads, over F32 and F16 caches.
    private func checkAllModes(_ model: SyntheticModel.SyntheticDecoder, seed: UInt64) throws {
        let ids = tokens(model.spec.vocabularySize, seed: seed)
        let arch = model.spec.architecture
        let exact = Reference(model).logits(ids)              // (n, vocab)
        let halfKV = Reference(model, halfKV: true).logits(ids) // (n, vocab)
        assertNonTrivial(exact)
        var oneBatch: [KVCacheType: [[Float]]] = [:]
        for kv in [KVCacheType.f32, .f16] {
            for (mode, chunk) in [("one batch", ids.count), ("token by token", 1), ("chunks of 5", 5)] {
                var byThreads: [[[Float]]] = []
                for threads in [1, 2] {
                    let got = try runtimeLogits(model, tokens: ids, chunk: chunk, threads: threads, kv: kv)
                    let what = "\(arch) \(kv) cache, \(mode), \(threads) thread(s)"
                    switch kv {
                    case .f32:
                        assertClose(got, exact, tolerance: Self.f32Tolerance, what)
                    case .f16:
                        assertClose(got, halfKV, tolerance: Self.f16CacheTolerance, what + " vs half-rounded K/V reference")
                        assertClose(got, exact, tolerance: Self.f16CacheVsExactTolerance, what + " vs exact reference")
                    }
                    byThreads.append(got)
                }
                XCTAssertEqual(byThreads[0], byThreads[1], "\(arch) \(kv) cache, \(mode): 1 and 2 threads must give identical logits")
                if chunk == ids.count { oneBatch[kv] = byThreads[0] }
            }
        }
        XCTAssertNotEqual(oneBatch[.f32], oneBatch[.f16], "\(arch): an F16 cache should round keys and values, yet matched the F32 cache exactly")
    }

    /// One batch with 2 threads and an F32 cache against the reference over the stored (rounded) weights.
    private func checkOneBatch(_ model: SyntheticModel.SyntheticDecoder, tolerance: Double, seed: UInt64) throws {
        let ids = tokens(model.spec.vocabularySize, seed: seed)
        let ref = Reference(model).logits(ids)
        assertNonTrivial(ref)
        let got = try runtimeLogits(model, tokens: ids, chunk: ids.count, threads: 2, kv: .f32)
        assertClose(got, ref, tolerance: tolerance, "\(model.spec.architecture) \(model.spec.weightType) weights, one batch")
    }

    // MARK: Specs

    /// llama: adjacent-pair rope, separate output matrix.
    private func llamaSpec(_ type: GGMLType = .f32) -> SyntheticModel.DecoderSpec {
        var s = SyntheticModel.DecoderSpec(architecture: "llama")
        s.blockCount = 2
        s.rmsEpsilon = 1e-5
        s.weightType = type
        return s
    }

    /// qwen2: q/k/v biases, NeoX rope with a large base, output tied to the embedding.
    private func qwen2Spec(_ type: GGMLType = .f32) -> SyntheticModel.DecoderSpec {
        var s = SyntheticModel.DecoderSpec(architecture: "qwen2")
        s.blockCount = 2
        s.ropeFreqBase = 1_000_000
        s.separateOutput = false
        s.weightType = type
        return s
    }

    /// gemma3: seven layers so local layers come before and after the global layer 5, a window of 4 over
    /// twelve tokens, a head size (32) that is not embd / heads (16), global rope base 10^6 with linear
    /// scaling 8, output tied to the embedding.
    private func gemma3Spec(_ type: GGMLType = .f32) -> SyntheticModel.DecoderSpec {
        var s = SyntheticModel.DecoderSpec(architecture: "gemma3")
        s.blockCount = 7
        s.headDim = 32
        s.ropeFreqBase = 1_000_000
        s.ropeLinearFactor = 8
        s.slidingWindow = 4
        s.separateOutput = false
        s.weightType = type
        return s
    }

    // MARK: Tests

    func testLlamaMatchesReference() throws {
        try checkAllModes(try SyntheticModel.decoder(llamaSpec(), seed: 11), seed: 1)
    }

    func testQwen2MatchesReference() throws {
        try checkAllModes(try SyntheticModel.decoder(qwen2Spec(), seed: 12), seed: 2)
    }

    func testGemma3MatchesReference() throws {
        try checkAllModes(try SyntheticModel.decoder(gemma3Spec(), seed: 13), seed: 3)
    }

    /// Rope over part of each head (the rest passes through) in both pairings, and linear position scaling on llama.
    func testPartialRopeMatchesReference() throws {
        var llama = llamaSpec()
        llama.ropeDimensions = 8
        llama.ropeLinearFactor = 2
        try checkOneBatch(try SyntheticModel.decoder(llama, seed: 21), tolerance: Self.f32Tolerance, seed: 4)
        var qwen = qwen2Spec()
        qwen.ropeDimensions = 8
        try checkOneBatch(try SyntheticModel.decoder(qwen, seed: 22), tolerance: Self.f32Tolerance, seed: 5)
    }

    func testF16WeightsMatchReference() throws {
        for (spec, seed) in [(llamaSpec(.f16), 31), (qwen2Spec(.f16), 32), (gemma3Spec(.f16), 33)] as [(SyntheticModel.DecoderSpec, UInt64)] {
            try checkOneBatch(try SyntheticModel.decoder(spec, seed: seed), tolerance: Self.f16WeightTolerance, seed: seed)
        }
    }

    func testQ8_0WeightsMatchReference() throws {
        for (spec, seed) in [(llamaSpec(.q8_0), 41), (qwen2Spec(.q8_0), 42), (gemma3Spec(.q8_0), 43)] as [(SyntheticModel.DecoderSpec, UInt64)] {
            try checkOneBatch(try SyntheticModel.decoder(spec, seed: seed), tolerance: Self.q8_0Tolerance, seed: seed)
        }
    }

    /// `rope_freqs` divides every pair's angle: factors of 2 everywhere must equal linear scaling by 2,
    /// and factors of 1 must change nothing.
    func testRopeFrequencyFactors() throws {
        let ids = tokens(llamaSpec().vocabularySize, seed: 31)
        let pairs = llamaSpec().headDim / 2
        var plain = llamaSpec(), ones = llamaSpec(), twos = llamaSpec(), linear = llamaSpec()
        plain.ropeFreqFactors = nil
        ones.ropeFreqFactors = Array(repeating: 1, count: pairs)
        twos.ropeFreqFactors = Array(repeating: 2, count: pairs)
        linear.ropeLinearFactor = 2
        func run(_ spec: SyntheticModel.DecoderSpec) throws -> [[Float]] {
            try runtimeLogits(try SyntheticModel.decoder(spec, seed: 41), tokens: ids, chunk: ids.count, threads: 2, kv: .f32)
        }
        let base = try run(plain)
        XCTAssertEqual(try run(ones), base, "unit factors changed the logits")
        let halved = try run(twos)
        XCTAssertNotEqual(halved, base, "factors of 2 had no effect")
        let scaled = try run(linear)
        for (p, (a, b)) in zip(halved, scaled).enumerated() {
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y)), "position \(p)") }
        }
        // factors of the wrong count are a shape error, not a crash
        var wrong = llamaSpec()
        wrong.ropeFreqFactors = Array(repeating: 1, count: pairs + 1)
        XCTAssertThrowsError(try ModelRegistry.load(try GGUFFile(bytes: try SyntheticModel.decoder(wrong, seed: 41).bytes), options: ModelOptions()))
    }

    /// Rope scalings Outpost does not implement (YaRN …) are refused at load, not run as plain rope.
    func testUnsupportedRopeScalingIsRefused() throws {
        var yarn = llamaSpec()
        yarn.ropeLinearFactor = 4
        yarn.ropeScalingType = "yarn"
        let file = try GGUFFile(bytes: try SyntheticModel.decoder(yarn, seed: 42).bytes)
        XCTAssertThrowsError(try ModelRegistry.load(file, options: ModelOptions())) { error in
            XCTAssertTrue("\(error)".contains("yarn"), "\(error)")
        }
        var none = llamaSpec()
        none.ropeLinearFactor = 4
        none.ropeScalingType = "none"
        XCTAssertNoThrow(try ModelRegistry.load(try GGUFFile(bytes: try SyntheticModel.decoder(none, seed: 42).bytes), options: ModelOptions()))
    }
}
