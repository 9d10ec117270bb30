import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An Ed25519 public key and its key ID.
public struct PublicKey: Sendable, Equatable {
    /// The 32 raw key bytes.
    public let rawRepresentation: Data
    let key: Curve25519.Signing.PublicKey

    public init(rawRepresentation: Data) throws(SignatureError) {
        guard rawRepresentation.count == 32 else { throw .invalidKey("an Ed25519 public key has 32 bytes, got \(rawRepresentation.count)") }
        do { key = try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) } catch {
            throw .invalidKey("not an Ed25519 public key: \(error)")
        }
        self.rawRepresentation = rawRepresentation
    }

    /// Hex sha256 of the raw public key.
    public var keyID: String { SHA256.hash(data: rawRepresentation).hexString }

    /// The key as a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo, RFC 8410).
    public var pemRepresentation: String { KeyEncoding.pem(rawRepresentation, kind: .publicKey) }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    public func isValidSignature(_ signature: Data, for message: Data) -> Bool {
        key.isValidSignature(signature, for: message)
    }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }
}

/// An Ed25519 private key that signs DSSE envelopes.
public struct SigningKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// A new random key.
    public static func generate() -> SigningKey { SigningKey(key: Curve25519.Signing.PrivateKey()) }

    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// The key from its 32-byte seed (RFC 8032's private key).
    public init(seed: Data) throws(SignatureError) {
        guard seed.count == 32 else { throw .invalidKey("an Ed25519 private key seed has 32 bytes, got \(seed.count)") }
        do { key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed) } catch {
            throw .invalidKey("not an Ed25519 seed: \(error)")
        }
    }

    /// The key from PEM text ("PRIVATE KEY", PKCS#8, RFC 8410) or one line of base64 of the seed.
    public init(pemOrBase64 text: String) throws(SignatureError) {
        let keys = try KeyEncoding.rawKeys(in: text, kind: .privateKey)
        guard keys.count == 1 else { throw .invalidKey("expected one private key, found \(keys.count)") }
        try self.init(seed: keys[0])
    }

    /// Reads a key file written by `write(to:)`, `openssl genpkey -algorithm ed25519`, or base64 of the seed.
    public init(pemOrBase64File path: String) throws(SignatureError) {
        try self.init(pemOrBase64: KeyEncoding.readText(path: path))
    }

    /// The 32-byte seed.
    public var seed: Data { key.rawRepresentation }

    public var publicKey: PublicKey {
        // A key derived from a valid private key is always a valid public key.
        try! PublicKey(rawRepresentation: key.publicKey.rawRepresentation)
    }

    public var keyID: String { publicKey.keyID }

    /// The private key as a PEM "PRIVATE KEY" block.
    public var pemRepresentation: String { KeyEncoding.pem(seed, kind: .privateKey) }

    /// The Ed25519 signature of `message`.
    public func signature(for message: Data) -> Data {
        // Signing with a valid key only fails on allocation failure inside BoringSSL.
        (try? key.signature(for: message)) ?? Data()
    }

    /// Signs `payload` as a DSSE envelope of type `payloadType`.
    public func sign(payload: Data, payloadType: String) -> DSSEEnvelope {
        let sig = signature(for: DSSE.pae(payloadType: payloadType, payload: payload))
        return DSSEEnvelope(payloadType: payloadType, payload: payload.base64EncodedString(),
                            signatures: [DSSESignature(keyid: keyID, sig: sig.base64EncodedString())])
    }

    /// Writes the private key to `path` (mode 0600, never readable by others) and the public key to
    /// `path.pub`. Refuses to overwrite an existing private key file.
    public func write(to path: String) throws(SignatureError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "file exists; refusing to overwrite a key" : String(cString: strerror(errno))
            throw .unreadableFile(path: path, reason: reason)
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(pemRepresentation.utf8))
            try handle.close()
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        do {
            try Data(publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: path + ".pub"))
        } catch {
            throw .unreadableFile(path: path + ".pub", reason: error.localizedDescription)
        }
    }
}

extension Digest {
    /// Lower-case hex of the digest bytes.
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
