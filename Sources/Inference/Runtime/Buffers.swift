/// A fixed-size, manually managed float buffer for activations and scratch.
///
/// Activations are reused across layers and steps, so they live in plain allocations rather than Swift
/// arrays: no copy-on-write checks or bounds checks in the hot loops, and pointers stay stable.
package final class FloatBuffer: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Float>
    package let count: Int

    package init(count: Int) {
        self.count = max(count, 1)
        pointer = .allocate(capacity: self.count)
        pointer.initialize(repeating: 0, count: self.count)
    }

    deinit { pointer.deallocate() }

    package subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}

/// Raw bytes (quantized activations), 64-byte aligned for SIMD loads.
package final class ByteBuffer: @unchecked Sendable {
    package let pointer: UnsafeMutableRawPointer
    package let count: Int

    package init(count: Int) {
        self.count = max(count, 1)
        pointer = .allocate(byteCount: self.count, alignment: 64)
    }

    deinit { pointer.deallocate() }
}
