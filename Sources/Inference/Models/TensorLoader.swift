import GGUF

/// Looks up tensors by name and checks their shapes against the hyperparameters.
package struct TensorLoader {
    package let file: GGUFFile

    package func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    /// A matrix of `rows` output features by `columns` input features.
    package func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> WeightMatrix {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        let m = try WeightMatrix(tensor: info, file: file)
        guard m.rows == rows, m.columns == columns else {
            throw .badShape(tensor: name, expected: "[\(columns), \(rows)]", got: info.dimensions)
        }
        return m
    }

    /// A vector of `count` floats.
    package func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        return try WeightVector(tensor: info, file: file, expectedCount: count).values
    }

    package func optionalVector(_ name: String, count: Int) throws(ModelError) -> [Float]? {
        has(name) ? try vector(name, count: count) : nil
    }

    /// Bytes of every tensor in the file (what mapping the weights costs).
    package var totalTensorBytes: Int { file.tensors.reduce(0) { $0 + $1.byteCount } }
}

/// Reusable activations of a decoder forward pass, sized for `maxBatch` tokens.
package final class DecoderWorkspace: @unchecked Sendable {
    package let x: FloatBuffer        // (batch, embd) residual stream
    package let xn: FloatBuffer       // (batch, embd) normalised input of a block
    package let q: FloatBuffer        // (batch, heads * headDim)
    package let k: FloatBuffer        // (batch, kvHeads * headDim)
    package let v: FloatBuffer        // (batch, kvHeads * vHeadDim)
    package let attn: FloatBuffer     // (batch, heads * vHeadDim)
    package let proj: FloatBuffer     // (batch, embd)
    package let gate: FloatBuffer     // (batch, ffn)
    package let up: FloatBuffer       // (batch, ffn)
    package let hidden: FloatBuffer   // (batch, embd) final normalised output

    package init(hp: Hyperparameters, maxBatch b: Int) {
        x = FloatBuffer(count: b * hp.embeddingLength)
        xn = FloatBuffer(count: b * hp.embeddingLength)
        q = FloatBuffer(count: b * hp.qDim)
        k = FloatBuffer(count: b * hp.kvDim)
        v = FloatBuffer(count: b * hp.vDim)
        attn = FloatBuffer(count: b * hp.headCount * hp.valueHeadDim)
        proj = FloatBuffer(count: b * hp.embeddingLength)
        gate = FloatBuffer(count: b * hp.feedForwardLength)
        up = FloatBuffer(count: b * hp.feedForwardLength)
        hidden = FloatBuffer(count: b * hp.embeddingLength)
    }

    package var byteCount: Int {
        [x, xn, q, k, v, attn, proj, gate, up, hidden].reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size
    }
}
