/// Kinds of personal or regulated data the detectors recognise.
public enum EntityType: String, Sendable, Codable, CaseIterable, Hashable {
    case email
    case phone
    case ssn                 // US social security number
    case paymentCard         // Luhn-checked
    case iban                // ISO 13616 mod-97 checked
    case ipAddress           // IPv4 and IPv6
    case dateOfBirth
    case medicalRecordNumber
    case custom              // a pattern from the configuration (`DetectedEntity.label` names it)
}

/// One detected entity: where it is in the text and what it is. The matched text itself is only held
/// for redaction and never logged.
public struct DetectedEntity: Sendable, Equatable {
    public let type: EntityType
    /// For `.custom`, the configured pattern's name; otherwise the type's raw value.
    public let label: String
    public let range: Range<String.Index>

    public init(type: EntityType, label: String? = nil, range: Range<String.Index>) {
        self.type = type
        self.label = label ?? type.rawValue
        self.range = range
    }
}

/// How sensitive a request is. `restricted` never leaves the device.
public enum DataClass: String, Sendable, Codable, Comparable, CaseIterable {
    case `public`, `internal`, restricted

    private var rank: Int { self == .public ? 0 : self == .internal ? 1 : 2 }
    public static func < (a: DataClass, b: DataClass) -> Bool { a.rank < b.rank }
}
