import Foundation

/// Encodes response values to compact JSON bodies.
public enum APIJSON {
    /// Encodes `value` as compact JSON (slashes unescaped, key order as the types write them).
    ///
    /// The response types only hold strings, integers and finite doubles (log probabilities are
    /// made finite before encoding), so this does not fail for them; a failure from some other
    /// `Encodable` becomes a 500 `APIError` the server can send as is.
    public static func encode(_ value: some Encodable) throws(APIError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            throw APIError.internal("Failed to encode the response: \(error)")
        }
    }
}
