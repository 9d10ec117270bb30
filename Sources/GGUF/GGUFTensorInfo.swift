/// Where one tensor lives in the file and how it is laid out.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ggml order: `dimensions[0]` is the row length (ne0); 1...4 entries, all positive.
    public let dimensions: [Int]
    public let type: GGMLType
    /// Relative to the start of the tensor-data section.
    public let offset: Int
    /// Product of the dimensions; checked against overflow when the info was made.
    public let elementCount: Int
    /// Packed size in bytes; checked against overflow when the info was made.
    public let byteCount: Int

    /// Number of rows: every dimension but the first.
    public var rowCount: Int { elementCount / dimensions[0] }
    /// Packed bytes of one row (`dimensions[0]` elements).
    public var rowBytes: Int { dimensions[0] / type.blockSize * type.blockBytes }

    /// Validates the shape: name length, 1...4 dimensions, none zero, the row a whole number of
    /// blocks, and element and byte counts that fit `Int`. `offset` is only checked for sign here;
    /// alignment and bounds depend on the file.
    public init(name: String, dimensions: [Int], type: GGMLType, offset: Int) throws(GGUFError) {
        try self.init(name: name, dimensions: dimensions, type: type, offset: offset, errorOffset: -1)
    }

    /// `errorOffset` is the file position reported if validation fails.
    init(name: String, dimensions: [Int], type: GGMLType, offset: Int, errorOffset: Int) throws(GGUFError) {
        let nameBytes = name.utf8.count
        guard nameBytes < GGUFLimits.maxTensorNameBytes else {
            throw GGUFError(.tensorNameTooLong, at: errorOffset,
                            "tensor name '\(name.prefix(80))' is \(nameBytes) bytes; ggml allows at most \(GGUFLimits.maxTensorNameBytes - 1)")
        }
        guard (1...GGUFLimits.maxDimensions).contains(dimensions.count) else {
            throw GGUFError(.badDimensionCount, at: errorOffset,
                            "tensor '\(name)' has \(dimensions.count) dimensions; ggml supports 1...\(GGUFLimits.maxDimensions)")
        }
        var elements = 1
        for (i, d) in dimensions.enumerated() {
            guard d > 0 else {
                throw GGUFError(d == 0 ? .zeroDimension : .sizeOverflow, at: errorOffset,
                                "tensor '\(name)' dimension \(i) is \(d) in \(dimensions); every dimension must be positive")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw GGUFError(.sizeOverflow, at: errorOffset,
                                "tensor '\(name)' with dimensions \(dimensions) has more than \(Int.max) elements")
            }
            elements = product
        }
        guard dimensions[0] % type.blockSize == 0 else {
            throw GGUFError(.rowNotBlockMultiple, at: errorOffset,
                            "tensor '\(name)' of type \(type) has rows of \(dimensions[0]) elements, not a multiple of its block size \(type.blockSize)")
        }
        let (bytes, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.blockBytes)
        guard !overflow else {
            throw GGUFError(.sizeOverflow, at: errorOffset,
                            "tensor '\(name)' with dimensions \(dimensions) of type \(type) would take more than \(Int.max) bytes")
        }
        guard offset >= 0 else {
            throw GGUFError(.sizeOverflow, at: errorOffset, "tensor '\(name)' has negative data offset \(offset)")
        }
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.elementCount = elements
        self.byteCount = bytes
    }
}
