import Foundation

/// An in-toto Statement v1 describing signed model files: each subject is a file name with its sha256,
/// the predicate names the model, its version and the validity window.
public struct ModelManifest: Codable, Sendable, Equatable {
    public static let statementType = "https://in-toto.io/Statement/v1"
    public static let predicateTypeURI = "https://outpost.dev/model-manifest/v1"
    /// DSSE payload type of an in-toto statement.
    public static let payloadType = "application/vnd.in-toto+json"

    public struct Subject: Codable, Sendable, Equatable {
        /// The file name (no directories).
        public var name: String
        /// Digests by algorithm; "sha256" (lower-case hex) is the one verified.
        public var digest: [String: String]

        public init(name: String, sha256: String) {
            self.name = name
            self.digest = ["sha256": sha256]
        }
    }

    public struct Predicate: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var created: Date
        public var expires: Date
        public var quantization: String?
        public var parameterCount: Int64?
        /// Total bytes of the subjects.
        public var sizeBytes: Int64?

        public init(name: String, version: String, created: Date, expires: Date,
                    quantization: String? = nil, parameterCount: Int64? = nil, sizeBytes: Int64? = nil) {
            self.name = name
            self.version = version
            self.created = created
            self.expires = expires
            self.quantization = quantization
            self.parameterCount = parameterCount
            self.sizeBytes = sizeBytes
        }
    }

    public var type: String
    public var subject: [Subject]
    public var predicateType: String
    public var predicate: Predicate

    enum CodingKeys: String, CodingKey {
        case type = "_type", subject, predicateType, predicate
    }

    public init(subject: [Subject], predicate: Predicate) {
        self.type = Self.statementType
        self.subject = subject
        self.predicateType = Self.predicateTypeURI
        self.predicate = predicate
    }

    /// The statement for `files` (sha256 streamed from disk), valid from `now` for `validFor` seconds.
    public static func make(files: [URL], name: String, version: String, now: Date, validFor: TimeInterval,
                            quantization: String? = nil, parameterCount: Int64? = nil) throws(SignatureError) -> ModelManifest {
        guard !files.isEmpty else { throw .malformedEnvelope("a manifest needs at least one file") }
        guard validFor > 0, validFor.isFinite else { throw .malformedEnvelope("the validity period must be positive, got \(validFor) s") }
        guard !name.isEmpty, !version.isEmpty else { throw .malformedEnvelope("a manifest needs a non-empty name and version") }
        var subjects: [Subject] = []
        var total: Int64 = 0
        for url in files {
            let fileName = url.lastPathComponent
            if subjects.contains(where: { $0.name == fileName }) { throw .malformedEnvelope("two files are named \(fileName)") }
            let (hex, size) = try FileDigest.sha256(of: url)
            subjects.append(Subject(name: fileName, sha256: hex))
            total += size
        }
        let predicate = Predicate(name: name, version: version, created: now, expires: now.addingTimeInterval(validFor),
                                  quantization: quantization, parameterCount: parameterCount, sizeBytes: total)
        return ModelManifest(subject: subjects, predicate: predicate)
    }

    /// Signs `files` as a manifest with `key`: a DSSE envelope of type `payloadType`.
    public static func sign(files: [URL], name: String, version: String, key: SigningKey, now: Date, validFor: TimeInterval,
                            quantization: String? = nil, parameterCount: Int64? = nil) throws(SignatureError) -> DSSEEnvelope {
        try make(files: files, name: name, version: version, now: now, validFor: validFor,
                 quantization: quantization, parameterCount: parameterCount).signed(with: key)
    }

    /// This statement signed with `key`.
    public func signed(with key: SigningKey) throws(SignatureError) -> DSSEEnvelope {
        let payload: Data
        do { payload = try FleetJSON.encoder().encode(self) } catch { throw .malformedEnvelope("cannot encode the manifest: \(error)") }
        return key.sign(payload: payload, payloadType: Self.payloadType)
    }

    /// The sha256 the manifest lists for `fileName`.
    public func sha256(of fileName: String) -> String? {
        subject.first { $0.name == fileName }?.digest["sha256"]
    }
}
