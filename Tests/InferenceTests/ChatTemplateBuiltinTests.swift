import Inference
import XCTest

/// The fallback templates for models without `tokenizer.chat_template`. Expected texts follow Google's
/// Gemma 3 turn format (`<start_of_turn>role\n...<end_of_turn>\n`, assistant named `model`, the system
/// prompt joined to the first user turn with a blank line) and the ChatML format.
final class ChatTemplateBuiltinTests: XCTestCase {
    private let gemma = ChatTemplate.builtin(forArchitecture: "gemma3")

    private func messages(_ pairs: [(String, String)]) -> [ChatMessage] {
        pairs.map { ChatMessage(role: $0.0, content: $0.1) }
    }

    func testGemmaSingleTurn() throws {
        let prompt = try gemma.render(messages: messages([("user", "Hi")]), addGenerationPrompt: true)
        XCTAssertEqual(prompt, "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
        // The official template starts with `{{ bos_token }}`: BOS appears only when the caller passes it.
        let withBOS = try gemma.render(messages: messages([("user", "Hi")]), addGenerationPrompt: true, bosToken: "<bos>")
        XCTAssertEqual(withBOS, "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")
        let noPrompt = try gemma.render(messages: messages([("user", "Hi")]), addGenerationPrompt: false)
        XCTAssertEqual(noPrompt, "<start_of_turn>user\nHi<end_of_turn>\n")
    }

    func testGemmaSystemPromptJoinsFirstUserTurn() throws {
        let prompt = try gemma.render(
            messages: messages([("system", "You are a terse assistant."), ("user", "Name three primary colors.")]),
            addGenerationPrompt: true)
        XCTAssertEqual(
            prompt,
            "<start_of_turn>user\nYou are a terse assistant.\n\nName three primary colors.<end_of_turn>\n<start_of_turn>model\n")
    }

    func testGemmaMultiTurnUsesModelRoleAndTrimsContent() throws {
        let prompt = try gemma.render(
            messages: messages([
                ("system", "Be brief."), ("user", "What is 2+2?"), ("assistant", " 4\n"), ("user", "And times 3?"),
            ]),
            addGenerationPrompt: true, bosToken: "<bos>")
        XCTAssertEqual(
            prompt,
            "<bos><start_of_turn>user\nBe brief.\n\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n"
                + "<start_of_turn>user\nAnd times 3?<end_of_turn>\n<start_of_turn>model\n")
    }

    func testGemmaRejectsNonAlternatingRoles() {
        XCTAssertThrowsError(
            try gemma.render(messages: messages([("user", "a"), ("user", "b")]), addGenerationPrompt: true)
        ) { error in
            let e = error as? ChatTemplateError
            XCTAssertEqual(e?.kind, .raised)
            XCTAssertEqual(e?.message, "Conversation roles must alternate user/assistant/user/assistant/...")
        }
    }

    func testGemmaContentParts() throws {
        let prompt = try gemma.render(context: [
            "messages": [["role": "user", "content": [["type": "image"], ["type": "text", "text": " Describe. "]]]],
            "add_generation_prompt": true, "bos_token": "",
        ])
        XCTAssertEqual(prompt, "<start_of_turn>user\n<start_of_image>Describe.<end_of_turn>\n<start_of_turn>model\n")
    }

    func testChatML() throws {
        let chatml = ChatTemplate.builtin(forArchitecture: "llama")
        let prompt = try chatml.render(
            messages: messages([("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello"), ("user", "Bye")]),
            addGenerationPrompt: true)
        XCTAssertEqual(
            prompt,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n"
                + "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(try chatml.render(messages: messages([("user", "Hi")]), addGenerationPrompt: false), "<|im_start|>user\nHi<|im_end|>\n")
    }

    func testArchitectureSelection() throws {
        let single = messages([("user", "Hi")])
        for arch in ["gemma3", "gemma2", "gemma", "Gemma3"] {
            let prompt = try ChatTemplate.builtin(forArchitecture: arch).render(messages: single, addGenerationPrompt: true)
            XCTAssertTrue(prompt.hasPrefix("<start_of_turn>user\n"), arch)
        }
        for arch in ["llama", "qwen2", "phi3", ""] {
            let prompt = try ChatTemplate.builtin(forArchitecture: arch).render(messages: single, addGenerationPrompt: true)
            XCTAssertEqual(prompt, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", arch)
        }
    }
}
