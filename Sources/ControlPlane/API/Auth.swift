import Crypto
import Foundation
import Hummingbird

/// Bearer-token checks: the admin token for management, a device credential for device endpoints.
struct Authenticator: Sendable {
    let adminTokenHash: [UInt8]
    let store: any FleetStore

    init(adminToken: String, store: any FleetStore) {
        adminTokenHash = Array(SHA256.hash(data: Data(adminToken.utf8)))
        self.store = store
    }

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty || token.utf8.count > 512 ? nil : token
    }

    /// sha256 hex of a credential or token: what the database keeps instead of the secret.
    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random secret (256 bits, hex).
    static func newSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    func isAdmin(_ request: Request) -> Bool {
        guard let token = Self.bearer(request) else { return false }
        // Hash both sides, then compare in constant time.
        let candidate = Array(SHA256.hash(data: Data(token.utf8)))
        var diff: UInt8 = 0
        for (a, b) in zip(candidate, adminTokenHash) { diff |= a ^ b }
        return diff == 0
    }

    func requireAdmin(_ request: Request) throws(FleetAPIError) {
        guard isAdmin(request) else { throw FleetAPIError.unauthorized }
    }

    /// The device the credential belongs to; 401 without a valid one.
    func device(_ request: Request) async throws(FleetAPIError) -> DeviceRecord {
        guard let token = Self.bearer(request) else { throw FleetAPIError.unauthorized }
        let found = try await stored { () async throws(StoreError) in try await store.device(credentialHash: Self.hash(token)) }
        guard let found else { throw FleetAPIError.unauthorized }
        return found
    }

    /// The device, which must be `id`: a credential is scoped to its own device (403 for another).
    func requireDevice(_ request: Request, id: String) async throws(FleetAPIError) -> DeviceRecord {
        let device = try await device(request)
        guard device.id == id else {
            throw FleetAPIError.forbidden("this credential belongs to device '\(device.id)', not '\(id)'")
        }
        return device
    }
}
