/// A parsed, validated GGUF file whose tensor data stays in place.
///
/// Opening checks the whole header against the file size (see `GGUFError.Kind`); afterwards every
/// tensor's bytes are known to lie inside the file, so `data(for:)` needs no further checks.
public final class GGUFFile: @unchecked Sendable {
    public let version: UInt32
    /// Keys in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Absolute byte offset of the tensor-data section.
    public let dataOffset: Int
    public let fileSize: Int

    private let bytes: FileBytes
    private let tensorIndex: [String: Int]

    /// Maps the file read-only (PROT_READ, MAP_PRIVATE); nothing is copied. The mapping is
    /// released when this object is.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(storage: try FileBytes(mapping: path))
    }

    /// Parses an in-memory copy of `bytes`; for tests and tools.
    public convenience init(bytes: [UInt8]) throws(GGUFError) {
        try self.init(storage: FileBytes(copying: bytes))
    }

    private init(storage: FileBytes) throws(GGUFError) {
        let header = try GGUFParser.parse(storage.buffer)
        bytes = storage
        version = header.version
        metadataKeys = header.metadataKeys
        metadata = header.metadata
        tensors = header.tensors
        alignment = header.alignment
        dataOffset = header.dataOffset
        fileSize = storage.count
        var index: [String: Int] = [:]
        index.reserveCapacity(header.tensors.count)
        for (i, t) in header.tensors.enumerated() { index[t.name] = i }
        tensorIndex = index
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The packed bytes of `tensor`, valid while this file lives. `tensor` must come from this
    /// file; an info whose bytes fall outside the data section yields an empty buffer.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let buffer = bytes.buffer
        let available = buffer.count - dataOffset
        guard tensor.offset >= 0, tensor.byteCount >= 0, tensor.offset <= available,
              tensor.byteCount <= available - tensor.offset else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        let start = dataOffset + tensor.offset
        return UnsafeRawBufferPointer(rebasing: buffer[start..<(start + tensor.byteCount)])
    }

    /// `general.architecture`, e.g. "llama".
    public var architecture: String? { metadata["general.architecture"]?.string }

    public subscript(key: String) -> GGUFValue? { metadata[key] }
}
