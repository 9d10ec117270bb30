/// One message of a chat completion request.
public struct ChatMessage: Sendable, Equatable {
    /// Who wrote the message. Tool messages are not accepted: tool calling is not supported.
    public enum Role: String, Sendable, Equatable, CaseIterable {
        case system, user, assistant, developer
    }

    /// Message content: a plain string or a list of text parts (other part types are rejected).
    public enum Content: Sendable, Equatable {
        case text(String)
        case parts([String])

        /// The content as one string; text parts are joined with a newline, as vLLM does.
        public var text: String {
            switch self {
            case .text(let text): return text
            case .parts(let parts): return parts.joined(separator: "\n")
            }
        }
    }

    /// Who wrote the message.
    public var role: Role
    /// The message text.
    public var content: Content
    /// Optional participant name.
    public var name: String?

    /// Creates a message.
    public init(role: Role, content: Content, name: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
    }
}
