import Foundation
import Server

/// Activates models in a running `outpost serve` application: the hot swap of `ModelHost`.
public struct ServerModelActivator: ModelActivator {
    public let host: ModelHost
    /// The name clients use for the served model, whatever version is behind it.
    public let servedName: String
    public let configuration: ServerConfiguration

    public init(host: ModelHost, servedName: String, configuration: ServerConfiguration) {
        self.host = host
        self.servedName = servedName
        self.configuration = configuration
    }

    public func activate(modelPath: URL?, slot: SlotInfo?) async throws {
        let host = self.host
        let name = servedName
        let config = configuration
        let path = modelPath?.path
        // Loading maps and checks the file: keep it off the cooperative pool.
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                do {
                    try host.swap(name: name, path: path, config: config)
                    cont.resume()
                } catch {
                    cont.resume(throwing: error)
                }
            }
        }
    }
}
