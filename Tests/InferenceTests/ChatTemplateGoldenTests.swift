import Foundation
import GGUF
import Inference
import TestSupport
import XCTest

/// Renders each model's own `tokenizer.chat_template` (read from the GGUF) and compares with the
/// prompts llama.cpp produced for the same conversations (/work/shared/golden, `chat` cases).
final class ChatTemplateGoldenTests: XCTestCase {
    private struct Golden: Decodable {
        struct Chat: Decodable {
            var messages: [ChatMessage]
            var add_generation_prompt: Bool
            var prompt: String
        }
        var chat: [Chat]
    }

    private func open(_ model: TestPaths.Reference) throws -> GGUFFile {
        guard FileManager.default.fileExists(atPath: model.modelPath) else {
            throw XCTSkip("\(model.modelPath) not present")
        }
        return try GGUFFile(path: model.modelPath)
    }

    private func golden(_ model: TestPaths.Reference) throws -> Golden {
        let data = try Data(contentsOf: URL(fileURLWithPath: model.goldenPath))
        return try JSONDecoder().decode(Golden.self, from: data)
    }

    /// The text of a special token named by a `tokenizer.ggml.*_token_id` key, or "" if absent.
    private func specialToken(_ file: GGUFFile, _ key: String) -> String {
        guard let id = file[key]?.int, let tokens = file["tokenizer.ggml.tokens"]?.stringArray,
            id >= 0, id < tokens.count
        else { return "" }
        return tokens[id]
    }

    private func checkGoldenChats(_ model: TestPaths.Reference) throws {
        let file = try open(model)
        let source = try XCTUnwrap(file["tokenizer.chat_template"]?.string, "model has no chat template")
        let template = try ChatTemplate(source: source)
        let cases = try golden(model).chat
        XCTAssertFalse(cases.isEmpty)
        for (i, chat) in cases.enumerated() {
            let prompt = try template.render(
                messages: chat.messages, addGenerationPrompt: chat.add_generation_prompt,
                bosToken: specialToken(file, "tokenizer.ggml.bos_token_id"),
                eosToken: specialToken(file, "tokenizer.ggml.eos_token_id"))
            XCTAssertEqual(Array(prompt.utf8), Array(chat.prompt.utf8), "\(model) chat case \(i)")
        }
    }

    func testSmolLM2GoldenChats() throws {
        try checkGoldenChats(.smollm2)
    }

    func testQwen25GoldenChats() throws {
        try checkGoldenChats(.qwen25)
    }

    /// Qwen2.5's tool-calling path: tool schemas serialised with `tojson` in key order, an assistant
    /// tool call, and consecutive tool results merged into one user turn. Expected text rendered by
    /// Jinja2 3.1.6 configured as transformers configures it.
    func testQwen25ToolCalling() throws {
        let file = try open(.qwen25)
        let template = try ChatTemplate(source: try XCTUnwrap(file["tokenizer.chat_template"]?.string))
        let tools = try JinjaValue.parseJSON("""
            [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
            """)
        let messages = try JinjaValue.parseJSON("""
            [{"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "content": "", "tool_calls": [{"type": "function",
               "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
             {"role": "tool", "content": "{\\"temp\\": 20}"},
             {"role": "tool", "content": "sunny"}]
            """)
        let prompt = try template.render(context: [
            "messages": messages, "tools": tools, "add_generation_prompt": true,
        ])
        let expected =
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\n"
            + "You may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + #"{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}"#
            + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
            + "<tool_call></tool_call> XML tags:\n<tool_call>\n"
            + #"{"name": <function-name>, "arguments": <args-json-object>}"#
            + "\n</tool_call><|im_end|>\n<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n"
            + "<tool_call>\n" + #"{"name": "get_weather", "arguments": {"city": "Paris"}}"# + "\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n{\"temp\": 20}\n</tool_response>\n<tool_response>\nsunny\n"
            + "</tool_response><|im_end|>\n<|im_start|>assistant\n"
        XCTAssertEqual(prompt, expected)
    }

    /// Gemma 3 270M ships no template: the architecture's built-in one applies.
    func testGemma3FallsBackToBuiltinTemplate() throws {
        let file = try open(.gemma3)
        XCTAssertNil(file["tokenizer.chat_template"])
        let arch = try XCTUnwrap(file.architecture)
        XCTAssertEqual(arch, "gemma3")
        let prompt = try ChatTemplate.builtin(forArchitecture: arch).render(
            messages: [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true,
            bosToken: specialToken(file, "tokenizer.ggml.bos_token_id"))
        XCTAssertEqual(prompt, "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
    }
}
