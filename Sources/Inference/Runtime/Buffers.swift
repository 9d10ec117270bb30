/// A fixed-size, manually managed float buffer for activations and scratch.
///
/// Activations are reused across layers and steps, so they live in plain allocations rather than Swift
/// arrays: no copy-on-write checks or bounds checks in the hot loops, and pointers stay stable.
package final class FloatBuffer: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Float>
    package let count: Int
    private let memory: PageMemory

    package init(count: Int) {
        self.count = max(count, 1)
        memory = PageMemory(byteCount: self.count * MemoryLayout<Float>.stride)
        pointer = memory.pointer.bindMemory(to: Float.self, capacity: self.count)
    }

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

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// Zeroed, page-aligned memory for large long-lived buffers (the KV cache, batch activations).
///
/// Mapped anonymously and, on Linux, marked for transparent huge pages, then touched once so the memory
/// a context needs is resident from load (what `outpost inspect` estimates), at one fault per 2 MiB
/// instead of one per 4 KiB. Falls back to the heap where mapping is unavailable.
package final class PageMemory: @unchecked Sendable {
    package let pointer: UnsafeMutableRawPointer
    package let byteCount: Int
    private let mapped: Bool

    package init(byteCount requested: Int) {
        byteCount = max(requested, 1)
        let page = 4096
        #if os(Linux)
        if byteCount >= 1 << 20,
           let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           address != MAP_FAILED {
            _ = madvise(address, byteCount, 14)   // MADV_HUGEPAGE; advisory, ignored where unsupported
            pointer = address
            mapped = true
            // Fresh anonymous pages read as zero; write one byte per page to make them resident. The
            // kernel zeroes each page on that first touch, which dominates start-up for a long context, so
            // large buffers are touched by several threads at once.
            let base = UInt(bitPattern: address)
            let size = byteCount
            let parts = size >= 16 << 20 ? max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) : 1
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let bytes = UnsafeMutablePointer<UInt8>(bitPattern: base)!
                let pages = (size + page - 1) / page
                let range = ThreadPool.split(pages, parts: parts, index: part)
                for p in range { bytes[p * page] = 0 }
            }
            return
        }
        #endif
        pointer = .allocate(byteCount: byteCount, alignment: page)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        mapped = false
    }

    deinit {
        #if os(Linux)
        if mapped {
            munmap(pointer, byteCount)
            return
        }
        #endif
        pointer.deallocate()
    }
}
