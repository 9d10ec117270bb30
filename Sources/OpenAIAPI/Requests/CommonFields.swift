/// The parameters both endpoints accept, parsed once for both.
struct CommonFields {
    static let keys: Set<String> = [
        "model", "max_tokens", "max_completion_tokens", "temperature", "top_p", "seed", "stop",
        "presence_penalty", "frequency_penalty", "n", "stream", "stream_options", "user",
        "response_format", "metadata", "logprobs",
    ]

    var model: String
    var parameters: GenerationParameters
    var stream: Bool
    var streamOptions: StreamOptions?
    var user: String?
    var responseFormat: ResponseFormat?
    var metadata: [String: String]?

    init(_ reader: ParamReader) throws(APIError) {
        model = try ParamReader.string(try reader.required("model"), param: "model")
        guard !model.isEmpty else { throw APIError.invalidValue("model", "must not be empty.") }
        parameters = try Self.generationParameters(reader)
        if let n = reader.value("n") {
            guard case .number(let number) = n, number.int64Value == 1 else {
                throw APIError.invalidValue("n", "only n = 1 is supported, but got \(String(decoding: n.serialized, as: UTF8.self)).")
            }
        }
        stream = try reader.bool("stream") ?? false
        streamOptions = try Self.streamOptions(reader, stream: stream)
        user = try reader.string("user")
        responseFormat = try Self.responseFormat(reader)
        metadata = try Self.metadata(reader)
    }

    private static func generationParameters(_ reader: ParamReader) throws(APIError) -> GenerationParameters {
        var parameters = GenerationParameters()
        let maxTokens = try reader.integer("max_tokens", in: 1...Int64(Int32.max))
        let maxCompletionTokens = try reader.integer("max_completion_tokens", in: 1...Int64(Int32.max))
        if let maxTokens, let maxCompletionTokens, maxTokens != maxCompletionTokens {
            throw APIError.invalidValue("max_tokens", "conflicts with max_completion_tokens (\(maxTokens) vs "
                + "\(maxCompletionTokens)); send only one of them.")
        }
        parameters.maxTokens = (maxCompletionTokens ?? maxTokens).map { Int($0) }
        parameters.temperature = try reader.number("temperature", rule: "a number in 0...2") { (0...2).contains($0) }
        parameters.topP = try reader.number("top_p", rule: "a number in (0, 1]") { $0 > 0 && $0 <= 1 }
        parameters.seed = try reader.integer("seed", in: Int64.min...Int64.max)
        parameters.stop = try stopSequences(reader)
        parameters.presencePenalty = try reader.number("presence_penalty", rule: "a number in -2...2") { (-2...2).contains($0) }
        parameters.frequencyPenalty = try reader.number("frequency_penalty", rule: "a number in -2...2") { (-2...2).contains($0) }
        return parameters
    }

    /// `stop`: a string or an array of up to 4 strings; every sequence must be non-empty.
    private static func stopSequences(_ reader: ParamReader) throws(APIError) -> [String] {
        guard let value = reader.value("stop") else { return [] }
        var sequences: [String]
        switch value {
        case .string(let single):
            sequences = [single]
        case .array(let elements):
            guard elements.count <= 4 else {
                throw APIError.invalidValue("stop", "at most 4 stop sequences are allowed, but got \(elements.count).")
            }
            sequences = []
            for (index, element) in elements.enumerated() {
                sequences.append(try ParamReader.string(element, param: "stop[\(index)]"))
            }
        default:
            throw APIError.invalidType("stop", expected: "a string or an array of strings", actual: value.typeName)
        }
        guard !sequences.contains(where: \.isEmpty) else {
            throw APIError.invalidValue("stop", "stop sequences must not be empty strings.")
        }
        return sequences
    }

    private static func streamOptions(_ reader: ParamReader, stream: Bool) throws(APIError) -> StreamOptions? {
        guard let options = try reader.object("stream_options") else { return nil }
        guard stream else {
            throw APIError.invalidValue("stream_options", "only allowed when 'stream' is true.")
        }
        try options.rejectUnknownKeys(allowing: ["include_usage"])
        return StreamOptions(includeUsage: try options.bool("include_usage") ?? false)
    }

    private static func responseFormat(_ reader: ParamReader) throws(APIError) -> ResponseFormat? {
        guard let format = try reader.object("response_format") else { return nil }
        let type = try ParamReader.string(try format.required("type"), param: format.name("type"))
        switch type {
        case "text":
            try format.rejectUnknownKeys(allowing: ["type"])
            return .text
        case "json_object":
            try format.rejectUnknownKeys(allowing: ["type"])
            return .jsonObject
        case "json_schema":
            try format.rejectUnknownKeys(allowing: ["type", "json_schema"])
            guard let schema = try format.object("json_schema") else {
                throw APIError.missingParameter(format.name("json_schema"))
            }
            return .jsonSchema(.object(schema.object))
        default:
            throw APIError.invalidValue(format.name("type"), "expected 'text', 'json_object' or 'json_schema', but got '\(type)'.")
        }
    }

    /// `metadata`: at most 16 string pairs, keys up to 64 and values up to 512 characters (OpenAI's limits).
    private static func metadata(_ reader: ParamReader) throws(APIError) -> [String: String]? {
        guard let metadata = try reader.object("metadata") else { return nil }
        guard metadata.object.count <= 16 else {
            throw APIError.invalidValue("metadata", "at most 16 key-value pairs are allowed, but got \(metadata.object.count).")
        }
        var pairs: [String: String] = [:]
        for (key, value) in metadata.object.members {
            guard key.count <= 64 else { throw APIError.invalidValue("metadata", "keys must be at most 64 characters.") }
            let string = try ParamReader.string(value, param: metadata.name(key))
            guard string.count <= 512 else {
                throw APIError.invalidValue(metadata.name(key), "values must be at most 512 characters.")
            }
            pairs[key] = string
        }
        return pairs
    }
}
