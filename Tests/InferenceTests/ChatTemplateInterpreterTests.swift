import Foundation
import Inference
import XCTest

/// The Jinja interpreter on well-known template shapes and on each language feature. Expected outputs
/// were derived by hand and confirmed with Jinja2 3.1.6 configured as Hugging Face transformers does
/// (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, json.dumps-based tojson), except the two
/// deliberate differences noted at their tests (`{% generation %}`, chainable undefined).
final class ChatTemplateInterpreterTests: XCTestCase {
    private func render(_ source: String, _ context: [String: JinjaValue] = [:]) throws -> String {
        try ChatTemplate(source: source).render(context: context)
    }

    private func assertRenders(
        _ source: String, _ expected: String, _ context: [String: JinjaValue] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let output = try render(source, context)
            XCTAssertEqual(output, expected, source, file: file, line: line)
        } catch {
            XCTFail("\(source): \(error)", file: file, line: line)
        }
    }

    private let conversation: JinjaValue = [
        ["role": "system", "content": "S"], ["role": "user", "content": "hi"], ["role": "assistant", "content": "yo"],
    ]

    // MARK: Well-known templates

    /// Meta's Llama 3 Instruct template: `bos_token` on the first turn, content trimmed (the filter binds
    /// tighter than `+`).
    func testLlama3Template() throws {
        let source = """
            {% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}
            """
        let prompt = try ChatTemplate(source: source).render(
            messages: [ChatMessage(role: "system", content: "You are helpful."), ChatMessage(role: "user", content: " Hi \n")],
            addGenerationPrompt: true, bosToken: "<|begin_of_text|>")
        XCTAssertEqual(
            prompt,
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    private let mistral = """
        {{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}
        """

    /// Mistral's v0.1 template: alternation enforced with `raise_exception`.
    func testMistralTemplateAndRoleAlternation() throws {
        let template = try ChatTemplate(source: mistral)
        let ok = try template.render(
            messages: [ChatMessage(role: "user", content: "a"), ChatMessage(role: "assistant", content: "b"),
                       ChatMessage(role: "user", content: "c")],
            addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
        XCTAssertEqual(ok, "<s>[INST] a [/INST]b</s>[INST] c [/INST]")

        XCTAssertThrowsError(
            try template.render(
                messages: [ChatMessage(role: "user", content: "a"), ChatMessage(role: "user", content: "b")],
                addGenerationPrompt: true)
        ) { error in
            let e = error as? ChatTemplateError
            XCTAssertEqual(e?.kind, .raised)
            XCTAssertEqual(e?.message, "Conversation roles must alternate user/assistant/user/assistant/...")
            XCTAssertEqual(e?.line, 1)
            XCTAssertEqual(e?.column, 110)  // where `raise_exception` starts
        }
        XCTAssertThrowsError(
            try template.render(messages: [ChatMessage(role: "system", content: "s")], addGenerationPrompt: false)
        ) { error in
            XCTAssertEqual((error as? ChatTemplateError)?.message, "Conversation roles must alternate user/assistant/user/assistant/...")
        }
    }

    /// Macros (recursive, with defaults), a namespace carried across a filtered loop, loop variables,
    /// content given as a list of parts, and whitespace control throughout.
    func testMacroNamespaceLoopTemplate() throws {
        let source = """
            {%- macro render_content(content) -%}
                {%- if content is string -%}{{ content | trim }}
                {%- elif content is iterable -%}
                    {%- for part in content -%}{{ part.text if part.type == 'text' else '<img>' }}{%- endfor -%}
                {%- endif -%}
            {%- endmacro -%}
            {%- macro json_schema(s, depth=0) -%}
                {%- if s is mapping -%}{ {%- for k, v in s | dictsort -%}{{ k }}: {{ json_schema(v, depth + 1) }}{{ ', ' if not loop.last }}{%- endfor -%} }
                {%- elif s is string -%}{{ s | tojson }}
                {%- elif s is sequence -%}[{{ s | map('string') | join(', ') }}]
                {%- else -%}{{ s }}{%- endif -%}
            {%- endmacro -%}
            {%- set ns = namespace(turns=0, last_role='') -%}
            {%- if tools -%}
                {%- for t in tools -%}
            Tool {{ loop.index }}/{{ loop.length }}: {{ t.function.name }} {{ json_schema(t.function.parameters) }}
                {% endfor -%}
            {%- endif -%}
            {%- for m in messages if m.role != 'tool' -%}
                {%- set ns.turns = ns.turns + 1 -%}
                {%- set ns.last_role = m.role -%}
            <{{ m.role | upper }}{{ ' first' if loop.first }}{{ ' last' if loop.last }}>{{ render_content(m.content) }}</{{ m.role }}>
            {% endfor -%}
            turns={{ ns.turns }} last={{ ns.last_role }}
            {%- if add_generation_prompt %}
            <ASSISTANT>{% endif %}

            """
        let tools: JinjaValue = [[
            "type": "function",
            "function": [
                "name": "get_weather",
                "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
            ],
        ]]
        let messages: JinjaValue = [
            ["role": "system", "content": "S"], ["role": "user", "content": " hi "], ["role": "tool", "content": "x"],
            ["role": "assistant", "content": [["type": "text", "text": "look"], ["type": "image"]]],
        ]
        XCTAssertEqual(
            try render(source, ["messages": messages, "tools": tools, "add_generation_prompt": true]),
            "Tool 1/1: get_weather {properties: {city: {type: \"string\"}}, required: [city], type: \"object\"}\n"
                + "<SYSTEM first>S</system>\n<USER>hi</user>\n<ASSISTANT last>look<img></assistant>\n"
                + "turns=3 last=assistant<ASSISTANT>")
    }

    // MARK: Whitespace

    func testWhitespaceControl() {
        // trim_blocks drops the newline after a block tag; lstrip_blocks drops indentation before it.
        assertRenders("<ul>\n    {% for i in [1, 2] %}\n    <li>{{ i }}</li>\n    {% endfor %}\n</ul>\n",
                      "<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>")
        assertRenders("a\n  {% if true %}\n  b\n  {% endif %}\nc", "a\n  b\nc")
        // `-` strips all whitespace on its side; `+` keeps what lstrip/trim would remove.
        assertRenders("{%- for i in range(3) -%}\n  {{ i }}\n{%- endfor %}", "012")
        assertRenders("a\n  {%+ if true %}\n  b\n  {%- endif %}\nc", "a\n    bc")
        assertRenders("{% if true +%}\nkeep{% endif %}", "\nkeep")
        assertRenders("{{- '  x  ' -}}\n\n{{ 'y' }}", "  x  y")
        // Expression tags are not block tags: no lstrip before them, no newline trimming after.
        assertRenders("  {{ 'v' }}  {% if true %}\n  x{% endif %}", "  v    x")
        assertRenders("{{ 'a' }}\n{{ 'b' }}", "a\nb")
        // Comments behave like block tags.
        assertRenders("  {# comment #}\nx {#- c -#}  y\n{# c #}z", "xy\nz")
        // One trailing newline is dropped; CR and CRLF become LF.
        assertRenders("x\n", "x")
        assertRenders("x\n\n", "x\n")
        assertRenders("a\r\nb\rc", "a\nb\nc")
        assertRenders("{% raw %}{{ not rendered }}{% endraw %}|{{ '{{' }}", "{{ not rendered }}|{{")
    }

    // MARK: Statements

    func testLoops() {
        assertRenders(
            "{% for i in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
            "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;")
        assertRenders("{% for i in [] %}x{% else %}empty{% endfor %}", "empty")
        assertRenders("{% for i in range(6) if i is odd %}{{ i }}/{{ loop.length }} {% endfor %}", "1/3 3/3 5/3 ")
        assertRenders("{% for i in range(3) if i > 5 %}x{% else %}none{% endfor %}", "none")
        assertRenders("{% for k, v in {'b': 1, 'a': 2}.items() %}{{ k }}={{ v }},{% endfor %}", "b=1,a=2,")
        assertRenders("{% for k in {'z': 1, 'a': 2} %}{{ k }}{% endfor %}", "za")
        assertRenders("{% for c in 'héllo' %}{{ c }}.{% endfor %}", "h.é.l.l.o.")
        assertRenders(
            "{% for i in range(10) %}{% if i == 3 %}{% continue %}{% endif %}{% if i == 6 %}{% break %}{% endif %}{{ i }}{% endfor %}",
            "01245")
        assertRenders("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}", "-2;1-3;2-;")
        assertRenders("{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}", "aba")
        assertRenders(
            "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}|{% endfor %}",
            "113 214 1|123 224 2|")
        assertRenders("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}{% for (a, b) in [[5, 6]] %}{{ a * b }}{% endfor %}", "3730")
        assertRenders("{% for x in undefined_thing %}x{% endfor %}done", "done")
    }

    /// Jinja scoping: a loop body is a new scope each iteration; `if` is not a scope; namespaces are shared.
    func testScoping() {
        assertRenders("{% set x = 1 %}{% for i in [1, 2, 3] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", "234|1")
        assertRenders("{% for i in [1, 2] %}{% if i == 1 %}{% set y = 5 %}{% endif %}[{{ y }}]{% endfor %}", "[5][]")
        assertRenders("{% set y = 1 %}{% if true %}{% set y = 2 %}{% endif %}{{ y }}", "2")
        assertRenders(
            "{% set ns = namespace(x=0, found=false) %}{% for i in range(4) %}{% set ns.x = ns.x + i %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.x }} {{ ns.found }}",
            "6 True")
        assertRenders("{% set ns = namespace(v=[]) %}{% for i in range(3) %}{% set ns.v = ns.v + [i] %}{% endfor %}{{ ns.v }}", "[0, 1, 2]")
        assertRenders("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", "3[]")
        assertRenders("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12")
        assertRenders("{% set out %}captured {{ 1 + 1 }}{% endset %}[{{ out }}]", "[captured 2]")
        assertRenders("{% set x | upper %}hello{% endset %}{{ x }}", "HELLO")
        assertRenders("{% filter upper %}shout {{ 'x' }}{% endfilter %}", "SHOUT X")
        // transformers' `{% generation %}` extension marks assistant text; rendering just keeps the body.
        assertRenders("{% generation %}kept{% endgeneration %}", "kept")
        // The context can be rebound, as Llama 3.1's template does with `messages`.
        assertRenders(
            "{% if messages[0]['role'] == 'system' %}{% set messages = messages[1:] %}{% endif %}{{ messages|length }}",
            "2", ["messages": conversation])
    }

    func testMacros() {
        assertRenders(
            "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Al', greeting='Hi') }} {{ greet(name='Z') }}",
            "Hello, Bob! Hi, Al! Hello, Z!")
        assertRenders("{% macro m(a, b=a*2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(3) }}|{{ m(3, 1) }}|{{ m(b=4, a=1) }}", "3-6|3-1|1-4")
        assertRenders("{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}", "120")
        assertRenders("{% macro m(ns) %}{% set ns.x = 7 %}{% endmacro %}{% set n = namespace(x=1) %}{{ m(n) }}{{ n.x }}", "7")
        assertRenders("{% macro m() %}{{ x }}{% endmacro %}{% set x = 5 %}{{ m() }}", "5")
        assertRenders("{% macro m(a) %}{{ a is defined }}{% endmacro %}{{ m() }}", "False")
    }

    // MARK: Expressions

    func testOperators() {
        assertRenders("{{ 1 + 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ 1 / 4 }}|{{ 4 / 2 }}", "3|3|-4|1|2|1024|0.25|2.0")
        assertRenders("{{ 3 * 'ab' }}|{{ [1, 2] + [3] }}|{{ [0] * 3 }}|{{ 'a' ~ 1 ~ none ~ true }}|{{ 1.5 + 1 }}|{{ 0.1 + 0.2 }}",
                      "ababab|[1, 2, 3]|[0, 0, 0]|a1NoneTrue|2.5|0.30000000000000004")
        // Jinja's `**` is left-associative and unary minus binds tighter than `**`.
        assertRenders("{{ 2 ** 3 ** 2 }}|{{ -2 ** 2 }}|{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 10 - 2 - 3 }}|{{ 'a' ~ 2 * 3 }}", "64|4|7|9|5|a6")
        assertRenders("{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 1 == 1.0 }}{{ true == 1 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ 1 != 2 }}",
                      "TrueFalseTrueTrueTrueTrueTrue")
        assertRenders("{{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }}{{ none == false }}{{ x == y }}", "TrueFalseTrue")
        assertRenders("{{ not 1 }}{{ not x }}{{ 1 and 'x' }}{{ 0 or 'y' }}{{ none or [] }}{{ false and undefined_call() }}", "FalseTruexy[]False")
        assertRenders("{{ 'a' in 'cat' }}{{ 'x' not in ['y'] }}{{ 'k' in {'k': 1} }}{{ 1 in [1.0] }}{{ 'z' in missing }}", "TrueTrueTrueTrueFalse")
        assertRenders("{{ 'a' if true else 'b' }}{{ 'a' if false else 'b' }}[{{ 'a' if false }}]{{ 1 if 0 else 2 if 0 else 3 }}", "ab[]3")
        assertRenders("{{ '%s-%d' % ('a', 3) }}|{{ '%05.2f' % 3.14159 }}|{{ '%s'|format('x') }}|{{ '100%%' % () }}", "a-3|03.14|x|100%")
    }

    func testSubscriptsAndSlices() {
        assertRenders("{{ [1, 2, 3][::-1] }}{{ 'hello'[1:] }}{{ 'hello'[::-1] }}{{ 'hello'[-2:] }}{{ [1, 2, 3, 4, 5][1:4:2] }}",
                      "[3, 2, 1]elloollehlo[2, 4]")
        assertRenders("{{ [1, 2, 3][5:] }}{{ 'abc'[:-1] }}{{ [1, 2, 3][-1] }}{{ 'abc'[0] }}{{ [1, 2, 3][2:0:-1] }}", "[]ab3a[3, 2]")
        assertRenders("{{ messages[0].content }}{{ messages[-1]['role'] }}{{ messages.1.content }}", "Sassistanthi", ["messages": conversation])
        assertRenders("{{ {'a': {'b': [1, {'c': 2}]}}['a']['b'][1].c }}", "2")
        assertRenders("[{{ messages[5] }}]{{ messages[5] is defined }}", "[]False", ["messages": conversation])
    }

    func testLiteralsAndPrinting() {
        assertRenders("{{ [1, 'a', none, true, 1.0, {'k': 'v'}, [2]] }}", "[1, 'a', None, True, 1.0, {'k': 'v'}, [2]]")
        assertRenders("{{ {'a': \"it's\"} }}|{{ none }}|{{ true }}|{{ x }}", "{'a': \"it's\"}|None|True|")
        assertRenders("{{ 1_000 }} {{ 0x1F }} {{ 1e3 }} {{ 1.5e-3 }} {{ 12.0 }} {{ 1e16 }} {{ 1e15 }} {{ 0.00001 }}",
                      "1000 31 1000.0 0.0015 12.0 1e+16 1000000000000000.0 1e-05")
        assertRenders("{{ '\\u00e9\\x41\\t|' }}{{ \"it's\" }}{{ 'multi' 'part' }}{{ 'esc\\'aped' }}", "éA\t|it'smultipartesc'aped")
    }

    func testFilters() {
        assertRenders("{{ '  hi  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ 'hello'|upper }}|{{ 'HeLLo'|lower }}|{{ 'hello world'|capitalize }}|{{ 'hello wORLD-foo(bar'|title }}",
                      "hi|hi|HELLO|hello|Hello world|Hello World-Foo(Bar")
        assertRenders("{{ [1, 2, 3]|length }}|{{ 'héllo'|length }}|{{ {'a': 1}|count }}|{{ x|length }}", "3|5|1|0")
        assertRenders("{{ x|default('d') }}|{{ none|default('d') }}|{{ ''|default('d', true) }}|{{ 0|d('z', boolean=true) }}", "d|None|d|z")
        assertRenders("{{ [1, 2, 3]|join(', ') }}|{{ [1, 2, 3]|first }}|{{ [1, 2, 3]|last }}|{{ 'abc'|list }}|{{ 42|string }}", "1, 2, 3|1|3|['a', 'b', 'c']|42")
        assertRenders("{{ '42'|int + 1 }}|{{ '4.7'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ '2.5'|float }}|{{ 3|float }}|{{ 3.9|int }}", "43|4|0|7|2.5|3.0|3")
        assertRenders("{{ 3.7|round }}|{{ 2.5|round }}|{{ 3.14159|round(2) }}|{{ 3.1|round(0, 'ceil') }}|{{ 7|round }}|{{ -3|abs }}|{{ -2.5|abs }}",
                      "4.0|2.0|3.14|4.0|7|3|2.5")
        assertRenders("{{ 'a-b-c'|replace('-', '+') }}|{{ 'aaa'|replace('a', 'b', 2) }}|{{ '<a href=\"x\">'|escape }}|{{ '<a>'|safe }}",
                      "a+b+c|bba|&lt;a href=&#34;x&#34;&gt;|<a>")
        assertRenders("{{ [3, 1, 2]|sort }}|{{ [3, 1, 2]|sort(reverse=true) }}|{{ ['b', 'A', 'c']|sort }}|{{ [1, 2, 2, 3]|unique|list }}|{{ [1, 2, 3]|sum }}|{{ [1, 5, 3]|max }}|{{ [4, 2, 8]|min }}",
                      "[1, 2, 3]|[3, 2, 1]|['A', 'b', 'c']|[1, 2, 3]|6|5|2")
        assertRenders("{{ [3, 1, 2]|reverse|list }}|{{ 'abc'|reverse }}|{{ {'b': 1, 'a': 2}|dictsort|map('join', '=')|join(',') }}|{{ {'a': 1}|items|map('first')|list }}",
                      "[2, 1, 3]|cba|a=2,b=1|['a']")
        assertRenders("{{ 'abc'|center(9) }}|{{ 'line1\\nline2\\n\\nline3'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'one two three'|wordcount }}",
                      "   abc   |line1\n  line2\n\n  line3|  a\n  b|3")
    }

    func testSelectAndMapFilters() {
        let items: JinjaValue = [["n": "x", "v": 1], ["n": "y", "v": 0], ["n": "z", "v": 2]]
        assertRenders("{{ items|selectattr('v')|map(attribute='n')|list }}|{{ items|rejectattr('v')|map(attribute='n')|join }}", "['x', 'z']|y", ["items": items])
        assertRenders("{{ items|selectattr('v', 'gt', 1)|map(attribute='n')|first }}|{{ items|map(attribute='w', default='-')|join }}", "z|---", ["items": items])
        assertRenders("{{ items|sort(attribute='v')|map(attribute='n')|join }}|{{ items|sum(attribute='v') }}|{{ (items|max(attribute='v')).n }}", "yxz|3|z", ["items": items])
        assertRenders(
            "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|map(attribute='role')|map('upper')|join(',') }}",
            "1|SYSTEM,USER,ASSISTANT", ["messages": conversation])
        assertRenders("{{ [1, 2, 3, 4]|select('odd')|list }}|{{ [1, 2, 3, 4]|reject('odd')|list }}|{{ ['a', '', 'b']|select|list }}|{{ [1, 2, 3]|select('in', [1, 3])|list }}",
                      "[1, 3]|[2, 4]|['a', 'b']|[1, 3]")
    }

    /// transformers' `tojson` is `json.dumps` without sorting or ASCII escaping.
    func testToJSON() {
        assertRenders("{{ {'b': 1, 'a': [1, 2.5, none, true, 'x\"y']}|tojson }}", #"{"b": 1, "a": [1, 2.5, null, true, "x\"y"]}"#)
        assertRenders("{{ {'b': 1, 'a': {'c': []}}|tojson(indent=2) }}", "{\n  \"b\": 1,\n  \"a\": {\n    \"c\": []\n  }\n}")
        assertRenders("{{ 'é\\n'|tojson }}|{{ 'é'|tojson(ensure_ascii=true) }}|{{ '\\x01'|tojson }}", #""é\n"|"\u00e9"|"\u0001""#)
        assertRenders("{{ {'z': 1, 'a': 2}|tojson(sort_keys=true) }}|{{ [1, 2]|tojson(separators=(',', ':')) }}|{{ 3.0|tojson }}|{{ none|tojson }}",
                      #"{"a": 2, "z": 1}|[1,2]|3.0|null"#)
    }

    func testTests() {
        assertRenders("{{ x is defined }}{{ x is undefined }}{{ none is none }}{{ 1 is number }}{{ true is number }}{{ 'a' is string }}",
                      "FalseTrueTrueTrueTrueTrue")
        assertRenders("{{ {} is mapping }}{{ [] is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ [] is sequence }}{{ 1 is sequence }}",
                      "TrueFalseTrueTrueFalseTrueFalse")
        assertRenders("{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ none is sameas none }}{{ 2 is in [1, 2] }}",
                      "TrueTrueTrueFalseTrueTrue")
        assertRenders("{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}{{ 1 is integer }}{{ 1.0 is float }}{{ true is boolean }}",
                      "TrueFalseTrueFalseTrueTrueTrue")
        assertRenders("{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ x is not defined }}{{ 1 is not string }}{{ 2 is eq 2 }}{{ 3 is gt 2 }}{{ 'tojson' is filter }}",
                      "TrueTrueTrueTrueTrueTrueTrue")
    }

    func testStringAndDictMethods() {
        assertRenders("{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a'.lstrip() }}|{{ 'a '.rstrip() }}|{{ 'a,b,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}",
                      "a b|a|a|a|['a', 'b', 'c']|['a', 'b']|['a', 'b,c']")
        assertRenders("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('bc') }}{{ 'abc'.startswith(('x', 'a')) }}{{ 'Abc'.upper() }}{{ 'Abc'.lower() }}{{ \"they're bill's\".title() }}",
                      "TrueTrueTrueABCabcThey'Re Bill'S")
        assertRenders("{{ 'aaa'.replace('a', 'b', 2) }}|{{ '{} and {}'.format(1, 'x') }}|{{ '{0}{name}'.format('a', name='b') }}|{{ 'abc'.find('c') }}|{{ 'x<think>y</think>z'.split('</think>')[-1].lstrip() }}",
                      "bba|1 and x|ab|2|z")
        let d: JinjaValue = ["a": 1, "b": 2]
        assertRenders("{{ d.get('a') }}|{{ d.get('z') }}|{{ d.get('z', 5) }}|{{ d.keys()|list }}|{{ d.values()|list }}|{{ d.items()|map('join', '=')|join(',') }}|{{ d.a }}|{{ d['b'] }}",
                      "1|None|5|['a', 'b']|[1, 2]|a=1,b=2|1|2", ["d": d])
        assertRenders("{{ dict(a=1, b='x') }}{{ range(3)|list }}{{ range(1, 10, 3)|list }}{{ range(5, 0, -2)|list }}", "{'a': 1, 'b': 'x'}[0, 1, 2][1, 4, 7][5, 3, 1]")
    }

    /// Undefined is falsy, prints as nothing, iterates as empty. Attribute access on it stays undefined
    /// (Jinja's ChainableUndefined; plain Jinja2 would raise on `nothing.attr`), by design.
    func testUndefinedBehaviour() {
        assertRenders("[{{ nothing }}][{{ nothing.attr.deeper }}][{{ nothing['k'] }}]{{ nothing is defined }}{{ nothing.attr is defined }}", "[][][]FalseFalse")
        assertRenders("{% if nothing %}yes{% else %}no{% endif %}{{ nothing|default('dflt') }}{{ nothing ~ 'x' }}{{ nothing|length }}", "nodfltx0")
        assertRenders("{{ messages[0].tool_calls is defined }}{% for c in messages[0].tool_calls %}x{% endfor %}", "False", ["messages": conversation])
    }

    // MARK: API

    func testRenderDefinesStandardVariables() throws {
        let template = try ChatTemplate(
            source: "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools is none }}|{{ documents is none }}|{{ messages|length }}|{{ enable_thinking }}")
        let out = try template.render(
            messages: [ChatMessage(role: "user", content: "x")], addGenerationPrompt: false, bosToken: "<s>", eosToken: "</s>",
            extra: ["enable_thinking": false, "bos_token": "ignored"])
        XCTAssertEqual(out, "<s>|</s>|False|True|True|1|False")
        let withTools = try ChatTemplate(source: "{{ tools|length }}").render(
            messages: [], addGenerationPrompt: true, extra: ["tools": [["type": "function"]]])
        XCTAssertEqual(withTools, "1")
    }

    /// transformers' `strftime_now(format)`: the current local time through C `strftime`.
    func testStrftimeNow() throws {
        let before = Calendar.current.component(.year, from: Date())
        let year = try render("{{ strftime_now('%Y') }}|{{ strftime_now('%d %b %Y')|length }}")
        let after = Calendar.current.component(.year, from: Date())
        XCTAssertTrue(["\(before)|11", "\(after)|11"].contains(year), year)
    }

    func testParseJSONKeepsKeyOrder() throws {
        let value = try JinjaValue.parseJSON(#"{"z": 1, "a": [true, null, 2.5, "\u00e9\n"], "m": {}}"#)
        guard case .object(let storage, let keys) = value else { return XCTFail("not an object") }
        XCTAssertEqual(keys, ["z", "a", "m"])
        XCTAssertEqual(storage["a"], [true, nil, 2.5, "é\n"])
        XCTAssertEqual(try ChatTemplate(source: "{{ v|tojson }}").render(context: ["v": value]), #"{"z": 1, "a": [true, null, 2.5, "é\n"], "m": {}}"#)
        XCTAssertThrowsError(try JinjaValue.parseJSON(#"{"a": }"#)) { error in
            XCTAssertEqual((error as? ChatTemplateError)?.kind, .json)
        }
    }
}
