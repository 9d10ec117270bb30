import Foundation

/// Ed25519 key files: PEM with the standard DER wrappings (PKCS#8 "PRIVATE KEY" for the 32-byte seed,
/// SubjectPublicKeyInfo "PUBLIC KEY" for the 32-byte public key, RFC 8410), so `openssl pkey` reads and
/// writes the same files. Bare base64 of the 32 raw bytes is accepted too.
enum KeyEncoding {
    /// PKCS#8 OneAsymmetricKey prefix for Ed25519 (OID 1.3.101.112); the 32-byte seed follows.
    static let privatePrefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// SubjectPublicKeyInfo prefix for Ed25519; the 32-byte public key follows.
    static let publicPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    enum Kind { case privateKey, publicKey }

    static func pem(_ raw: Data, kind: Kind) -> String {
        let (label, prefix) = kind == .privateKey ? ("PRIVATE KEY", privatePrefix) : ("PUBLIC KEY", publicPrefix)
        let der = Data(prefix) + raw
        return "-----BEGIN \(label)-----\n\(der.base64EncodedString())\n-----END \(label)-----\n"
    }

    /// The raw 32-byte keys in `text`: every PEM block of `kind`, or one bare base64 line.
    static func rawKeys(in text: String, kind: Kind) throws(SignatureError) -> [Data] {
        let (label, prefix) = kind == .privateKey ? ("PRIVATE KEY", privatePrefix) : ("PUBLIC KEY", publicPrefix)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw .invalidKey("the key file is empty") }
        if !lines.contains(where: { $0.hasPrefix("-----") }) {
            guard lines.count == 1, let raw = Data(base64Encoded: lines[0]), raw.count == 32 else {
                throw .invalidKey("expected a PEM \(label) block or one line of base64 holding 32 raw bytes")
            }
            return [raw]
        }
        var keys: [Data] = []
        var body: String?
        for line in lines {
            if line == "-----BEGIN \(label)-----" {
                if body != nil { throw .invalidKey("unterminated \(label) block") }
                body = ""
            } else if line == "-----END \(label)-----" {
                guard let b = body, let der = Data(base64Encoded: b) else { throw .invalidKey("the \(label) block is not valid base64") }
                guard der.count == prefix.count + 32, der.prefix(prefix.count).elementsEqual(prefix) else {
                    throw .invalidKey("the \(label) block is not an Ed25519 key (RFC 8410 DER, \(prefix.count + 32) bytes expected, got \(der.count))")
                }
                keys.append(der.suffix(32))
                body = nil
            } else if line.hasPrefix("-----BEGIN") {
                if body != nil { throw .invalidKey("unterminated \(label) block") }
                let found = line.replacingOccurrences(of: "-", with: "")
                throw .invalidKey("found \(found), expected an Ed25519 \(label)")
            } else if body != nil {
                body! += line
            }
        }
        if body != nil { throw .invalidKey("unterminated \(label) block") }
        guard !keys.isEmpty else { throw .invalidKey("no \(label) block found") }
        return keys
    }

    static func readText(path: String) throws(SignatureError) -> String {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count <= 1 << 20 else { throw SignatureError.invalidKey("\(path) is larger than 1 MiB; not a key file") }
            return String(decoding: data, as: UTF8.self)
        } catch let error as SignatureError {
            throw error
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
    }
}
