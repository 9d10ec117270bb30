import Foundation

/// Server-sent-event framing for streamed responses, as OpenAI uses it: each event is one
/// `data:` line followed by a blank line, and the stream ends with `data: [DONE]`.
public enum ServerSentEvents {
    /// `data: [DONE]\n\n`, the end of every successful stream.
    public static let done = Data("data: [DONE]\n\n".utf8)

    /// `data: <json>\n\n` for one chunk.
    public static func event(_ value: some Encodable) throws(APIError) -> Data {
        event(json: try APIJSON.encode(value))
    }

    /// Frames already-encoded compact JSON (which never contains a raw newline) as one event.
    public static func event(json: Data) -> Data {
        var out = Data("data: ".utf8)
        out.append(json)
        out.append(contentsOf: [0x0A, 0x0A])
        return out
    }

    /// `data: {"error":{...}}\n\n`: reports a failure after the 200 status and the first events
    /// were sent, when an error status is no longer possible. The stream should end after it,
    /// without `[DONE]`.
    public static func errorEvent(_ error: APIError) -> Data {
        event(json: error.body)
    }
}
