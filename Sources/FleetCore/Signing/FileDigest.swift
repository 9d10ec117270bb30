import Crypto
import Foundation

/// sha256 of files, streamed in 1 MiB chunks so a large model is never held in memory at once.
public enum FileDigest {
    public static let defaultChunkBytes = 1 << 20

    /// Lower-case hex sha256 of the file at `url` and its size in bytes, read `chunkBytes` at a time.
    public static func sha256(of url: URL, chunkBytes: Int = FileDigest.defaultChunkBytes) throws(SignatureError) -> (hex: String, sizeBytes: Int64) {
        let chunkBytes = max(1, chunkBytes)
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkBytes) ?? Data() } catch {
                throw .unreadableFile(path: url.path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (hasher.finalize().hexString, size)
    }
}
