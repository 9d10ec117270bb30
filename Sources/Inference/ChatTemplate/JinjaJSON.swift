/// `tojson` output matching Python's `json.dumps`, which transformers' `tojson` filter calls.

/// Options of Python `json.dumps` that templates pass through `tojson`.
struct JSONOptions {
    /// Indentation per level; nil prints on one line.
    var indent: String?
    /// nil: Python's default, ", " on one line and "," when indenting.
    var itemSeparator: String?
    var keySeparator = ": "
    var ensureASCII = false
    var sortKeys = false
}

extension Evaluator {
    func toJSON(_ value: Value, _ options: JSONOptions) throws(ChatTemplateError) -> String {
        var out = ""
        try appendJSON(value, options, level: 0, to: &out)
        return out
    }

    private func appendJSON(_ value: Value, _ options: JSONOptions, level: Int, to out: inout String) throws(ChatTemplateError) {
        if out.utf8.count > limits.maxOutputBytes {
            throw ChatTemplateError(kind: .limit, message: "JSON text exceeds \(limits.maxOutputBytes) bytes")
        }
        if level > limits.maxNesting * 4 {
            throw ChatTemplateError(kind: .limit, message: "value nests too deeply for tojson")
        }
        switch value {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else { out += d.description }
        case .string(let s): appendJSONString(s, ensureASCII: options.ensureASCII, to: &out)
        case .array(let items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += separator(options) }
                newline(options, level + 1, &out)
                try appendJSON(item, options, level: level + 1, to: &out)
            }
            newline(options, level, &out)
            out += "]"
        case .object(let dict):
            try appendJSONObject(dict.pairs, options, level: level, to: &out)
        case .namespace(let ns):
            try appendJSONObject(ns.attributes.pairs, options, level: level, to: &out)
        case .undefined, .function, .loop:
            throw ChatTemplateError(kind: .type, message: "Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private func appendJSONObject(
        _ pairs: [(String, Value)], _ options: JSONOptions, level: Int, to out: inout String
    ) throws(ChatTemplateError) {
        guard !pairs.isEmpty else {
            out += "{}"
            return
        }
        let ordered = options.sortKeys ? pairs.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) } : pairs
        out += "{"
        for (i, (key, item)) in ordered.enumerated() {
            if i > 0 { out += separator(options) }
            newline(options, level + 1, &out)
            appendJSONString(key, ensureASCII: options.ensureASCII, to: &out)
            out += options.keySeparator
            try appendJSON(item, options, level: level + 1, to: &out)
        }
        newline(options, level, &out)
        out += "}"
    }

    private func separator(_ options: JSONOptions) -> String {
        options.itemSeparator ?? (options.indent == nil ? ", " : ",")
    }

    private func newline(_ options: JSONOptions, _ level: Int, _ out: inout String) {
        guard let indent = options.indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }
}

func appendJSONString(_ s: String, ensureASCII: Bool, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                out += "\\u" + Value.hex(scalar.value, width: 4)
            } else if ensureASCII && scalar.value > 0x7E {
                for unit in String(scalar).utf16 { out += "\\u" + Value.hex(UInt32(unit), width: 4) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out += "\""
}
