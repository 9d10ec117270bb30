import Foundation
import XCTest

/// Runs the `outpost` executable built next to the test bundle (`scripts/test` builds it first).
struct CLIResult {
    let status: Int32
    let terminatedBySignal: Bool
    let stdout: String
    let stderr: String
}

enum CLI {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("outpost")
    }

    static func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("outpost executable not found at \(executable.path); run `swift build -c release --product outpost` first", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        // Output goes to files, not pipes, so a chatty child can never block on a full pipe.
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appendingPathComponent("outpost-cli-\(UUID().uuidString).out")
        let errURL = dir.appendingPathComponent("outpost-cli-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        let outData = (try? Data(contentsOf: outURL)) ?? Data()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return CLIResult(status: process.terminationStatus,
                         terminatedBySignal: process.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}
