#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns the bytes a `GGUFFile` views: either a read-only private mapping of the file or a heap
/// copy. Releasing happens in `deinit`, so a failed parse cannot leak the mapping.
final class FileBytes: @unchecked Sendable {
    private enum Owner { case mapping, heap }

    private let base: UnsafeRawPointer
    let count: Int
    private let owner: Owner

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Copies `bytes`; used for tests and tools that build files in memory.
    init(copying bytes: [UInt8]) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { source in
            if let address = source.baseAddress { memory.copyMemory(from: address, byteCount: source.count) }
        }
        base = UnsafeRawPointer(memory)
        count = bytes.count
        owner = .heap
    }

    /// Maps `path` with PROT_READ and MAP_PRIVATE: pages load on demand and nothing is copied.
    init(mapping path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileBytes.ioError("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileBytes.ioError("cannot stat \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError(.io, at: -1, "\(path) is not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 {
            // mmap rejects empty lengths; an empty file is still parsed so it reports `truncated`.
            let memory = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64)
            base = UnsafeRawPointer(memory)
            count = 0
            owner = .heap
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw FileBytes.ioError("cannot map \(size) bytes of \(path)")
        }
        base = UnsafeRawPointer(address)
        count = size
        owner = .mapping
    }

    deinit {
        switch owner {
        case .mapping: munmap(UnsafeMutableRawPointer(mutating: base), count)
        case .heap: UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    static func ioError(_ what: String) -> GGUFError {
        GGUFError(.io, at: -1, "\(what): \(String(cString: strerror(errno)))")
    }
}
