/// Replaces detected entities with placeholders before a request leaves the device.
///
/// Each entity becomes `[LABEL_N]` (`[EMAIL_1]`, `[PHONE_2]`, `[CARD_1]`, custom patterns use their
/// name, uppercased); the same value gets the same placeholder throughout one map. Text in the input
/// that already has the shape of a placeholder is escaped: it is itself replaced by a `[LITERAL_N]`
/// placeholder that restores to the original text. So the redacted text contains no placeholder the
/// map did not issue, a user who types `[EMAIL_1]` never gets someone's address back in its place, and
/// `map.restore(redacted) == original` always holds.
public enum Redactor {
    /// Redacts one text with a fresh map.
    public static func redact(_ text: String, entities: [DetectedEntity]) -> (text: String, mapping: RedactionMap) {
        var map = RedactionMap()
        let redacted = redact(text, entities: entities, into: &map)
        return (redacted, map)
    }

    /// Redacts one text of a request, adding to the request's shared `map` (for a chat, call this for
    /// every message with the same map). `entities` must come from this `text`; they are applied in
    /// order of position, and one overlapping an earlier one is skipped.
    public static func redact(_ text: String, entities: [DetectedEntity], into map: inout RedactionMap) -> String {
        let utf8 = text.utf8
        let bytes = Array(utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + entities.count * 8)
        var cursor = 0
        for entity in entities.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            let start = utf8.distance(from: utf8.startIndex, to: entity.range.lowerBound)
            let end = utf8.distance(from: utf8.startIndex, to: entity.range.upperBound)
            guard start >= cursor, end > start, end <= bytes.count else { continue }
            escapeLiterals(bytes[cursor..<start], into: &out, map: &map)
            let value = String(decoding: bytes[start..<end], as: UTF8.self)
            out.append(contentsOf: map.placeholder(for: value, label: placeholderLabel(for: entity)).utf8)
            cursor = end
        }
        escapeLiterals(bytes[cursor...], into: &out, map: &map)
        return String(decoding: out, as: UTF8.self)
    }

    /// The label used in an entity's placeholders.
    public static func placeholderLabel(for entity: DetectedEntity) -> String {
        switch entity.type {
        case .email: return "EMAIL"
        case .phone: return "PHONE"
        case .ssn: return "SSN"
        case .paymentCard: return "CARD"
        case .iban: return "IBAN"
        case .ipAddress: return "IP"
        case .dateOfBirth: return "DOB"
        case .medicalRecordNumber: return "MRN"
        case .custom: return Placeholder.sanitizedLabel(entity.label)
        }
    }

    private static func escapeLiterals(_ bytes: ArraySlice<UInt8>, into out: inout [UInt8], map: inout RedactionMap) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == PIIBytes.openBracket, let end = Placeholder.match(bytes, at: i) {
                let literal = String(decoding: bytes[i..<end], as: UTF8.self)
                out.append(contentsOf: map.placeholder(for: literal, label: Placeholder.literalLabel).utf8)
                i = end
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
    }
}
