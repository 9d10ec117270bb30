import Foundation
import Inference
import XCTest

/// Errors are typed and located, and hostile templates hit a limit instead of hanging, exhausting
/// memory or overflowing the stack.
final class ChatTemplateErrorTests: XCTestCase {
    private func parseError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source)
            XCTFail("expected a syntax error for \(source.prefix(80))", file: file, line: line)
        } catch {
            return error
        }
        return nil
    }

    private func renderError(
        _ source: String, limits: ChatTemplate.Limits = .default, context: [String: JinjaValue] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) -> ChatTemplateError? {
        do {
            let template = try ChatTemplate(source: source, limits: limits)
            let output = try template.render(context: context)
            XCTFail("expected a render error, got \(output.prefix(80))", file: file, line: line)
        } catch {
            return error
        }
        return nil
    }

    // MARK: Syntax errors

    func testUnknownFilterListsSupportedFilters() throws {
        let error = try XCTUnwrap(parseError("line one\n{{ name | frobnicate }}"))
        XCTAssertEqual(error.kind, .syntax)
        XCTAssertEqual(error.line, 2)
        XCTAssertEqual(error.column, 11)
        XCTAssertTrue(error.message.hasPrefix("unknown filter 'frobnicate'; supported filters: abs, attr,"), error.message)
        for name in ["tojson", "trim", "selectattr", "map", "default", "length"] {
            XCTAssertTrue(error.message.contains(name), name)
        }
        XCTAssertTrue(error.description.contains("at 2:11"), error.description)
    }

    func testUnknownTestListsSupportedTests() throws {
        let error = try XCTUnwrap(parseError("{% if x is frobbed %}{% endif %}"))
        XCTAssertEqual(error.kind, .syntax)
        XCTAssertEqual(error.column, 12)
        XCTAssertTrue(error.message.contains("unknown test 'frobbed'; supported tests:"), error.message)
        XCTAssertTrue(error.message.contains("defined"))
    }

    func testSyntaxErrorsCarryLineAndColumn() throws {
        var error = try XCTUnwrap(parseError("a\n{% if x %}\n  {{ 1 + }}\n{% endif %}"))
        XCTAssertEqual(error.kind, .syntax)
        XCTAssertEqual([error.line, error.column], [3, 8])  // the dangling `+`

        error = try XCTUnwrap(parseError("ok\n\n   {% for m in messages %}{{ m }}"))
        XCTAssertEqual([error.line, error.column], [3, 4])  // the unclosed `for`
        XCTAssertTrue(error.message.contains("endfor"), error.message)

        error = try XCTUnwrap(parseError("{% endif %}"))
        XCTAssertEqual([error.line, error.column], [1, 1])

        error = try XCTUnwrap(parseError("x {% include 'other' %}"))
        XCTAssertTrue(error.message.contains("unknown tag 'include'"), error.message)
        XCTAssertEqual([error.line, error.column], [1, 3])

        error = try XCTUnwrap(parseError("{{ 'unterminated }}"))
        XCTAssertEqual([error.line, error.column], [1, 4])

        error = try XCTUnwrap(parseError("{{ x \n"))
        XCTAssertTrue(error.message.contains("'}}'"), error.message)

        error = try XCTUnwrap(parseError("{% for x in y %}{% break %}{% endfor %}{% continue %}"))
        XCTAssertEqual([error.line, error.column], [1, 40])

        error = try XCTUnwrap(parseError("{{ 99999999999999999999 }}"))
        XCTAssertEqual(error.kind, .syntax)
    }

    // MARK: Runtime errors

    func testRaiseExceptionCarriesMessageAndLocation() throws {
        let error = try XCTUnwrap(renderError("line\n  {{ raise_exception('Only user and assistant roles are supported!') }}"))
        XCTAssertEqual(error.kind, .raised)
        XCTAssertEqual(error.message, "Only user and assistant roles are supported!")
        XCTAssertEqual([error.line, error.column], [2, 6])
    }

    func testTypeAndUndefinedErrors() throws {
        var error = try XCTUnwrap(renderError("{{ x + 1 }}"))
        XCTAssertEqual(error.kind, .undefined)
        XCTAssertEqual(error.message, "'x' is undefined")
        error = try XCTUnwrap(renderError("{{ 'a' + 1 }}"))
        XCTAssertEqual(error.kind, .type)
        XCTAssertTrue(error.message.contains("'str' and 'int'"), error.message)
        error = try XCTUnwrap(renderError("{{ undefined_function() }}"))
        XCTAssertEqual(error.kind, .undefined)
        error = try XCTUnwrap(renderError("{{ 1 // 0 }}"))
        XCTAssertEqual(error.message, "division by zero")
        error = try XCTUnwrap(renderError("{{ 9223372036854775807 + 1 }}"))
        XCTAssertEqual(error.kind, .type)
        error = try XCTUnwrap(renderError("{{ nothing|tojson }}"))
        XCTAssertTrue(error.message.contains("not JSON serializable"), error.message)
        error = try XCTUnwrap(renderError("{% set s = 'x' %}{% set s.a = 1 %}"))
        XCTAssertTrue(error.message.contains("non-namespace"), error.message)
        error = try XCTUnwrap(renderError("{% for a, b in [[1, 2, 3]] %}{% endfor %}"))
        XCTAssertTrue(error.message.contains("too many values to unpack"), error.message)
    }

    // MARK: Limits

    /// 10^10 iterations would take hours; the step limit stops it quickly.
    func testHugeLoopHitsExecutionLimit() throws {
        let start = Date()
        let error = try XCTUnwrap(renderError(
            "{% for i in range(100000) %}\n{% for j in range(100000) %}{{ '' }}{% endfor %}{% endfor %}"))
        XCTAssertEqual(error.kind, .limit)
        XCTAssertTrue(error.message.contains("execution limit"), error.message)
        XCTAssertNotNil(error.line)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }

    func testRangeIsCapped() throws {
        let error = try XCTUnwrap(renderError("{% for i in range(1000000000) %}{% endfor %}"))
        XCTAssertEqual(error.kind, .limit)
        XCTAssertTrue(error.message.contains("range too big"), error.message)
    }

    func testOutputSizeLimit() throws {
        let limits = ChatTemplate.Limits(maxOutputBytes: 100_000)
        var error = try XCTUnwrap(renderError("{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}", limits: limits))
        XCTAssertEqual(error.kind, .limit)
        // Doubling a string in a loop stops at the size limit, before memory runs out.
        error = try XCTUnwrap(renderError(
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            limits: limits))
        XCTAssertEqual(error.kind, .limit)
        error = try XCTUnwrap(renderError(
            "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}"))
        XCTAssertEqual(error.kind, .limit)
        error = try XCTUnwrap(renderError("{{ 'x' * 1000000000000 }}"))
        XCTAssertEqual(error.kind, .limit)
    }

    /// Work done inside operators, filters and functions counts toward the step limit too, and sizes
    /// are checked before large strings are built.
    func testWorkInsideExpressionsIsBounded() throws {
        var error = try XCTUnwrap(renderError("{% for i in range(100000) %}{% set x = range(100000) %}{% endfor %}"))
        XCTAssertTrue(error.message.contains("execution limit"), error.message)
        error = try XCTUnwrap(renderError("{{ 'x'|center(1000000000) }}"))
        XCTAssertEqual(error.kind, .limit)
        error = try XCTUnwrap(renderError("{{ '%999999999d' % 1 }}"))
        XCTAssertEqual(error.kind, .limit)
        error = try XCTUnwrap(renderError("{{ ('a' * 1000000)|replace('a', '" + String(repeating: "b", count: 50) + "') }}"))
        XCTAssertEqual(error.kind, .limit)
        error = try XCTUnwrap(renderError("{{ {'a': 1}|tojson(indent=1000000000) }}"))
        XCTAssertEqual(error.kind, .limit)
        // Deduplicating a long list stays linear.
        XCTAssertEqual(try ChatTemplate(source: "{{ (range(100000)|list + range(100000)|list)|unique|list|length }}").render(context: [:]), "100000")
    }

    func testWallClockLimit() throws {
        let limits = ChatTemplate.Limits(maxSteps: Int.max, maxDuration: .milliseconds(1))
        let error = try XCTUnwrap(renderError(
            "{% for i in range(100000) %}{% for j in range(100000) %}{{ i ~ j }}{% endfor %}{% endfor %}", limits: limits))
        XCTAssertEqual(error.kind, .limit)
        XCTAssertTrue(error.message.contains("longer than"), error.message)
    }

    func testRunawayRecursionHitsLimit() throws {
        let error = try XCTUnwrap(renderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
        XCTAssertEqual(error.kind, .limit)
        XCTAssertTrue(error.message.contains("macro calls nest deeper than 50"), error.message)
    }

    /// Nesting in the source, and nesting of values built at run time, are bounded before they can
    /// exhaust the stack.
    func testDeepNestingIsRejected() throws {
        var error = try XCTUnwrap(parseError("{{ " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + " }}"))
        XCTAssertEqual(error.kind, .syntax)
        XCTAssertTrue(error.message.contains("nests deeper"), error.message)
        error = try XCTUnwrap(parseError(String(repeating: "{% if true %}", count: 100_000)))
        XCTAssertTrue(error.message.contains("nest deeper"), error.message)
        error = try XCTUnwrap(parseError("{{ " + String(repeating: "not ", count: 100_000) + "x }}"))
        XCTAssertEqual(error.kind, .syntax)
        error = try XCTUnwrap(renderError(
            "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}"))
        XCTAssertEqual(error.kind, .limit)
        error = try XCTUnwrap(renderError("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"))
        XCTAssertEqual(error.kind, .limit)
        // Long flat operator chains are not nesting and still work.
        let sum = "{{ " + Array(repeating: "1", count: 10_000).joined(separator: " + ") + " }}"
        XCTAssertEqual(try ChatTemplate(source: sum).render(context: [:]), "10000")
    }
}
