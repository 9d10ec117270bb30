/// Builds the statement tree from lexed segments, with Jinja's grammar and operator precedence
/// (lowest first): conditional, `or`, `and`, `not`, comparisons and `in`, `+ -`, `~`, `* / // %`, `**`,
/// unary `- +`, then postfix (`.x`, `[i]`, `(args)`) and filter/test chains (`|f`, `is t`).

struct Parser {
    private let segments: [Segment]
    private var index = 0
    private let maxNesting: Int
    private var blockDepth = 0
    private var loopDepth = 0

    static func parse(_ source: String, maxNesting: Int) throws(ChatTemplateError) -> [Statement] {
        var parser = Parser(segments: try Lexer.tokenize(source), maxNesting: maxNesting)
        let (body, end) = try parser.parseBody(until: [], opener: nil)
        if let end {
            throw ChatTemplateError(.syntax, "unexpected '{% \(end.name) %}'", at: end.location)
        }
        return body
    }

    private init(segments: [Segment], maxNesting: Int) {
        self.segments = segments
        self.maxNesting = maxNesting
    }

    /// The tag that ended a body, with the rest of its tokens.
    private struct EndTag {
        var name: String
        var cursor: TokenCursor
        var location: SourceLocation
    }

    static let supportedTags = [
        "break", "continue", "do", "filter", "for", "generation", "if", "macro", "raw", "set", "with",
    ]

    /// Parses statements until a `{% name %}` tag with a name in `ends` (returned), or the end of input.
    private mutating func parseBody(
        until ends: Set<String>, opener: (name: String, location: SourceLocation)?
    ) throws(ChatTemplateError) -> ([Statement], EndTag?) {
        var body: [Statement] = []
        while index < segments.count {
            let segment = segments[index]
            index += 1
            switch segment {
            case .text(let text, let loc):
                body.append(Statement(kind: .text(text), location: loc))
            case .output(let tokens, let loc):
                var cursor = TokenCursor(tokens: tokens, tagLocation: loc)
                let expr = try ExpressionParser(maxNesting: maxNesting).parseTuple(&cursor)
                try cursor.expectEnd()
                body.append(Statement(kind: .output(expr), location: loc))
            case .statement(let tokens, let loc):
                var cursor = TokenCursor(tokens: tokens, tagLocation: loc)
                let name = try cursor.expectName()
                if ends.contains(name) {
                    return (body, EndTag(name: name, cursor: cursor, location: loc))
                }
                if let statement = try parseStatement(name, &cursor, loc) {
                    body.append(statement)
                } else {
                    let expected = ends.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    var message = "unknown tag '\(name)'"
                    if let opener {
                        message += "; expected \(expected) to close the '\(opener.name)' opened at \(opener.location.line):\(opener.location.column)"
                    } else if name.hasPrefix("end") || name == "else" || name == "elif" {
                        message = "unexpected '\(name)' with no open block"
                    } else {
                        message += "; supported tags: " + Parser.supportedTags.joined(separator: ", ")
                    }
                    throw ChatTemplateError(.syntax, message, at: loc)
                }
            }
        }
        if let opener {
            let expected = ends.sorted().map { "'{% \($0) %}'" }.joined(separator: " or ")
            throw ChatTemplateError(
                .syntax,
                "unexpected end of template: the '\(opener.name)' block opened here needs \(expected)",
                at: opener.location)
        }
        return (body, nil)
    }

    /// Parses a nested body and checks its end tag has no trailing tokens.
    private mutating func nested(
        _ name: String, _ loc: SourceLocation, until ends: Set<String>
    ) throws(ChatTemplateError) -> ([Statement], EndTag) {
        blockDepth += 1
        defer { blockDepth -= 1 }
        if blockDepth > maxNesting {
            throw ChatTemplateError(.syntax, "blocks nest deeper than \(maxNesting) levels", at: loc)
        }
        let (body, end) = try parseBody(until: ends, opener: (name, loc))
        guard let end else {
            throw ChatTemplateError(.syntax, "unterminated '\(name)' block", at: loc)
        }
        return (body, end)
    }

    private mutating func parseStatement(
        _ name: String, _ cursor: inout TokenCursor, _ loc: SourceLocation
    ) throws(ChatTemplateError) -> Statement? {
        let expressions = ExpressionParser(maxNesting: maxNesting)
        let kind: Statement.Kind
        switch name {
        case "if":
            var branches: [(Expression, [Statement])] = []
            var condition = try expressions.parseExpression(&cursor)
            try cursor.expectEnd()
            var otherwise: [Statement] = []
            while true {
                var (body, end) = try nested("if", loc, until: ["elif", "else", "endif"])
                branches.append((condition, body))
                if end.name == "elif" {
                    condition = try expressions.parseExpression(&end.cursor)
                    try end.cursor.expectEnd()
                    continue
                }
                try end.cursor.expectEnd()
                if end.name == "else" {
                    let (elseBody, last) = try nested("if", loc, until: ["endif"])
                    try last.cursor.expectEnd()
                    otherwise = elseBody
                }
                break
            }
            kind = .conditional(branches, otherwise: otherwise)
        case "for":
            let target = try expressions.parseAssignTarget(&cursor, allowAttribute: false)
            try cursor.expectName("in")
            let iterable = try expressions.parseTuple(&cursor, allowConditional: false)
            var filter: Expression?
            if cursor.isName("if") {
                cursor.advance()
                filter = try expressions.parseExpression(&cursor)
            }
            if cursor.isName("recursive") {
                throw ChatTemplateError(.syntax, "recursive for loops are not supported", at: cursor.location)
            }
            try cursor.expectEnd()
            loopDepth += 1
            let (body, end) = try nested("for", loc, until: ["else", "endfor"])
            loopDepth -= 1
            try end.cursor.expectEnd()
            var otherwise: [Statement] = []
            if end.name == "else" {
                let (elseBody, last) = try nested("for", loc, until: ["endfor"])
                try last.cursor.expectEnd()
                otherwise = elseBody
            }
            kind = .forLoop(ForLoop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise))
        case "set":
            let target = try expressions.parseAssignTarget(&cursor, allowAttribute: true)
            if cursor.isOp("=") {
                cursor.advance()
                let value = try expressions.parseTuple(&cursor)
                try cursor.expectEnd()
                kind = .set(target, value)
            } else {
                guard case .name(let variable) = target else {
                    throw ChatTemplateError(.syntax, "a block 'set' needs a single variable name", at: loc)
                }
                let filters = try expressions.parseFilterChain(&cursor, leadingPipe: true)
                try cursor.expectEnd()
                let (body, end) = try nested("set", loc, until: ["endset"])
                try end.cursor.expectEnd()
                kind = .setBlock(variable, filters: filters, body: body)
            }
        case "macro":
            let macroName = try cursor.expectName()
            try cursor.expectOp("(")
            var parameters: [MacroParameter] = []
            while !cursor.isOp(")") {
                if !parameters.isEmpty { try cursor.expectOp(",") }
                if cursor.isOp(")") { break }
                let parameter = try cursor.expectName()
                var defaultValue: Expression?
                if cursor.isOp("=") {
                    cursor.advance()
                    defaultValue = try expressions.parseExpression(&cursor)
                } else if parameters.contains(where: { $0.defaultValue != nil }) {
                    throw ChatTemplateError(.syntax, "non-default argument follows default argument", at: cursor.location)
                }
                parameters.append(MacroParameter(name: parameter, defaultValue: defaultValue))
            }
            try cursor.expectOp(")")
            try cursor.expectEnd()
            let savedLoops = loopDepth
            loopDepth = 0
            let (body, end) = try nested("macro", loc, until: ["endmacro"])
            loopDepth = savedLoops
            try end.cursor.expectEnd()
            kind = .macro(name: macroName, parameters: parameters, body: body)
        case "filter":
            let filters = try expressions.parseFilterChain(&cursor, leadingPipe: false)
            try cursor.expectEnd()
            let (body, end) = try nested("filter", loc, until: ["endfilter"])
            try end.cursor.expectEnd()
            kind = .filterBlock(filters, body: body)
        case "with":
            var assignments: [(String, Expression)] = []
            while !cursor.atEnd {
                if !assignments.isEmpty { try cursor.expectOp(",") }
                let variable = try cursor.expectName()
                try cursor.expectOp("=")
                assignments.append((variable, try expressions.parseExpression(&cursor)))
            }
            let (body, end) = try nested("with", loc, until: ["endwith"])
            try end.cursor.expectEnd()
            kind = .with(assignments, body: body)
        case "generation":
            try cursor.expectEnd()
            let (body, end) = try nested("generation", loc, until: ["endgeneration"])
            try end.cursor.expectEnd()
            kind = .block(body)
        case "do":
            let expr = try expressions.parseTuple(&cursor)
            try cursor.expectEnd()
            kind = .expression(expr)
        case "break", "continue":
            try cursor.expectEnd()
            if loopDepth == 0 {
                throw ChatTemplateError(.syntax, "'\(name)' outside of a for loop", at: loc)
            }
            kind = name == "break" ? .breakLoop : .continueLoop
        default:
            return nil
        }
        return Statement(kind: kind, location: loc)
    }
}

/// Reads the tokens of one tag.
struct TokenCursor {
    let tokens: [Token]
    let tagLocation: SourceLocation
    var position = 0

    init(tokens: [Token], tagLocation: SourceLocation) {
        self.tokens = tokens
        self.tagLocation = tagLocation
    }

    var atEnd: Bool { position >= tokens.count }
    var current: Token? { atEnd ? nil : tokens[position] }
    /// Where the current token is, or the last token if at the end.
    var location: SourceLocation { current?.location ?? tokens.last?.location ?? tagLocation }

    mutating func advance() { position += 1 }

    func isOp(_ op: String) -> Bool {
        if case .op(let o) = current?.kind { return o == op }
        return false
    }

    func isName(_ name: String) -> Bool {
        if case .name(let n) = current?.kind { return n == name }
        return false
    }

    mutating func expectOp(_ op: String) throws(ChatTemplateError) {
        guard isOp(op) else { throw unexpected(expecting: "'\(op)'") }
        advance()
    }

    mutating func expectName(_ name: String) throws(ChatTemplateError) {
        guard isName(name) else { throw unexpected(expecting: "'\(name)'") }
        advance()
    }

    mutating func expectName() throws(ChatTemplateError) -> String {
        guard case .name(let n) = current?.kind else { throw unexpected(expecting: "a name") }
        advance()
        return n
    }

    func expectEnd() throws(ChatTemplateError) {
        if !atEnd { throw unexpected(expecting: "end of tag") }
    }

    func unexpected(expecting what: String) -> ChatTemplateError {
        guard let token = current else {
            return ChatTemplateError(.syntax, "unexpected end of tag, expected \(what)", at: location)
        }
        return ChatTemplateError(.syntax, "unexpected \(TokenCursor.describe(token.kind)), expected \(what)", at: token.location)
    }

    static func describe(_ kind: Token.Kind) -> String {
        switch kind {
        case .name(let n): return "'\(n)'"
        case .string(let s): return "string \(Value.pyStringRepr(s))"
        case .int(let i): return "number \(i)"
        case .double(let d): return "number \(d)"
        case .op(let o): return "'\(o)'"
        }
    }
}
