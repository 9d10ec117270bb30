import CKernels
import GGUF

/// A weight matrix mapped from the model file: `rows` output features, each a packed row of `columns`
/// input features in `type`. Nothing is copied; `data` points into the mmap'd GGUF.
package struct WeightMatrix: @unchecked Sendable {
    package let name: String
    package let type: GGMLType
    package let rows: Int          // output features (ne1)
    package let columns: Int       // input features (ne0)
    package let rowBytes: Int
    package let data: UnsafeRawPointer   // (rows, rowBytes)
    /// Activation format the dot product expects for this weight type.
    package let activationType: GGMLType
    /// Rows per parallel chunk of a matmul, fixed at load so the cut never depends on the thread count:
    /// at least `chunkMinBytes` of weights, at most `chunksPerMatrix` chunks, a multiple of every kernel
    /// row tile.
    package let rowsPerChunk: Int
    private static let chunkMinBytes = 16 << 10
    private static let chunksPerMatrix = 64
    private static let chunkRowMultiple = 16

    package init(tensor: GGUFTensorInfo, file: GGUFFile) throws(ModelError) {
        guard let act = Kernels.activationType(for: tensor.type) else {
            throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type,
                                         supported: GGMLType.allCases.filter { Kernels.isSupported($0) })
        }
        guard tensor.dimensions.count <= 2 || tensor.dimensions.dropFirst(2).allSatisfy({ $0 == 1 }) else {
            throw .badShape(tensor: tensor.name, expected: "a 2-D matrix", got: tensor.dimensions)
        }
        name = tensor.name
        type = tensor.type
        columns = tensor.dimensions[0]
        rows = tensor.dimensions.count > 1 ? tensor.dimensions[1] : 1
        rowBytes = tensor.rowBytes
        activationType = act
        let minRows = (Self.chunkMinBytes + max(rowBytes, 1) - 1) / max(rowBytes, 1)
        let perChunk = max(minRows, (rows + Self.chunksPerMatrix - 1) / Self.chunksPerMatrix)
        rowsPerChunk = (perChunk + Self.chunkRowMultiple - 1) / Self.chunkRowMultiple * Self.chunkRowMultiple
        guard let base = file.data(for: tensor).baseAddress else {
            throw .badShape(tensor: tensor.name, expected: "non-empty data", got: tensor.dimensions)
        }
        data = base
    }

    /// Bytes one activation row of `columns` values takes in `activationType`.
    package var activationRowBytes: Int { Int(ok_row_size(Int32(activationType.rawValue), Int64(columns))) }

    /// Dequantizes row `index` into `output` (`columns` floats), e.g. for an embedding lookup.
    package func dequantizeRow(_ index: Int, into output: UnsafeMutablePointer<Float>) {
        ok_dequantize_row(Int32(type.rawValue), data + index * rowBytes, output, Int64(columns))
    }
}

/// A 1-D float vector from the model file (norm weights, biases), dequantized once at load.
package struct WeightVector: Sendable {
    package let values: [Float]

    package init(tensor: GGUFTensorInfo, file: GGUFFile, expectedCount: Int) throws(ModelError) {
        guard tensor.elementCount == expectedCount else {
            throw .badShape(tensor: tensor.name, expected: "\(expectedCount) elements", got: tensor.dimensions)
        }
        guard Kernels.isSupported(tensor.type), let base = file.data(for: tensor).baseAddress else {
            throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type,
                                         supported: GGMLType.allCases.filter { Kernels.isSupported($0) })
        }
        var out = [Float](repeating: 0, count: expectedCount)
        out.withUnsafeMutableBufferPointer { dst in
            ok_dequantize_row(Int32(tensor.type.rawValue), base, dst.baseAddress!, Int64(expectedCount))
        }
        values = out
    }
}
