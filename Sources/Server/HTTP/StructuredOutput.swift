import Inference
import OpenAIAPI

/// `response_format` -> the grammar the output must follow.
enum StructuredOutput {
    /// nil for free text; JSON mode's grammar for `json_object`; the compiled schema for `json_schema`.
    /// A schema the compiler cannot handle is a 400 naming the feature.
    static func grammar(for format: ResponseFormat?) throws(APIError) -> Grammar? {
        do {
            switch format {
            case nil, .text?:
                return nil
            case .jsonObject?:
                return try JSONSchemaCompiler.jsonObjectGrammar()
            case .jsonSchema(let wrapper)?:
                guard case .object(let object) = wrapper else {
                    throw APIError.invalidValue("response_format.json_schema", "expected an object")
                }
                guard let schema = object["schema"] else { return try JSONSchemaCompiler.jsonObjectGrammar() }
                guard case .object = schema else {
                    throw APIError.invalidValue("response_format.json_schema.schema", "expected a JSON Schema object")
                }
                return try JSONSchemaCompiler.compile(schema: String(decoding: schema.serialized, as: UTF8.self))
            }
        } catch let error as GrammarError {
            let code: String
            switch error.kind {
            case .unsupportedFeature: code = "unsupported_parameter"
            case .invalidSchema, .syntax: code = "invalid_value"
            }
            throw APIError(status: 400, message: "response_format.json_schema.schema: \(error.message)",
                           type: APIError.invalidRequestType, param: "response_format", code: code)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.internal("\(error)")
        }
    }
}
