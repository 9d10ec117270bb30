/// Attribute, item and slice access. Like Jinja's `getattr`/`getitem`, a miss is never an error: it
/// yields undefined, which then renders as nothing or fails where a value is required.
extension Evaluator {
    /// `value.name`: methods first, then keys (Jinja's `getattr`).
    func attribute(of value: Value, _ name: String) -> Value {
        if name.hasPrefix("_") { return .undefined(hint: "access to attribute '\(name)' is not allowed") }
        switch value {
        case .undefined: return value
        case .object(let dict):
            if Evaluator.dictMethods.contains(name) { return .function(.method(value, name)) }
            return dict[name] ?? .undefined(hint: "'dict object' has no attribute '\(name)'")
        case .namespace(let ns):
            return ns.attributes[name] ?? .undefined(hint: "'Namespace object' has no attribute '\(name)'")
        case .loop(let loop):
            return loop.attribute(name) ?? .undefined(hint: "'LoopContext object' has no attribute '\(name)'")
        case .string:
            if Evaluator.stringMethods.contains(name) { return .function(.method(value, name)) }
        default: break
        }
        return .undefined(hint: "'\(value.typeName) object' has no attribute '\(name)'")
    }

    /// `value[key]`: keys and indexes first, then attributes (Jinja's `getitem`).
    func item(of value: Value, _ key: Value) -> Value {
        switch (value, key) {
        case (.undefined, _): return value
        case (.array(let items), _):
            if let i = key.number, case .int(let index) = i {
                if let resolved = resolveIndex(index, items.count) { return items[resolved] }
                return .undefined(hint: "list object has no element \(index)")
            }
        case (.string(let s), _):
            if let i = key.number, case .int(let index) = i {
                let scalars = Array(s.unicodeScalars)
                if let resolved = resolveIndex(index, scalars.count) { return .string(String(scalars[resolved])) }
                return .undefined(hint: "string index out of range")
            }
        case (.object(let dict), .string(let name)):
            if let found = dict[name] { return found }
        default: break
        }
        if case .string(let name) = key { return attribute(of: value, name) }
        return .undefined(hint: "'\(value.typeName) object' has no element \(key.pyRepr)")
    }

    private func resolveIndex(_ index: Int, _ count: Int) -> Int? {
        let resolved = index < 0 ? index + count : index
        return resolved >= 0 && resolved < count ? resolved : nil
    }

    func slice(_ value: Value, start: Int?, stop: Int?, step: Int?) throws(ChatTemplateError) -> Value {
        switch value {
        case .array(let items):
            return .array(try pySliceIndices(count: items.count, start: start, stop: stop, step: step).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in try pySliceIndices(count: scalars.count, start: start, stop: stop, step: step) { out.append(scalars[i]) }
            return .string(String(out))
        case .undefined: return value
        default:
            throw ChatTemplateError(kind: .type, message: "'\(value.typeName)' object is not subscriptable")
        }
    }
}
