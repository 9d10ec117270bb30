import Foundation

/// The budget state file: `{"version":1,"day":"2025-11-30","upstreams":{"openai":{"prompt_tokens":…,
/// "completion_tokens":…,"cost":…}}}`.
struct BudgetFile: Codable, Equatable {
    var version = 1
    var day: String
    var upstreams: [String: UpstreamSpend]

    init(day: String, upstreams: [String: UpstreamSpend]) {
        self.day = day
        self.upstreams = upstreams
    }

    /// The saved state, or nil when there is no file yet.
    static func load(path: String) throws(BudgetStoreError) -> BudgetFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw BudgetStoreError(path: path, message: "cannot read the budget state: \(error.localizedDescription)")
        }
        let file: BudgetFile
        do {
            file = try JSONDecoder().decode(BudgetFile.self, from: data)
        } catch {
            throw BudgetStoreError(path: path, message: "the budget state is not valid JSON of the expected shape.")
        }
        guard file.version == 1 else {
            throw BudgetStoreError(path: path, message: "unsupported budget state version \(file.version).")
        }
        return file
    }

    /// Writes atomically: a temporary file in the same directory, then a rename.
    func save(path: String) throws(BudgetStoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw BudgetStoreError(path: path, message: "cannot write the budget state: \(error.localizedDescription)")
        }
    }
}

/// The budget state file could not be read or written.
public struct BudgetStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The state file.
    public let path: String
    /// What went wrong.
    public let message: String

    /// Creates an error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "budget state \(path): \(message)" }
}
