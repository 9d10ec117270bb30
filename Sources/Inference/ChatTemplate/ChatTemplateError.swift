/// Why a chat template could not be parsed or rendered.
///
/// Every error carries the 1-based line and column in the template source where it arose, when known.
/// Messages raised by the template itself (`raise_exception('...')`) keep their exact text in `message`
/// so a server can pass them on to the client unchanged.
public struct ChatTemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The broad class of failure.
    public enum Kind: String, Sendable, Equatable {
        /// The template text is not valid (unknown tag, filter or test, malformed expression).
        case syntax
        /// The template called `raise_exception(message)`.
        case raised
        /// An undefined variable was used where a value is required (arithmetic, call, JSON).
        case undefined
        /// An operation was applied to a value of the wrong type, or a value was out of range.
        case type
        /// Rendering exceeded an execution, recursion or output-size limit.
        case limit
        /// A JSON document given to `JinjaValue.parseJSON` is malformed.
        case json
    }

    public var kind: Kind
    public var message: String
    /// 1-based line in the template source, if the error is tied to a place in it.
    public var line: Int?
    /// 1-based column (in Unicode scalars) in the template source.
    public var column: Int?

    public init(kind: Kind, message: String, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    init(_ kind: Kind, _ message: String, at location: SourceLocation?) {
        self.init(kind: kind, message: message, line: location?.line, column: location?.column)
    }

    /// This error with `location` filled in if it had none.
    func located(at location: SourceLocation) -> ChatTemplateError {
        guard line == nil else { return self }
        var copy = self
        copy.line = location.line
        copy.column = location.column
        return copy
    }

    public var description: String {
        let place = line.map { l in " at \(l):\(column ?? 0)" } ?? ""
        switch kind {
        case .raised: return "chat template raised an exception\(place): \(message)"
        case .syntax: return "chat template syntax error\(place): \(message)"
        case .limit: return "chat template exceeded a limit\(place): \(message)"
        case .json: return "invalid JSON value\(place): \(message)"
        case .undefined, .type: return "chat template error\(place): \(message)"
        }
    }
}

/// A place in the template source: 1-based line and column (in Unicode scalars).
struct SourceLocation: Sendable, Equatable {
    var line: Int
    var column: Int
    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
