/// The parsed form of a template: statements holding expressions, each with its source location.

/// A literal constant in the source.
enum Literal: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
}

/// Arguments of a call, filter or test: positional then `name=value` keywords.
struct CallArguments: Sendable {
    var positional: [Expression] = []
    var keywords: [(String, Expression)] = []
}

struct Expression: Sendable {
    indirect enum Kind: Sendable {
        case literal(Literal)
        case name(String)
        case list([Expression])
        /// Parenthesised or bare `a, b`; evaluates to a list.
        case tuple([Expression])
        case dict([(Expression, Expression)])
        /// `object.name`
        case attribute(Expression, String)
        /// `object[index]`
        case index(Expression, Expression)
        /// `object[start:stop:step]`
        case slice(Expression, start: Expression?, stop: Expression?, step: Expression?)
        case call(Expression, CallArguments)
        case filter(Expression, name: String, CallArguments)
        case test(Expression, name: String, CallArguments, negated: Bool)
        case unary(String, Expression)
        /// `a + b - c`: a left-associative chain of one precedence level, kept flat so that evaluating a
        /// long chain does not recurse once per operator.
        case binary(Expression, [(String, Expression)])
        /// `a < b < c`: Python chained comparison.
        case compare(Expression, [(String, Expression)])
        /// `a and b and c` (flat, like `binary`).
        case and([Expression])
        case or([Expression])
        case not(Expression)
        /// `then if condition else otherwise` (otherwise absent means undefined).
        case conditional(condition: Expression, then: Expression, otherwise: Expression?)
    }
    var kind: Kind
    var location: SourceLocation
}

/// The left side of `set` or a `for` loop variable list.
enum AssignTarget: Sendable {
    case name(String)
    /// `ns.attr`: assignment to a namespace attribute.
    case attribute(String, String)
    case tuple([AssignTarget])
}

struct MacroParameter: Sendable {
    var name: String
    var defaultValue: Expression?
}

/// One applied filter in a `{% filter %}` block or `{% set x | filter %}`.
struct FilterCall: Sendable {
    var name: String
    var arguments: CallArguments
    var location: SourceLocation
}

struct Statement: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        case output(Expression)
        /// `if`/`elif` branches in order, then the optional `else` body.
        case conditional([(Expression, [Statement])], otherwise: [Statement])
        case forLoop(ForLoop)
        case set(AssignTarget, Expression)
        /// `{% set name %}...{% endset %}`: captures the body's output.
        case setBlock(String, filters: [FilterCall], body: [Statement])
        case macro(name: String, parameters: [MacroParameter], body: [Statement])
        case filterBlock([FilterCall], body: [Statement])
        /// `{% with a = 1 %}...{% endwith %}`: a body in a new scope.
        case with([(String, Expression)], body: [Statement])
        /// A body that runs in the current scope (`{% generation %}`).
        case block([Statement])
        /// `{% do expr %}`: evaluates for side effects.
        case expression(Expression)
        case breakLoop
        case continueLoop
    }
    var kind: Kind
    var location: SourceLocation
}

struct ForLoop: Sendable {
    var target: AssignTarget
    var iterable: Expression
    var filter: Expression?
    var body: [Statement]
    var otherwise: [Statement]
}
