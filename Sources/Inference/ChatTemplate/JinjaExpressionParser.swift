/// Recursive-descent parser for Jinja expressions. Nesting (brackets, unary operators, nested filters)
/// is bounded so a hostile template cannot exhaust the stack.
struct ExpressionParser {
    let maxNesting: Int
    private var depth = 0

    init(maxNesting: Int) {
        self.maxNesting = maxNesting
    }

    private mutating func enter(_ cursor: TokenCursor) throws(ChatTemplateError) {
        depth += 1
        if depth > maxNesting {
            throw ChatTemplateError(.syntax, "expression nests deeper than \(maxNesting) levels", at: cursor.location)
        }
    }

    /// `a, b, c` becomes a tuple; a single expression without a trailing comma stays itself.
    func parseTuple(_ cursor: inout TokenCursor, allowConditional: Bool = true) throws(ChatTemplateError) -> Expression {
        var parser = self
        return try parser.tuple(&cursor, allowConditional: allowConditional, parenthesised: false)
    }

    func parseExpression(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        var parser = self
        return try parser.expression(&cursor)
    }

    /// A `set` or `for` target: `name`, `ns.attr` (set only), or `a, b` / `(a, b)`.
    func parseAssignTarget(_ cursor: inout TokenCursor, allowAttribute: Bool) throws(ChatTemplateError) -> AssignTarget {
        var items: [AssignTarget] = []
        repeat {
            if !items.isEmpty { cursor.advance() }  // the comma
            if cursor.isOp("(") {
                cursor.advance()
                let inner = try parseAssignTarget(&cursor, allowAttribute: false)
                try cursor.expectOp(")")
                items.append(inner)
                continue
            }
            let location = cursor.location
            let name = try cursor.expectName()
            if ["true", "false", "none", "True", "False", "None"].contains(name) {
                throw ChatTemplateError(.syntax, "cannot assign to '\(name)'", at: location)
            }
            if allowAttribute && items.isEmpty && cursor.isOp(".") {
                cursor.advance()
                let attribute = try cursor.expectName()
                return .attribute(name, attribute)
            }
            items.append(.name(name))
        } while cursor.isOp(",")
        return items.count == 1 ? items[0] : .tuple(items)
    }

    /// `|f(args)|g` chains for `{% filter %}` and block `set`.
    func parseFilterChain(_ cursor: inout TokenCursor, leadingPipe: Bool) throws(ChatTemplateError) -> [FilterCall] {
        var parser = self
        var filters: [FilterCall] = []
        if !leadingPipe {
            filters.append(try parser.filterCall(&cursor))
        }
        while cursor.isOp("|") {
            cursor.advance()
            filters.append(try parser.filterCall(&cursor))
        }
        return filters
    }

    private mutating func tuple(
        _ cursor: inout TokenCursor, allowConditional: Bool, parenthesised: Bool
    ) throws(ChatTemplateError) -> Expression {
        let location = cursor.location
        var items: [Expression] = []
        var sawComma = false
        while true {
            if !items.isEmpty {
                guard cursor.isOp(",") else { break }
                cursor.advance()
                sawComma = true
                if cursor.atEnd || cursor.isOp(")") || (cursor.isName("if") && !allowConditional) { break }
            }
            if parenthesised && cursor.isOp(")") { break }
            items.append(allowConditional ? try expression(&cursor) : try or(&cursor))
        }
        if items.count == 1 && !sawComma { return items[0] }
        if items.isEmpty && !parenthesised {
            throw cursor.unexpected(expecting: "an expression")
        }
        return Expression(kind: .tuple(items), location: location)
    }

    private mutating func expression(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        let saved = depth
        defer { depth = saved }
        var node = try or(&cursor)
        while cursor.isName("if") {
            let location = cursor.location
            cursor.advance()
            try enter(cursor)
            let condition = try or(&cursor)
            var otherwise: Expression?
            if cursor.isName("else") {
                cursor.advance()
                otherwise = try expression(&cursor)
            }
            node = Expression(kind: .conditional(condition: condition, then: node, otherwise: otherwise), location: location)
        }
        return node
    }

    private mutating func or(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        let location = cursor.location
        var operands = [try and(&cursor)]
        while cursor.isName("or") {
            cursor.advance()
            operands.append(try and(&cursor))
        }
        return operands.count == 1 ? operands[0] : Expression(kind: .or(operands), location: location)
    }

    private mutating func and(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        let location = cursor.location
        var operands = [try not(&cursor)]
        while cursor.isName("and") {
            cursor.advance()
            operands.append(try not(&cursor))
        }
        return operands.count == 1 ? operands[0] : Expression(kind: .and(operands), location: location)
    }

    private mutating func not(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        if cursor.isName("not") {
            let location = cursor.location
            cursor.advance()
            let saved = depth
            defer { depth = saved }
            try enter(cursor)
            return Expression(kind: .not(try not(&cursor)), location: location)
        }
        return try compare(&cursor)
    }

    private static let comparisonOps: Set<String> = ["==", "!=", "<", ">", "<=", ">="]

    private mutating func compare(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        let location = cursor.location
        let first = try sum(&cursor)
        var rest: [(String, Expression)] = []
        while true {
            if case .op(let op) = cursor.current?.kind, ExpressionParser.comparisonOps.contains(op) {
                cursor.advance()
                rest.append((op, try sum(&cursor)))
            } else if cursor.isName("in") {
                cursor.advance()
                rest.append(("in", try sum(&cursor)))
            } else if cursor.isName("not"), case .name("in") = cursor.tokens[safe: cursor.position + 1]?.kind {
                cursor.advance()
                cursor.advance()
                rest.append(("not in", try sum(&cursor)))
            } else {
                break
            }
        }
        return rest.isEmpty ? first : Expression(kind: .compare(first, rest), location: location)
    }

    private mutating func binaryLevel(
        _ cursor: inout TokenCursor, ops: Set<String>,
        next: (inout ExpressionParser, inout TokenCursor) throws(ChatTemplateError) -> Expression
    ) throws(ChatTemplateError) -> Expression {
        let first = try next(&self, &cursor)
        var rest: [(String, Expression)] = []
        var location = first.location
        while case .op(let op) = cursor.current?.kind, ops.contains(op) {
            if rest.isEmpty { location = cursor.location }
            cursor.advance()
            rest.append((op, try next(&self, &cursor)))
        }
        return rest.isEmpty ? first : Expression(kind: .binary(first, rest), location: location)
    }

    private mutating func sum(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        try binaryLevel(&cursor, ops: ["+", "-"]) { (p: inout ExpressionParser, c: inout TokenCursor) throws(ChatTemplateError) in try p.concat(&c) }
    }

    private mutating func concat(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        try binaryLevel(&cursor, ops: ["~"]) { (p: inout ExpressionParser, c: inout TokenCursor) throws(ChatTemplateError) in try p.product(&c) }
    }

    private mutating func product(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        try binaryLevel(&cursor, ops: ["*", "/", "//", "%"]) { (p: inout ExpressionParser, c: inout TokenCursor) throws(ChatTemplateError) in try p.power(&c) }
    }

    /// `**` is left-associative in Jinja (unlike Python).
    private mutating func power(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        try binaryLevel(&cursor, ops: ["**"]) { (p: inout ExpressionParser, c: inout TokenCursor) throws(ChatTemplateError) in try p.unary(&c, withFilters: true) }
    }

    private mutating func unary(_ cursor: inout TokenCursor, withFilters: Bool) throws(ChatTemplateError) -> Expression {
        let saved = depth
        defer { depth = saved }
        try enter(cursor)
        let location = cursor.location
        var node: Expression
        if cursor.isOp("-") || cursor.isOp("+") {
            let op = cursor.isOp("-") ? "-" : "+"
            cursor.advance()
            node = Expression(kind: .unary(op, try unary(&cursor, withFilters: false)), location: location)
        } else {
            node = try primary(&cursor)
        }
        node = try postfix(&cursor, node)
        if withFilters {
            node = try filtersAndTests(&cursor, node)
        }
        return node
    }

    private mutating func primary(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> Expression {
        guard let token = cursor.current else { throw cursor.unexpected(expecting: "an expression") }
        let location = token.location
        switch token.kind {
        case .name(let name):
            cursor.advance()
            let kind: Expression.Kind
            switch name {
            case "true", "True": kind = .literal(.bool(true))
            case "false", "False": kind = .literal(.bool(false))
            case "none", "None": kind = .literal(.none)
            default: kind = .name(name)
            }
            return Expression(kind: kind, location: location)
        case .string(var text):
            cursor.advance()
            // Adjacent string literals concatenate.
            while case .string(let more) = cursor.current?.kind {
                text += more
                cursor.advance()
            }
            return Expression(kind: .literal(.string(text)), location: location)
        case .int(let value):
            cursor.advance()
            return Expression(kind: .literal(.int(value)), location: location)
        case .double(let value):
            cursor.advance()
            return Expression(kind: .literal(.double(value)), location: location)
        case .op("("):
            cursor.advance()
            let inner = try tuple(&cursor, allowConditional: true, parenthesised: true)
            try cursor.expectOp(")")
            return inner
        case .op("["):
            cursor.advance()
            var items: [Expression] = []
            while !cursor.isOp("]") {
                if !items.isEmpty {
                    try cursor.expectOp(",")
                    if cursor.isOp("]") { break }
                }
                items.append(try expression(&cursor))
            }
            cursor.advance()
            return Expression(kind: .list(items), location: location)
        case .op("{"):
            cursor.advance()
            var pairs: [(Expression, Expression)] = []
            while !cursor.isOp("}") {
                if !pairs.isEmpty {
                    try cursor.expectOp(",")
                    if cursor.isOp("}") { break }
                }
                let key = try expression(&cursor)
                try cursor.expectOp(":")
                pairs.append((key, try expression(&cursor)))
            }
            cursor.advance()
            return Expression(kind: .dict(pairs), location: location)
        default:
            throw cursor.unexpected(expecting: "an expression")
        }
    }

    private mutating func postfix(_ cursor: inout TokenCursor, _ start: Expression) throws(ChatTemplateError) -> Expression {
        var node = start
        while true {
            let location = cursor.location
            if cursor.isOp(".") {
                cursor.advance()
                switch cursor.current?.kind {
                case .name(let name):
                    cursor.advance()
                    node = Expression(kind: .attribute(node, name), location: location)
                case .int(let index):
                    cursor.advance()
                    node = Expression(kind: .index(node, Expression(kind: .literal(.int(index)), location: location)), location: location)
                default:
                    throw cursor.unexpected(expecting: "an attribute name")
                }
            } else if cursor.isOp("[") {
                cursor.advance()
                node = try subscripted(&cursor, node, location)
                try cursor.expectOp("]")
            } else if cursor.isOp("(") {
                // A call is reported where its callee starts, e.g. at `raise_exception`.
                node = Expression(kind: .call(node, try callArguments(&cursor)), location: node.location)
            } else {
                return node
            }
            try enter(cursor)
        }
    }

    private mutating func subscripted(
        _ cursor: inout TokenCursor, _ object: Expression, _ location: SourceLocation
    ) throws(ChatTemplateError) -> Expression {
        var start: Expression?
        if !cursor.isOp(":") {
            let index = try expression(&cursor)
            if !cursor.isOp(":") {
                return Expression(kind: .index(object, index), location: location)
            }
            start = index
        }
        cursor.advance()  // the first ':'
        var stop: Expression?
        if !cursor.isOp(":") && !cursor.isOp("]") {
            stop = try expression(&cursor)
        }
        var step: Expression?
        if cursor.isOp(":") {
            cursor.advance()
            if !cursor.isOp("]") { step = try expression(&cursor) }
        }
        return Expression(kind: .slice(object, start: start, stop: stop, step: step), location: location)
    }

    private mutating func callArguments(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> CallArguments {
        try cursor.expectOp("(")
        var arguments = CallArguments()
        var first = true
        while !cursor.isOp(")") {
            if !first {
                try cursor.expectOp(",")
                if cursor.isOp(")") { break }
            }
            first = false
            if cursor.isOp("*") || cursor.isOp("**") {
                throw ChatTemplateError(.syntax, "'*' and '**' arguments are not supported", at: cursor.location)
            }
            if case .name(let name) = cursor.current?.kind, case .op("=") = cursor.tokens[safe: cursor.position + 1]?.kind {
                cursor.advance()
                cursor.advance()
                arguments.keywords.append((name, try expression(&cursor)))
            } else {
                if !arguments.keywords.isEmpty {
                    throw ChatTemplateError(.syntax, "positional argument follows keyword argument", at: cursor.location)
                }
                arguments.positional.append(try expression(&cursor))
            }
        }
        cursor.advance()
        return arguments
    }

    private mutating func filterCall(_ cursor: inout TokenCursor) throws(ChatTemplateError) -> FilterCall {
        let location = cursor.location
        var name = try cursor.expectName()
        while cursor.isOp(".") {
            cursor.advance()
            name += "." + (try cursor.expectName())
        }
        guard Filters.names.contains(name) else {
            throw ChatTemplateError(
                .syntax, "unknown filter '\(name)'; supported filters: " + Filters.names.sorted().joined(separator: ", "),
                at: location)
        }
        let arguments = cursor.isOp("(") ? try callArguments(&cursor) : CallArguments()
        return FilterCall(name: name, arguments: arguments, location: location)
    }

    private mutating func filtersAndTests(_ cursor: inout TokenCursor, _ start: Expression) throws(ChatTemplateError) -> Expression {
        var node = start
        while true {
            if cursor.isOp("|") {
                cursor.advance()
                let filter = try filterCall(&cursor)
                node = Expression(kind: .filter(node, name: filter.name, filter.arguments), location: filter.location)
            } else if cursor.isName("is") {
                cursor.advance()
                node = try test(&cursor, node)
            } else if cursor.isOp("(") {
                node = Expression(kind: .call(node, try callArguments(&cursor)), location: node.location)
            } else {
                return node
            }
            try enter(cursor)
        }
    }

    private mutating func test(_ cursor: inout TokenCursor, _ subject: Expression) throws(ChatTemplateError) -> Expression {
        var negated = false
        if cursor.isName("not") {
            cursor.advance()
            negated = true
        }
        let location = cursor.location
        var name: String
        switch cursor.current?.kind {
        case .name(let n): name = n
        case .op(let op) where ["==", "!=", "<", ">", "<=", ">="].contains(op): name = op
        default: throw cursor.unexpected(expecting: "a test name")
        }
        cursor.advance()
        while cursor.isOp(".") {
            cursor.advance()
            name += "." + (try cursor.expectName())
        }
        guard IsTests.names.contains(name) else {
            throw ChatTemplateError(
                .syntax, "unknown test '\(name)'; supported tests: " + IsTests.names.sorted().joined(separator: ", "),
                at: location)
        }
        var arguments = CallArguments()
        if cursor.isOp("(") {
            arguments = try callArguments(&cursor)
        } else if let token = cursor.current, startsBareTestArgument(token.kind) {
            if cursor.isName("is") {
                throw ChatTemplateError(.syntax, "tests cannot be chained with 'is'", at: token.location)
            }
            let argument = try postfix(&cursor, try primary(&cursor))
            arguments.positional = [argument]
        }
        return Expression(kind: .test(subject, name: name, arguments, negated: negated), location: location)
    }

    /// Jinja allows one argument without parentheses: `x is divisibleby 3`, `x is sameas none`.
    private func startsBareTestArgument(_ kind: Token.Kind) -> Bool {
        switch kind {
        case .name(let n): return !["else", "or", "and", "if", "in", "not"].contains(n)
        case .string, .int, .double: return true
        case .op(let op): return op == "[" || op == "{"
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        index >= 0 && index < count ? self[index] : nil
    }
}
