/// GBNF building blocks shared by JSON mode and the schema compiler.
///
/// Whitespace between JSON tokens is bounded (`ws`: nothing, one space, or a newline and at most 20
/// blanks of indentation), and integer, fraction and exponent digits are capped, so that a model cannot
/// loop forever on spaces or digits inside the grammar.
enum JSONGrammarRules {
    /// Rule name -> body of the primitive rules, in dependency order.
    static let primitives: [(String, String)] = [
        ("ws", #"| " " | "\n" [ \t]{0,20}"#),
        ("char", #"[^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )"#),
        ("string", #""\"" char* "\"""#),
        ("integer", #""-"? ( "0" | [1-9] [0-9]{0,15} )"#),
        ("number", #""-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?"#),
        ("boolean", #""true" | "false""#),
        ("null", #""null""#),
        ("value", "object | array | string | number | boolean | null"),
        ("object", #""{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* ws )? "}""#),
        ("array", #""[" ws ( value ( ws "," ws value )* ws )? "]""#),
        ("date", #"[0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [1-2] [0-9] | "3" [0-1] )"#),
        ("time", #"( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,6} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )"#),
        ("date-time", #"date "T" time"#),
        ("uuid", #"[0-9a-f]{8} "-" [0-9a-f]{4} "-" [0-9a-f]{4} "-" [0-9a-f]{4} "-" [0-9a-f]{12}"#),
        ("email", #"[a-zA-Z0-9._%+-]{1,64} "@" [a-zA-Z0-9-]{1,63} ( "." [a-zA-Z0-9-]{1,63} ){0,3} "." [a-zA-Z]{2,12}"#),
    ]

    /// Rules each primitive refers to.
    static let dependencies: [String: [String]] = [
        "string": ["char"], "value": ["object", "array", "string", "number", "boolean", "null"],
        "object": ["ws", "string", "value"], "array": ["ws", "value"], "date-time": ["date", "time"],
    ]

    /// The GBNF of JSON mode: any JSON object (OpenAI's `json_object` asks for an object at the top).
    static var jsonObjectGBNF: String {
        "root ::= object\n" + primitives.filter { !["date", "time", "date-time", "uuid", "email"].contains($0.0) }
            .map { "\($0.0) ::= \($0.1)" }.joined(separator: "\n") + "\n"
    }

    /// `text` as a GBNF string literal.
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `text` as JSON string literal (with quotes).
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
