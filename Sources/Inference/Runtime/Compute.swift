import CKernels
import Foundation
import GGUF

/// Threads and reusable scratch shared by the layers of a forward pass.
package final class ComputeContext: @unchecked Sendable {
    package let pool: ThreadPool
    private var activationScratch: ByteBuffer
    private var scoreScratch: FloatBuffer     // (threads, capacity) attention scores

    package init(threads: Int) {
        pool = ThreadPool(threads: threads)
        activationScratch = ByteBuffer(count: 1 << 16)
        scoreScratch = FloatBuffer(count: 1)
    }

    package var threadCount: Int { pool.activeThreads }

    /// When set, matmuls compute each activation row as a one-row call would (see `ok_matmul_columns`), so a
    /// pass over several tokens of one sequence rounds exactly like decoding them one at a time. Set by the
    /// model from its batch before each pass; it also holds for the logits of that pass.
    package var columnExact = false

    private func activationBuffer(bytes: Int) -> UnsafeMutableRawPointer {
        if activationScratch.count < bytes { activationScratch = ByteBuffer(count: bytes) }
        return activationScratch.pointer
    }

    private func scoreBuffer(perThread: Int) -> UnsafeMutablePointer<Float> {
        let needed = perThread * pool.activeThreads
        if scoreScratch.count < needed { scoreScratch = FloatBuffer(count: needed) }
        return scoreScratch.pointer
    }

    /// `output (n, w.rows) = input (n, w.columns) · wᵀ`.
    package func matmul(_ w: WeightMatrix, _ input: UnsafePointer<Float>, rows n: Int, into output: UnsafeMutablePointer<Float>) {
        matmul([(w, output)], input, rows: n)
    }

    /// Several products of one input in one parallel region: `output_j (n, w_j.rows) = input (n, k) · w_jᵀ`.
    ///
    /// The input rows are quantized once per activation format the weights need; then the threads split
    /// the weight rows of all products by bytes, so each packed block is read once per pass and reused
    /// across the batch, and projections that share an input (q/k/v, gate/up) cost one wake-up of the
    /// pool instead of one each. Every `w_j` must have `k` columns.
    package func matmul(_ products: [(WeightMatrix, UnsafeMutablePointer<Float>)], _ input: UnsafePointer<Float>, rows n: Int) {
        guard let first = products.first?.0, n > 0 else { return }
        let k = first.columns
        // One quantized copy of the input per distinct activation format.       (n, actRowBytes) each
        var formats: [(type: GGMLType, rowBytes: Int, offset: Int)] = []
        var actBytes = 0
        for (w, _) in products where !formats.contains(where: { $0.type == w.activationType }) {
            formats.append((w.activationType, w.activationRowBytes, actBytes))
            actBytes += w.activationRowBytes * n
        }
        let act = activationBuffer(bytes: actBytes)
        let quantize = { (range: Range<Int>) in
            for f in formats {
                for i in range {
                    ok_quantize_row(Int32(f.type.rawValue), input + i * k, act + f.offset + i * f.rowBytes, Int64(k))
                }
            }
        }
        // A few rows quantize faster on this thread than a wake-up of the pool takes (decode batches).
        if n * k < 1 << 15 { quantize(0..<n) } else { pool.parallelFor(n, quantize) }

        // Chunks of whole row groups, cut the same way whatever the thread count (so results do not depend
        // on it), small enough that a thread the OS delays leaves little for the others to wait on.
        var chunks: [(job: Int, rows: Range<Int>)] = []
        let jobs = products.enumerated().map { index, product in
            let (w, out) = product
            let f = formats.first { $0.type == w.activationType }!
            for r0 in stride(from: 0, to: w.rows, by: w.rowsPerChunk) {
                chunks.append((index, r0..<min(w.rows, r0 + w.rowsPerChunk)))
            }
            return (w: w, out: out, act: UnsafeRawPointer(act + f.offset), actRowBytes: f.rowBytes)
        }
        pool.forEachChunk(chunks.count) { chunk, _ in
            let (index, rows) = chunks[chunk]
            let job = jobs[index], w = job.w
            if columnExact {
                ok_matmul_columns(Int32(w.type.rawValue), Int64(k), w.data + rows.lowerBound * w.rowBytes, w.rowBytes,
                                  Int64(rows.count), job.act, job.actRowBytes, Int64(n), job.out + rows.lowerBound, Int64(w.rows))
            } else {
                ok_matmul(Int32(w.type.rawValue), Int64(k), w.data + rows.lowerBound * w.rowBytes, w.rowBytes, Int64(rows.count),
                          job.act, job.actRowBytes, Int64(n), job.out + rows.lowerBound, Int64(w.rows))
            }
        }
    }

    /// `gate = silu(gate) * up` over `rows` rows of `width` values, rows split across the threads
    /// (elementwise, so the result is the serial one).
    package func swiglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, rows: Int, width: Int) {
        if rows > 1 && rows * width < 1 << 14 {   // a decode batch: cheaper here than a pool wake-up
            Ops.swiglu(gate: gate, up: up, count: rows * width)
            return
        }
        pool.parallelFor(rows) { r in
            Ops.swiglu(gate: gate + r.lowerBound * width, up: up + r.lowerBound * width, count: r.count * width)
        }
    }

    /// `gate = gelu(gate) * up` over `rows` rows of `width` values, rows split across the threads.
    package func geglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, rows: Int, width: Int) {
        pool.parallelFor(rows) { r in
            Ops.geglu(gate: gate + r.lowerBound * width, up: up + r.lowerBound * width, count: r.count * width)
        }
    }

    /// Causal attention of `n` queries at positions `start...` against one cache (a one-segment batch).
    package func attention(q: UnsafePointer<Float>, cache: KVCache, layer: Int, out: UnsafeMutablePointer<Float>,
                           n: Int, start: Int, heads: Int, kvHeads: Int, headDim: Int, vHeadDim: Int, window: Int?) {
        attention(q: q, segments: [BatchLayout.Segment(cache: cache, row: 0, count: n, start: start)], layer: layer,
                  out: out, heads: heads, kvHeads: kvHeads, headDim: headDim, vHeadDim: vHeadDim, window: window)
    }

    /// Causal multi-head attention of every segment's new queries against the cached keys and values of
    /// its own sequence at one layer; all (row, head) pairs of all segments share one parallel region.
    ///
    /// - q: `(rows, heads, headDim)`, already rotated and scaled; row `s.row + i` sits at position `s.start + i`
    ///   of segment `s`'s cache.
    /// - each segment's cache: keys and values of `layer`, filled up to `s.start + s.count`.
    /// - out: `(rows, heads, vHeadDim)`.
    /// - window: sliding-window size (a query at p sees keys at t with p - t < window), or nil for full attention.
    package func attention(q: UnsafePointer<Float>, segments: [BatchLayout.Segment], layer: Int, out: UnsafeMutablePointer<Float>,
                           heads: Int, kvHeads: Int, headDim: Int, vHeadDim: Int, window: Int?) {
        guard let widest = segments.map({ $0.cache.capacity }).max() else { return }
        let group = heads / kvHeads
        let scores = scoreBuffer(perThread: widest * group)
        // One task per (row, KV head): the `group` query heads that share a KV head read its keys and values
        // once (ok_attend_group), each head's arithmetic exactly ok_attend's.
        var firstTask: [Int] = []                        // (segments + 1) prefix sums of rows × KV heads
        var total = 0
        for s in segments { firstTask.append(total); total += s.count * kvHeads }
        firstTask.append(total)
        // Decode of one sequence over a short context is a few microseconds of work: cheaper on this
        // thread than a wake-up of the pool. Past that (about 20 ns a (position, head) pair on SmolLM2,
        // a region costs one or two microseconds), the other threads would only spin while this one works.
        var positions = 0
        for s in segments { positions += s.count * (s.start + s.count) }
        let parts = positions * heads < 1 << 9 ? 1 : min(total, 64)
        pool.forEachChunk(parts) { chunk, worker in
            let score = scores + worker * widest * group  // (group, capacity) per worker
            var si = 0
            for task in ThreadPool.split(total, parts: parts, index: chunk) {
                while task >= firstTask[si + 1] { si += 1 }
                let s = segments[si], cache = s.cache
                let local = task - firstTask[si]
                let i = local / kvHeads, kvh = local % kvHeads
                let pos = s.start + i
                let first = window.map { max(0, pos - $0 + 1) } ?? 0
                let row = s.row + i
                let kvType: Int32 = cache.type == .f16 ? 1 : 0   // ggml type numbers f16 / f32
                let elementBytes = cache.type.bytesPerElement
                let h0 = kvh * group
                // per head: scores = q · k_t for every visible t, softmax, out = Σ softmax_t · v_t
                ok_attend_group(kvType, Int64(group), q + (row * heads + h0) * headDim, Int64(headDim),
                                cache.keyRow(layer: layer, position: first) + kvh * headDim * elementBytes,
                                Int64(cache.kvDim), cache.valueRow(layer: layer, position: first) + kvh * vHeadDim * elementBytes,
                                Int64(cache.vDim), Int64(pos - first + 1), Int64(headDim), Int64(vHeadDim), score,
                                out + (row * heads + h0) * vHeadDim, Int64(vHeadDim))
            }
        }
    }
}

/// Elementwise and normalisation kernels on activations. Each names the math it does.
package enum Ops {
    /// `out[r] = x[r] / sqrt(mean(x[r]²) + eps) * weight` for each of `rows` rows of `dim` values.
    package static func rmsNorm(_ x: UnsafePointer<Float>, weight: [Float], rows: Int, dim: Int, eps: Float,
                                into out: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let row = x + r * dim
                // Squares in float, summed in double, as ggml does: the result feeds an 8-bit
                // quantization, where the last bit of agreement with the reference engine matters.
                var sum: Double = 0
                for j in 0..<dim { sum += Double(row[j] * row[j]) }
                let scale = 1 / (Float(sum / Double(dim)) + eps).squareRoot()
                let o = out + r * dim
                for j in 0..<dim { o[j] = row[j] * scale * w[j] }
            }
        }
    }

    /// Rotary position embedding in place on `(n, heads, headDim)`; row i sits at `positions[i]`.
    /// `neox` rotates pairs (j, j + d/2); otherwise adjacent pairs (2j, 2j + 1), as llama.cpp's NORM mode.
    /// `freqFactors` (ropeDims / 2 values, Llama 3.1's `rope_freqs`) divide each pair's angle.
    package static func rope(_ x: UnsafeMutablePointer<Float>, n: Int, heads: Int, headDim: Int, ropeDims: Int,
                             start: Int, base: Float, scale: Float, neox: Bool, freqFactors: [Float]? = nil) {
        let half = ropeDims / 2
        let thetaScale = powf(base, -2 / Float(ropeDims))
        var cosTable = [Float](repeating: 0, count: half)
        var sinTable = [Float](repeating: 0, count: half)
        for i in 0..<n {
            var theta = Float(start + i) * scale
            for j in 0..<half {
                let angle = freqFactors.map { theta / $0[j] } ?? theta
                cosTable[j] = cosf(angle)
                sinTable[j] = sinf(angle)
                theta *= thetaScale
            }
            for h in 0..<heads {
                let v = x + (i * heads + h) * headDim
                for j in 0..<half {
                    let (a, b) = neox ? (j, j + half) : (2 * j, 2 * j + 1)
                    let x0 = v[a], x1 = v[b]
                    v[a] = x0 * cosTable[j] - x1 * sinTable[j]
                    v[b] = x0 * sinTable[j] + x1 * cosTable[j]
                }
            }
        }
    }

    /// `gate = silu(gate) * up`, elementwise over `count` values (the SIMD paths take e^x as ggml's
    /// vectorised expf does).
    package static func swiglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        ok_swiglu_f32(Int64(count), gate, up)
    }

    /// `gate = gelu(gate) * up` with the tanh approximation, through ggml's half-precision GELU table
    /// (GGML_GELU_FP16): the arithmetic of the reference engine, and no tanhf per element.
    package static func geglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        ok_geglu_f32(Int64(count), gate, up)
    }

    /// `x += y` over `count` values.
    package static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        ok_axpy_f32(Int64(count), 1, y, x)
    }

    /// `x[r] += bias` for each of `rows` rows.
    package static func addBias(_ x: UnsafeMutablePointer<Float>, bias: [Float], rows: Int) {
        let dim = bias.count
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { ok_axpy_f32(Int64(dim), 1, b.baseAddress!, x + r * dim) }
        }
    }

    /// `x *= s` over `count` values.
    package static func scale(_ x: UnsafeMutablePointer<Float>, by s: Float, count: Int) {
        ok_scale_f32(Int64(count), s, x)
    }
}
