import Foundation
import OpenAIAPI
import Routing

/// Rewrites a client's request for an upstream and the upstream's answers for the client.
///
/// The request body is the client's own JSON with `model` mapped to the upstream's name and, when the
/// decision says so, every detected entity in the message texts (or prompt) replaced by a placeholder.
/// Answers keep the upstream's OpenAI shape (the same shape local answers have) with `model` set back
/// to the name the client asked for and the placeholders restored, streaming included.
struct CloudForwarding: Sendable {
    let clientModel: String
    let upstreamModel: String
    let clientWantsUsage: Bool
    let stream: Bool
    private(set) var redactions = RedactionMap()

    /// The body to send: a copy of `body` with the model renamed, texts redacted when `redact` is set,
    /// and (for streams) usage requested so the budget can count the tokens.
    static func prepare(body: JSONObject, clientModel: String, upstreamModel: String, redact: Bool,
                        detector: PIIDetector) -> (CloudForwarding, Data) {
        var object = body
        var map = RedactionMap()
        object["model"] = .string(upstreamModel)
        let stream = object["stream"] == .bool(true)
        var wantsUsage = false
        if case .object(let opts)? = object["stream_options"], opts["include_usage"] == .bool(true) { wantsUsage = true }
        if stream {
            var opts = JSONObject()
            opts["include_usage"] = .bool(true)
            object["stream_options"] = .object(opts)
        }
        if redact {
            func scrub(_ text: String) -> String {
                let entities = detector.detect(text)
                return entities.isEmpty ? text : Redactor.redact(text, entities: entities, into: &map)
            }
            if case .array(let messages)? = object["messages"] {
                object["messages"] = .array(messages.map { message in
                    guard case .object(var m) = message else { return message }
                    switch m["content"] {
                    case .string(let s)?: m["content"] = .string(scrub(s))
                    case .array(let parts)?:
                        m["content"] = .array(parts.map { part in
                            guard case .object(var p) = part, case .string(let s)? = p["text"] else { return part }
                            p["text"] = .string(scrub(s))
                            return .object(p)
                        })
                    default: break
                    }
                    return .object(m)
                })
            }
            if case .string(let p)? = object["prompt"] { object["prompt"] = .string(scrub(p)) }
            if case .array(let ps)? = object["prompt"] {
                object["prompt"] = .array(ps.map { if case .string(let s) = $0 { return .string(scrub(s)) } else { return $0 } })
            }
        }
        let forwarding = CloudForwarding(clientModel: clientModel, upstreamModel: upstreamModel,
                                         clientWantsUsage: wantsUsage, stream: stream, redactions: map)
        return (forwarding, Data(JSONValue.object(object).serialized))
    }

    /// A whole (non-streaming) answer for the client, and the tokens it used.
    func rewrite(answer data: Data) throws(UpstreamError) -> (Data, Usage?) {
        guard case .object(var object)? = try? JSONParser.parse(data) else {
            throw .invalidResponse("the answer is not a JSON object")
        }
        object["model"] = .string(clientModel)
        if case .array(let choices)? = object["choices"] {
            object["choices"] = .array(choices.map { choice in
                guard case .object(var c) = choice else { return choice }
                if case .object(var message)? = c["message"], case .string(let s)? = message["content"] {
                    message["content"] = .string(redactions.restore(s))
                    c["message"] = .object(message)
                }
                if case .string(let s)? = c["text"] { c["text"] = .string(redactions.restore(s)) }
                return .object(c)
            })
        }
        return (Data(JSONValue.object(object).serialized), Self.usage(object))
    }

    /// One streamed chunk for the client (nil when it is the usage chunk the client did not ask for),
    /// with placeholders restored through `restorer`, and the usage if the chunk carries it.
    func rewrite(chunk data: Data, restorer: inout StreamingRestorer) -> (Data?, Usage?) {
        guard case .object(var object)? = try? JSONParser.parse(data) else { return (data, nil) }
        object["model"] = .string(clientModel)
        let usage = Self.usage(object)
        if case .array(let choices)? = object["choices"] {
            if choices.isEmpty, usage != nil, !clientWantsUsage { return (nil, usage) }
            object["choices"] = .array(choices.map { choice in
                guard case .object(var c) = choice else { return choice }
                let finishing: Bool = { if case .string? = c["finish_reason"] { return true } else { return false } }()
                if case .object(var delta)? = c["delta"] {
                    var text: String?
                    if case .string(let s)? = delta["content"] { text = restorer.feed(s) }
                    if finishing { text = (text ?? "") + restorer.finish() }
                    if let text { delta["content"] = .string(text) }
                    c["delta"] = .object(delta)
                } else if case .string(let s)? = c["text"] {
                    c["text"] = .string(restorer.feed(s) + (finishing ? restorer.finish() : ""))
                }
                return .object(c)
            })
        }
        if !clientWantsUsage, object["usage"] != nil { object["usage"] = nil }
        return (Data(JSONValue.object(object).serialized), usage)
    }

    private static func usage(_ object: JSONObject) -> Usage? {
        guard case .object(let u)? = object["usage"],
              case .number(let p)? = u["prompt_tokens"], case .number(let c)? = u["completion_tokens"],
              let pi = p.int64Value, let ci = c.int64Value else { return nil }
        return Usage(promptTokens: Int(pi), completionTokens: Int(ci))
    }
}
