import Foundation
import Inference
import XCTest

/// GBNF parsing and matching against hand-checked sentences.
final class GrammarTests: XCTestCase {
    private func syntaxError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try Grammar(gbnf: text)
            XCTFail("expected a syntax error for \(text.debugDescription)", file: file, line: line)
            return ""
        } catch {
            XCTAssertEqual(error.kind, .syntax, file: file, line: line)
            return error.message
        }
    }

    func testParseErrorsAreTypedAndName() {
        XCTAssertTrue(syntaxError("root ::= item\n").contains("undefined rule 'item'"))
        XCTAssertTrue(syntaxError("root = \"a\"\n").contains("'::='"))
        XCTAssertTrue(syntaxError("root ::= \"abc\n").contains("unterminated string"))
        XCTAssertTrue(syntaxError("root ::= [a-z\n").contains("unterminated character class"))
        XCTAssertTrue(syntaxError("root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\"\n").contains("left-recursive"))
        XCTAssertTrue(syntaxError("item ::= \"a\"\n").contains("no 'root' rule"))
        XCTAssertTrue(syntaxError("root ::= \"a\"{3,1}\n").contains("repetition bounds"))
        XCTAssertTrue(syntaxError("root ::= \"a\"{99999}\n").contains("repetition counts above"))
        XCTAssertTrue(syntaxError("root ::= \"a\"\nroot ::= \"b\"\n").contains("defined twice"))
        XCTAssertTrue(syntaxError("root ::= ( \"a\" \n").contains("expected ')'"))
        XCTAssertTrue(syntaxError("root ::= [z-a]\n").contains("reversed"))
        XCTAssertTrue(syntaxError("root ::= \"\\x4\"\n").contains("hex digits"))
        XCTAssertTrue(syntaxError("root ::= *\n").contains("line 1"))
        // Left recursion through a nullable prefix is found too.
        XCTAssertTrue(syntaxError("root ::= opt root \"x\" | \"y\"\nopt ::= \"a\"?\n").contains("left-recursive"))
    }

    func testMatchesKnownSentences() throws {
        let g = try Grammar(gbnf: """
            # a comment
            root ::= greeting ( ", " name )? "!"{1,3}
            greeting ::= "hi" | "hello"
            name ::= [A-Z] [a-z]* | "\\u00e9t\\xE9"   # unicode escapes
            """)
        for good in ["hi!", "hello!!!", "hi, Ann!", "hello, Z!!", "hi, été!"] {
            XCTAssertTrue(g.matches(good), good)
        }
        for bad in ["hi", "hi!!!!", "hey!", "hi, ann!", "hi,Ann!", "hi, Ann", "hi, ét!"] {
            XCTAssertFalse(g.matches(bad), bad)
        }
        XCTAssertTrue(g.acceptsPrefix("hello, Jo"))
        XCTAssertTrue(g.acceptsPrefix("hi, \u{e9}"))  // mid-way through a two-byte character is fine
        XCTAssertFalse(g.acceptsPrefix("hex"))
    }

    func testRepetitionForms() throws {
        let g = try Grammar(gbnf: #"root ::= "a"{2} "b"{1,} "c"{0,2} [0-9]+ [^x]? "." "# + "\n")
        XCTAssertTrue(g.matches("aab1."))
        XCTAssertTrue(g.matches("aabbbcc123y."))
        XCTAssertFalse(g.matches("ab1."))       // two a's needed
        XCTAssertFalse(g.matches("aa1."))       // at least one b
        XCTAssertFalse(g.matches("aabccc1."))   // at most two c's
        XCTAssertFalse(g.matches("aab1x."))     // [^x]
        XCTAssertFalse(g.matches("aab."))       // digits needed
    }

    func testJSONModeGrammar() throws {
        let g = try JSONSchemaCompiler.jsonObjectGrammar()
        for good in [#"{}"#, #"{"a": [1, 2.5e3, -0, true, null, "x\"y\u00e9"]}"#, "{\n  \"k\": {\"n\": {}}\n}"] {
            XCTAssertTrue(g.matches(good), good)
        }
        for bad in ["[]", "{", #"{"a" 1}"#, #"{"a": 01}"#, #"{"a": tru}"#, "{\"a\":\"\n\"}", "{\n\n\n}", "{}x"] {
            XCTAssertFalse(g.matches(bad), bad)
        }
        // Whitespace is bounded: a run of 40 spaces is refused.
        XCTAssertFalse(g.acceptsPrefix("{" + String(repeating: " ", count: 40)))
    }
}
