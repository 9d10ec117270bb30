/// The evaluator's value model: `JinjaValue` plus the kinds that only exist while a template runs
/// (namespaces, which are shared references, and callables).
enum Value {
    /// Why the value is undefined, for the message when it is used where a value is required.
    case undefined(hint: String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(Dict)
    case namespace(Namespace)
    case function(Function)
    /// The `loop` variable of a `for` loop.
    case loop(LoopContext)

    static var missing: Value { .undefined(hint: "value is undefined") }

    init(_ value: JinjaValue) {
        switch value {
        case .undefined: self = .missing
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map(Value.init))
        case .object(let storage, let keys):
            var dict = Dict()
            for key in JinjaValue.orderedKeys(storage, keys) {
                if let item = storage[key] { dict[key] = Value(item) }
            }
            self = .object(dict)
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let items): return !items.isEmpty
        case .object(let dict): return dict.count > 0
        case .namespace, .function, .loop: return true
        }
    }

    /// The Python type name, as used in Jinja's error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        case .loop: return "LoopContext"
        }
    }

    /// The number value of ints, floats and bools (Python treats `True` as 1).
    var number: Number? {
        switch self {
        case .int(let i): return .int(i)
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d): return .double(d)
        default: return nil
        }
    }

    /// Whether lists and dicts nest more than `limit` levels; stops as soon as the answer is known.
    func nests(deeperThan limit: Int) -> Bool {
        if limit < 0 { return true }
        switch self {
        case .array(let items): return items.contains { $0.nests(deeperThan: limit - 1) }
        case .object(let dict): return dict.values.contains { $0.nests(deeperThan: limit - 1) }
        case .namespace(let ns): return Value.object(ns.attributes).nests(deeperThan: limit - 1)
        default: return false
        }
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// A numeric operand after Python's bool-to-int promotion.
enum Number {
    case int(Int)
    case double(Double)

    var asDouble: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }
}

/// An insertion-ordered string-keyed mapping (Python dict semantics for the cases templates use).
struct Dict {
    private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    init() {}

    init(_ pairs: [(String, Value)]) {
        for (key, value) in pairs { self[key] = value }
    }

    var count: Int { keys.count }

    subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var values: [Value] { keys.map { storage[$0] ?? .none } }
    var pairs: [(String, Value)] { keys.map { ($0, storage[$0] ?? .none) } }
}

/// The state behind `loop.index`, `loop.first` etc., computed on access rather than stored per iteration.
struct LoopContext {
    let index0: Int
    let items: [Value]

    func attribute(_ name: String) -> Value? {
        let count = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(count - index0)
        case "revindex0": return .int(count - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == count - 1)
        case "length": return .int(count)
        case "depth": return .int(1)
        case "depth0": return .int(0)
        case "previtem": return index0 > 0 ? items[index0 - 1] : nil
        case "nextitem": return index0 + 1 < count ? items[index0 + 1] : nil
        case "cycle": return .function(.method(.int(index0), "loop.cycle"))
        default: return nil
        }
    }
}

/// `namespace(...)`: the one mutable object templates have, shared by reference so that assignments
/// inside loops stay visible after them.
final class Namespace {
    var attributes: Dict
    init(_ attributes: Dict) { self.attributes = attributes }
}

/// Something a template can call.
enum Function {
    /// A global function: `range`, `namespace`, `raise_exception`, `strftime_now`, `dict`.
    case builtin(String)
    /// A method bound to its receiver, e.g. `'a b'.split` or `message.get`.
    indirect case method(Value, String)
    /// A `{% macro %}` definition.
    case macro(Macro)

    var name: String {
        switch self {
        case .builtin(let name), .method(_, let name): return name
        case .macro(let macro): return macro.name
        }
    }
}

/// A macro and the scope it was defined in; the scope is released when rendering ends to break the
/// cycle scope -> macro -> scope.
final class Macro {
    let name: String
    let parameters: [MacroParameter]
    let body: [Statement]
    var scope: Scope?

    init(name: String, parameters: [MacroParameter], body: [Statement], scope: Scope) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.scope = scope
    }
}

/// Variables visible at one level of the template: the top level, a loop iteration, a macro call.
final class Scope {
    private var variables: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope?, variables: [String: Value] = [:]) {
        self.parent = parent
        self.variables = variables
    }

    func lookup(_ name: String) -> Value? {
        var scope: Scope? = self
        while let current = scope {
            if let value = current.variables[name] { return value }
            scope = current.parent
        }
        return nil
    }

    func set(_ name: String, _ value: Value) { variables[name] = value }
}
