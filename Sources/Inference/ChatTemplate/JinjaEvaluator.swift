/// Executes a parsed template. One evaluator serves one render; it holds the output buffer and the
/// counters that enforce `ChatTemplate.Limits`.
final class Evaluator {
    let limits: ChatTemplate.Limits
    private var output = ""
    /// Bytes written over the whole render, including text later captured by macros or `set` blocks.
    private var writtenBytes = 0
    private var steps = 0
    private var callDepth = 0
    /// Nested `execute`/`evaluate` calls, bounding stack use.
    private var depth = 0
    private var macros: [Macro] = []
    private let started = ContinuousClock.now

    /// How a statement list finished.
    enum Flow {
        case normal, breakLoop, continueLoop
    }

    init(limits: ChatTemplate.Limits) {
        self.limits = limits
    }

    func run(_ body: [Statement], context: [String: JinjaValue]) throws(ChatTemplateError) -> String {
        let root = Scope(parent: nil, variables: context.mapValues(Value.init))
        defer {
            // Macros capture their defining scope, which holds the macros: break the cycle.
            for macro in macros { macro.scope = nil }
        }
        _ = try execute(body, root)
        return output
    }

    // MARK: Limits

    private func step(_ location: SourceLocation) throws(ChatTemplateError) {
        do {
            try charge(1)
        } catch {
            throw error.located(at: location)
        }
    }

    /// Counts `units` of work against `maxSteps`, and checks the clock every 4096 units.
    func charge(_ units: Int) throws(ChatTemplateError) {
        let before = steps
        steps = steps &+ max(units, 0)
        if steps > limits.maxSteps || steps < before {
            throw ChatTemplateError(kind: .limit, message: "execution limit of \(limits.maxSteps) steps exceeded (runaway loop?)")
        }
        if before >> 12 != steps >> 12, ContinuousClock.now - started > limits.maxDuration {
            throw ChatTemplateError(kind: .limit, message: "rendering took longer than \(limits.maxDuration)")
        }
    }

    private func write(_ text: String, _ location: SourceLocation) throws(ChatTemplateError) {
        writtenBytes += text.utf8.count
        if writtenBytes > limits.maxOutputBytes {
            throw ChatTemplateError(.limit, "output exceeds \(limits.maxOutputBytes) bytes", at: location)
        }
        output += text
    }

    /// Throws if a value built by the template is larger or deeper than the limits allow. Depth matters
    /// because printing, comparing and freeing a value recurse through it.
    /// It also charges the work of building the value against `maxSteps`.
    func checkSize(_ value: Value) throws(ChatTemplateError) {
        switch value {
        case .string(let s):
            if s.utf8.count > limits.maxOutputBytes {
                throw ChatTemplateError(kind: .limit, message: "string exceeds \(limits.maxOutputBytes) bytes")
            }
            try charge(s.utf8.count >> 8)
        case .array(let items) where items.count > limits.maxListLength:
            throw ChatTemplateError(kind: .limit, message: "list exceeds \(limits.maxListLength) items")
        case .array, .object:
            if case .array(let items) = value { try charge(items.count) }
            if value.nests(deeperThan: limits.maxNesting) {
                throw ChatTemplateError(kind: .limit, message: "value nests deeper than \(limits.maxNesting) levels")
            }
        default: break
        }
    }

    /// Python `str()` bounded by the output limit.
    func stringify(_ value: Value) throws(ChatTemplateError) -> String {
        switch value {
        case .string(let s): return s
        case .undefined: return ""
        default:
            var out = ""
            guard value.appendRepr(to: &out, limit: limits.maxOutputBytes) else {
                throw ChatTemplateError(kind: .limit, message: "value's text exceeds \(limits.maxOutputBytes) bytes")
            }
            return out
        }
    }

    // MARK: Statements

    private func enter(_ location: SourceLocation) throws(ChatTemplateError) {
        depth += 1
        if depth > limits.maxEvaluationDepth {
            throw ChatTemplateError(
                .limit, "evaluation nests deeper than \(limits.maxEvaluationDepth) levels", at: location)
        }
    }

    private func execute(_ statements: [Statement], _ scope: Scope) throws(ChatTemplateError) -> Flow {
        guard let first = statements.first else { return .normal }
        try enter(first.location)
        defer { depth -= 1 }
        for statement in statements {
            try step(statement.location)
            let flow = try execute(statement, scope)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ statement: Statement, _ scope: Scope) throws(ChatTemplateError) -> Flow {
        switch statement.kind {
        case .text(let text):
            try write(text, statement.location)
        case .output(let expr):
            try executeOutput(expr, scope, statement.location)
        case .conditional(let branches, let otherwise):
            for (condition, body) in branches where try evaluate(condition, scope).truthy {
                return try execute(body, scope)
            }
            return try execute(otherwise, scope)
        case .forLoop(let loop):
            return try executeLoop(loop, scope, statement.location)
        case .set(let target, let expr):
            try assign(target, try evaluate(expr, scope), scope, statement.location)
        case .setBlock(let name, let filters, let body):
            return try executeSetBlock(name, filters, body, scope)
        case .macro(let name, let parameters, let body):
            defineMacro(name, parameters, body, scope)
        case .filterBlock(let filters, let body):
            return try executeFilterBlock(filters, body, scope, statement.location)
        case .with(let assignments, let body):
            return try executeWith(assignments, body, scope)
        case .block(let body):
            return try execute(body, scope)
        case .expression(let expr):
            _ = try evaluate(expr, scope)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    // The statement kinds below live in their own functions so that `execute`'s stack frame, paid at
    // every block nesting level, stays small.

    @inline(never)
    private func executeOutput(_ expr: Expression, _ scope: Scope, _ location: SourceLocation) throws(ChatTemplateError) {
        let value = try evaluate(expr, scope)
        let text: String
        do {
            text = try stringify(value)
        } catch {
            throw error.located(at: location)
        }
        try write(text, location)
    }

    @inline(never)
    private func executeSetBlock(
        _ name: String, _ filters: [FilterCall], _ body: [Statement], _ scope: Scope
    ) throws(ChatTemplateError) -> Flow {
        let (text, flow) = try capture(body, scope)
        scope.set(name, try applyFilters(filters, to: .string(text), scope))
        return flow
    }

    @inline(never)
    private func defineMacro(_ name: String, _ parameters: [MacroParameter], _ body: [Statement], _ scope: Scope) {
        let macro = Macro(name: name, parameters: parameters, body: body, scope: scope)
        macros.append(macro)
        scope.set(name, .function(.macro(macro)))
    }

    @inline(never)
    private func executeFilterBlock(
        _ filters: [FilterCall], _ body: [Statement], _ scope: Scope, _ location: SourceLocation
    ) throws(ChatTemplateError) -> Flow {
        let (text, flow) = try capture(body, scope)
        let value = try applyFilters(filters, to: .string(text), scope)
        try executeOutputValue(value, location)
        return flow
    }

    private func executeOutputValue(_ value: Value, _ location: SourceLocation) throws(ChatTemplateError) {
        let text: String
        do {
            text = try stringify(value)
        } catch {
            throw error.located(at: location)
        }
        try write(text, location)
    }

    @inline(never)
    private func executeWith(
        _ assignments: [(String, Expression)], _ body: [Statement], _ scope: Scope
    ) throws(ChatTemplateError) -> Flow {
        let inner = Scope(parent: scope)
        for (name, expr) in assignments { inner.set(name, try evaluate(expr, scope)) }
        return try execute(body, inner)
    }

    /// Runs `body` with output redirected, returning what it wrote.
    private func capture(_ body: [Statement], _ scope: Scope) throws(ChatTemplateError) -> (String, Flow) {
        let saved = output
        output = ""
        let flow = try execute(body, scope)
        let captured = output
        output = saved
        return (captured, flow)
    }

    private func applyFilters(_ filters: [FilterCall], to value: Value, _ scope: Scope) throws(ChatTemplateError) -> Value {
        var result = value
        for filter in filters {
            let arguments = try evaluateArguments(filter.arguments, scope)
            result = try located(filter.location) { () throws(ChatTemplateError) in
                try applyFilter(filter.name, result, arguments)
            }
        }
        return result
    }

    private func executeLoop(_ loop: ForLoop, _ scope: Scope, _ location: SourceLocation) throws(ChatTemplateError) -> Flow {
        let iterable = try evaluate(loop.iterable, scope)
        var items = try located(loop.iterable.location) { () throws(ChatTemplateError) in try iterate(iterable) }
        if let filter = loop.filter {
            var kept: [Value] = []
            for item in items {
                try step(location)
                let inner = Scope(parent: scope)
                try assign(loop.target, item, inner, location)
                if try evaluate(filter, inner).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            return try execute(loop.otherwise, scope)
        }
        for (index, item) in items.enumerated() {
            try step(location)
            let inner = Scope(parent: scope)
            try assign(loop.target, item, inner, location)
            inner.set("loop", .loop(LoopContext(index0: index, items: items)))
            if try execute(loop.body, inner) == .breakLoop { break }
        }
        return .normal
    }

    /// The elements a `for` loop (or a filter) walks: list items, dict keys, string characters.
    func iterate(_ value: Value) throws(ChatTemplateError) -> [Value] {
        switch value {
        case .array(let items): return items
        case .object(let dict): return dict.keys.map(Value.string)
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw ChatTemplateError(kind: .type, message: "'\(value.typeName)' object is not iterable")
        }
    }

    private func assign(_ target: AssignTarget, _ value: Value, _ scope: Scope, _ location: SourceLocation) throws(ChatTemplateError) {
        switch target {
        case .name(let name):
            scope.set(name, value)
        case .attribute(let object, let attribute):
            guard case .namespace(let ns) = scope.lookup(object) else {
                throw ChatTemplateError(.type, "cannot assign attribute '\(attribute)' on non-namespace object '\(object)'", at: location)
            }
            let previous = ns.attributes[attribute]
            ns.attributes[attribute] = value
            // A namespace stored inside itself would make printing it recurse forever.
            if Value.namespace(ns).nests(deeperThan: limits.maxNesting) {
                ns.attributes[attribute] = previous
                throw ChatTemplateError(.limit, "value nests deeper than \(limits.maxNesting) levels", at: location)
            }
        case .tuple(let targets):
            let items = try located(location) { () throws(ChatTemplateError) in try iterate(value) }
            guard items.count == targets.count else {
                let problem = items.count > targets.count ? "too many" : "not enough"
                throw ChatTemplateError(.type, "\(problem) values to unpack (expected \(targets.count), got \(items.count))", at: location)
            }
            for (t, item) in zip(targets, items) { try assign(t, item, scope, location) }
        }
    }

    // MARK: Macros

    func callMacro(_ macro: Macro, _ arguments: Arguments) throws(ChatTemplateError) -> Value {
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > limits.maxCallDepth {
            throw ChatTemplateError(kind: .limit, message: "macro calls nest deeper than \(limits.maxCallDepth) levels")
        }
        let scope = Scope(parent: macro.scope)
        let parameters = macro.parameters
        var extraPositional: [Value] = []
        for (i, value) in arguments.positional.enumerated() {
            if i < parameters.count { scope.set(parameters[i].name, value) } else { extraPositional.append(value) }
        }
        var extraKeywords = Dict()
        for (name, value) in arguments.keywords {
            if let index = parameters.firstIndex(where: { $0.name == name }) {
                if index < arguments.positional.count {
                    throw ChatTemplateError(kind: .type, message: "macro '\(macro.name)' got multiple values for argument '\(name)'")
                }
                scope.set(name, value)
            } else {
                extraKeywords[name] = value
            }
        }
        for parameter in parameters.dropFirst(arguments.positional.count)
        where !arguments.keywords.contains(where: { $0.0 == parameter.name }) {
            if let defaultValue = parameter.defaultValue {
                scope.set(parameter.name, try evaluate(defaultValue, scope))
            } else {
                scope.set(parameter.name, .undefined(hint: "'\(parameter.name)' is undefined"))
            }
        }
        scope.set("varargs", .array(extraPositional))
        scope.set("kwargs", .object(extraKeywords))
        let (text, _) = try capture(macro.body, scope)
        return .string(text)
    }

    // MARK: Expressions

    /// Gives errors thrown without a location the location of the node being evaluated.
    func located<T>(_ location: SourceLocation, _ body: () throws(ChatTemplateError) -> T) throws(ChatTemplateError) -> T {
        do {
            return try body()
        } catch {
            throw error.located(at: location)
        }
    }

    func evaluate(_ expr: Expression, _ scope: Scope) throws(ChatTemplateError) -> Value {
        try enter(expr.location)
        defer { depth -= 1 }
        do {
            return try evaluateKind(expr, scope)
        } catch {
            throw error.located(at: expr.location)
        }
    }

    private func evaluateKind(_ expr: Expression, _ scope: Scope) throws(ChatTemplateError) -> Value {
        switch expr.kind {
        case .literal(let literal):
            switch literal {
            case .none: return .none
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .double(let d): return .double(d)
            case .string(let s): return .string(s)
            }
        case .name(let name):
            if let value = scope.lookup(name) { return value }
            if Evaluator.globalFunctions.contains(name) { return .function(.builtin(name)) }
            return .undefined(hint: "'\(name)' is undefined")
        case .list(let items), .tuple(let items):
            return try evaluateList(items, scope)
        case .dict(let pairs):
            return try evaluateDict(pairs, scope)
        case .attribute(let object, let name):
            return attribute(of: try evaluate(object, scope), name)
        case .index(let object, let index):
            return item(of: try evaluate(object, scope), try evaluate(index, scope))
        case .slice(let object, let start, let stop, let stepExpr):
            return try evaluateSlice(object, start, stop, stepExpr, scope)
        case .call(let callee, let args):
            let function = try evaluate(callee, scope)
            return try call(function, try evaluateArguments(args, scope))
        case .filter(let subject, let name, let args):
            return try applyFilter(name, try evaluate(subject, scope), try evaluateArguments(args, scope))
        case .test(let subject, let name, let args, let negated):
            let result = try applyTest(name, try evaluate(subject, scope), try evaluateArguments(args, scope))
            return .bool(result != negated)
        case .unary(let op, let operand):
            return try unary(op, try evaluate(operand, scope))
        case .binary(let first, let rest):
            var value = try evaluate(first, scope)
            for (op, rhs) in rest {
                let right = try evaluate(rhs, scope)
                do {
                    value = try binary(op, value, right)
                } catch {
                    throw error.located(at: rhs.location)
                }
            }
            return value
        case .compare(let first, let rest):
            return try evaluateComparison(first, rest, scope)
        case .and(let operands):
            // Python returns the first falsy operand, else the last.
            var value = Value.none
            for operand in operands {
                value = try evaluate(operand, scope)
                if !value.truthy { return value }
            }
            return value
        case .or(let operands):
            var value = Value.none
            for operand in operands {
                value = try evaluate(operand, scope)
                if value.truthy { return value }
            }
            return value
        case .not(let operand):
            return .bool(!(try evaluate(operand, scope).truthy))
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, scope).truthy { return try evaluate(then, scope) }
            guard let otherwise else { return .undefined(hint: "the conditional expression has no 'else' value") }
            return try evaluate(otherwise, scope)
        }
    }

    // Kept out of `evaluateKind` so its stack frame, paid at every nesting level, stays small.
    @inline(never)
    private func evaluateList(_ items: [Expression], _ scope: Scope) throws(ChatTemplateError) -> Value {
        var values: [Value] = []
        values.reserveCapacity(items.count)
        for item in items { values.append(try evaluate(item, scope)) }
        let list = Value.array(values)
        try checkSize(list)
        return list
    }

    @inline(never)
    private func evaluateDict(_ pairs: [(Expression, Expression)], _ scope: Scope) throws(ChatTemplateError) -> Value {
        var dict = Dict()
        for (keyExpr, valueExpr) in pairs {
            guard case .string(let key) = try evaluate(keyExpr, scope) else {
                throw ChatTemplateError(kind: .type, message: "dict keys must be strings")
            }
            dict[key] = try evaluate(valueExpr, scope)
        }
        let object = Value.object(dict)
        try checkSize(object)
        return object
    }

    @inline(never)
    private func evaluateSlice(
        _ object: Expression, _ start: Expression?, _ stop: Expression?, _ stepExpr: Expression?, _ scope: Scope
    ) throws(ChatTemplateError) -> Value {
        let value = try evaluate(object, scope)
        func bound(_ e: Expression?) throws(ChatTemplateError) -> Int? {
            guard let e else { return nil }
            switch try evaluate(e, scope) {
            case .none: return nil
            case .int(let i): return i
            case .bool(let b): return b ? 1 : 0
            case let other:
                throw ChatTemplateError(kind: .type, message: "slice indices must be integers or None, not '\(other.typeName)'")
            }
        }
        return try slice(value, start: try bound(start), stop: try bound(stop), step: try bound(stepExpr))
    }

    /// Python chained comparison: `a < b < c` is `a < b and b < c`, evaluating `b` once.
    @inline(never)
    private func evaluateComparison(
        _ first: Expression, _ rest: [(String, Expression)], _ scope: Scope
    ) throws(ChatTemplateError) -> Value {
        var left = try evaluate(first, scope)
        for (op, rightExpr) in rest {
            let right = try evaluate(rightExpr, scope)
            if !(try compare(op, left, right)) { return .bool(false) }
            left = right
        }
        return .bool(true)
    }

    private func evaluateArguments(_ arguments: CallArguments, _ scope: Scope) throws(ChatTemplateError) -> Arguments {
        var result = Arguments()
        for expr in arguments.positional { result.positional.append(try evaluate(expr, scope)) }
        for (name, expr) in arguments.keywords { result.keywords.append((name, try evaluate(expr, scope))) }
        return result
    }

    func call(_ function: Value, _ arguments: Arguments) throws(ChatTemplateError) -> Value {
        switch function {
        case .function(.builtin(let name)): return try callGlobal(name, arguments)
        case .function(.method(let receiver, let name)): return try callMethod(receiver, name, arguments)
        case .function(.macro(let macro)): return try callMacro(macro, arguments)
        case .undefined(let hint): throw ChatTemplateError(kind: .undefined, message: hint)
        default: throw ChatTemplateError(kind: .type, message: "'\(function.typeName)' object is not callable")
        }
    }
}

/// Evaluated arguments of a call, filter or test.
struct Arguments {
    var positional: [Value] = []
    var keywords: [(String, Value)] = []

    /// The argument at `index` or named `name`, if given.
    func get(_ index: Int, _ name: String) -> Value? {
        if index < positional.count { return positional[index] }
        return keywords.last(where: { $0.0 == name })?.1
    }

    /// Rejects more positional arguments than `names`, and keywords not in `names`.
    func check(_ function: String, _ names: [String]) throws(ChatTemplateError) {
        if positional.count > names.count {
            throw ChatTemplateError(kind: .type, message: "'\(function)' takes at most \(names.count) argument(s), got \(positional.count)")
        }
        for (name, _) in keywords where !names.contains(name) {
            throw ChatTemplateError(kind: .type, message: "'\(function)' got an unexpected keyword argument '\(name)'")
        }
    }
}
