import Foundation

/// The JSON conventions of every signed fleet document: sorted keys, ISO 8601 dates in UTC whole seconds.
public enum FleetJSON {
    /// An encoder with sorted keys and ISO 8601 dates, so the same value always gives the same bytes.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A decoder matching `encoder()`.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// `date` as ISO 8601 in UTC, e.g. 2026-11-30T06:00:00Z.
    public static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
