/// One turn of a conversation as the chat template sees it (`message.role`, `message.content`).
public struct ChatMessage: Sendable, Codable, Equatable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A model's chat template (`tokenizer.chat_template`), parsed once and rendered per request the way
/// Hugging Face transformers renders it: Jinja2 with `trim_blocks` and `lstrip_blocks`, its `tojson`
/// (keys in insertion order, non-ASCII kept), `raise_exception` and `strftime_now`.
///
/// Rendering is bounded by `Limits`, so a hostile template fails with a `.limit` error instead of
/// hanging or exhausting memory.
public struct ChatTemplate: Sendable {
    /// Bounds on the work one render may do.
    public struct Limits: Sendable, Equatable {
        /// Units of work: statements executed, loop iterations, and list items or 256-byte blocks of
        /// text produced by operators, filters and functions.
        public var maxSteps: Int
        /// Size of the rendered text and of any single string value, in UTF-8 bytes.
        public var maxOutputBytes: Int
        /// Elements in any single list built by the template.
        public var maxListLength: Int
        /// Depth of nested macro calls.
        public var maxCallDepth: Int
        /// Nesting of blocks and of expressions in the source, and of lists and dicts built by the template.
        public var maxNesting: Int
        /// Nested statement and expression evaluations at run time, across macro calls.
        ///
        /// With `maxNesting` this bounds the stack parsing and rendering use: under 512 KB with the
        /// defaults (measured in release builds), inside both Linux's 8 MB and Darwin's 512 KB threads.
        public var maxEvaluationDepth: Int
        /// Wall-clock time for one render: a backstop for work the step count does not see.
        public var maxDuration: Duration

        public init(
            maxSteps: Int = 5_000_000, maxOutputBytes: Int = 32 << 20, maxListLength: Int = 1_000_000,
            maxCallDepth: Int = 50, maxNesting: Int = 100, maxEvaluationDepth: Int = 300,
            maxDuration: Duration = .seconds(10)
        ) {
            self.maxSteps = maxSteps
            self.maxOutputBytes = maxOutputBytes
            self.maxListLength = maxListLength
            self.maxCallDepth = maxCallDepth
            self.maxNesting = maxNesting
            self.maxEvaluationDepth = maxEvaluationDepth
            self.maxDuration = maxDuration
        }

        public static let `default` = Limits()
    }

    public let source: String
    public let limits: Limits
    private let body: [Statement]

    /// Parses `source`; syntax errors (including unknown filters and tests) carry their line and column.
    public init(source: String, limits: Limits = .default) throws(ChatTemplateError) {
        self.source = source
        self.limits = limits
        self.body = try Parser.parse(source, maxNesting: limits.maxNesting)
    }

    /// Renders a conversation.
    ///
    /// The template sees `messages`, `add_generation_prompt`, `bos_token`, `eos_token`, and `tools` and
    /// `documents` as `none` (as transformers passes them), plus `extra` (e.g. `tools`, `enable_thinking`,
    /// `date_string`); `extra` may override `tools` and `documents` but not the other four.
    public func render(
        messages: [ChatMessage], addGenerationPrompt: Bool, bosToken: String = "", eosToken: String = "",
        extra: [String: JinjaValue] = [:]
    ) throws(ChatTemplateError) -> String {
        var context = extra
        for key in ["tools", "documents"] where context[key] == nil { context[key] = JinjaValue.none }
        context["messages"] = .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] })
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        context["bos_token"] = .string(bosToken)
        context["eos_token"] = .string(eosToken)
        return try render(context: context)
    }

    /// Renders with exactly the given top-level variables, for messages richer than `ChatMessage`
    /// (tool calls, content parts): pass `messages` as an array of objects.
    public func render(context: [String: JinjaValue]) throws(ChatTemplateError) -> String {
        let evaluator = Evaluator(limits: limits)
        return try evaluator.run(body, context: context)
    }
}
