import Foundation
import Inference
import TestSupport
import XCTest

/// Acceptance: greedy constrained outputs of SmolLM2 and Qwen2.5 on 20 extraction-style schemas parse
/// (Foundation's JSONSerialization) and validate (the independent `SchemaValidator`).
final class StructuredOutputTests: XCTestCase {
    struct Case {
        let document: String
        let request: String
        let schema: String
    }

    static let cases: [Case] = [
        Case(document: "Invoice 4471 from Acme Tools, dated 2024-03-15, total 1249.50 EUR.",
             request: "Extract the invoice number, vendor and total.",
             schema: #"{"type":"object","properties":{"invoice":{"type":"integer","minimum":0},"vendor":{"type":"string","maxLength":32},"total":{"type":"number"}},"required":["invoice","vendor","total"],"additionalProperties":false}"#),
        Case(document: "Patient Maria Lopez, 54 years old, reports chest pain since Monday.",
             request: "Extract the patient's name and age.",
             schema: #"{"type":"object","properties":{"name":{"type":"string","maxLength":32},"age":{"type":"integer","minimum":0,"maximum":130}},"required":["name","age"]}"#),
        Case(document: "The delivery arrived two days late and the box was crushed. Very disappointed.",
             request: "Classify the sentiment of this review.",
             schema: #"{"type":"object","properties":{"sentiment":{"enum":["positive","neutral","negative"]}},"required":["sentiment"]}"#),
        Case(document: "Meeting notes: ship the beta on 2024-06-01; Ana owns testing, Li owns docs.",
             request: "Extract the release date.",
             schema: #"{"type":"object","properties":{"release":{"type":"string","format":"date"}},"required":["release"]}"#),
        Case(document: "Ingredients: flour, sugar, eggs, butter, milk.",
             request: "List up to four ingredients.",
             schema: #"{"type":"object","properties":{"ingredients":{"type":"array","items":{"type":"string","maxLength":16},"minItems":1,"maxItems":4}},"required":["ingredients"]}"#),
        Case(document: "Server web-03 is down since 02:14; disk usage 97 percent.",
             request: "Report whether the server is up and its disk usage.",
             schema: #"{"type":"object","properties":{"host":{"type":"string","pattern":"^[a-z]+-[0-9]{2}$"},"up":{"type":"boolean"},"disk_percent":{"type":"integer","minimum":0,"maximum":100}},"required":["host","up","disk_percent"]}"#),
        Case(document: "Order #A-7731: 3 x USB cable, 1 x charger. Ship to Berlin.",
             request: "Extract the order id, the items with quantities, and the city.",
             schema: #"{"type":"object","properties":{"order_id":{"type":"string","pattern":"^[A-Z]-[0-9]{4}$"},"items":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string","maxLength":20},"qty":{"type":"integer","minimum":1,"maximum":99}},"required":["name","qty"]},"maxItems":3},"city":{"type":"string","maxLength":20}},"required":["order_id","items","city"]}"#),
        Case(document: "The ticket says: printer on floor 3 jams every morning. Priority unclear.",
             request: "Triage this ticket.",
             schema: #"{"type":"object","properties":{"category":{"enum":["hardware","software","network","other"]},"priority":{"enum":[1,2,3]},"floor":{"type":"integer"}},"required":["category","priority"]}"#),
        Case(document: "John Smith, john.smith@example.com, +1 555 0100, Acme Corp.",
             request: "Extract the contact.",
             schema: #"{"type":"object","properties":{"contact":{"type":"object","properties":{"first":{"type":"string","maxLength":16},"last":{"type":"string","maxLength":16}},"required":["first","last"]},"company":{"type":["string","null"],"maxLength":24}},"required":["contact","company"]}"#),
        Case(document: "Temperatures this week: 21, 23, 19, 25 degrees.",
             request: "Give the temperatures as numbers.",
             schema: #"{"type":"object","properties":{"temps":{"type":"array","items":{"type":"integer","minimum":-50,"maximum":60},"minItems":2,"maxItems":5}},"required":["temps"]}"#),
        Case(document: "Is the sky green? Answer.",
             request: "Answer yes or no with a confidence.",
             schema: #"{"type":"object","properties":{"answer":{"type":"boolean"},"confidence":{"type":"number","minimum":0}},"required":["answer","confidence"]}"#),
        Case(document: "Flight LH 454 departs Frankfurt at 13:05 and lands in San Francisco.",
             request: "Extract the flight.",
             schema: #"{"type":"object","properties":{"flight":{"type":"string","pattern":"^[A-Z]{2} ?[0-9]{2,4}$"},"from":{"type":"string","maxLength":24},"to":{"type":"string","maxLength":24}},"required":["flight","from","to"]}"#),
        Case(document: "Lab result: glucose 5.4 mmol/L, normal range.",
             request: "Extract the test, value and whether it is abnormal.",
             schema: #"{"type":"object","properties":{"test":{"const":"glucose"},"value":{"type":"number"},"abnormal":{"type":"boolean"},"note":{"type":"null"}},"required":["test","value","abnormal"]}"#),
        Case(document: "Tags for this article about solar panels on farm barns.",
             request: "Give one to three topic tags.",
             schema: #"{"type":"object","properties":{"tags":{"type":"array","items":{"enum":["energy","farming","solar","finance","sports"]},"minItems":1,"maxItems":3}},"required":["tags"]}"#),
        Case(document: "Shipment 88 contains 12 pallets; inspector: K. Berg; damaged: none.",
             request: "Summarize the shipment record.",
             schema: #"{"type":"object","properties":{"shipment":{"type":"integer"},"pallets":{"type":"integer","exclusiveMinimum":0},"inspection":{"type":"object","properties":{"inspector":{"type":"string","maxLength":16},"damaged":{"type":"boolean"}},"required":["inspector","damaged"]}},"required":["shipment","pallets","inspection"]}"#),
        Case(document: "Answer the arithmetic question: what is 7 times 6?",
             request: "Reply with the result.",
             schema: #"{"type":"object","properties":{"result":{"type":"integer"}},"required":["result"]}"#),
        Case(document: "Machine M7 reported error E42 (overheat) at line 2.",
             request: "Extract the error code and severity.",
             schema: #"{"type":"object","properties":{"code":{"type":"string","pattern":"^E[0-9]{2}$"},"severity":{"enum":["low","medium","high"]},"line":{"type":"integer","minimum":1,"maximum":9}},"required":["code","severity"]}"#),
        Case(document: "A list of points: (1,2), (3,4).",
             request: "Extract the points.",
             schema: #"{"type":"object","properties":{"points":{"type":"array","items":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2},"maxItems":3}},"required":["points"]}"#),
        Case(document: "Customer asks: how do I reset my password?",
             request: "Route this message.",
             schema: #"{"type":"object","properties":{"intent":{"anyOf":[{"const":"account"},{"const":"billing"},{"const":"other"}]},"urgent":{"type":"boolean"}},"required":["intent","urgent"]}"#),
        Case(document: "Book: The Hobbit by J. R. R. Tolkien, 1937.",
             request: "Extract the book.",
             schema: ##"{"$defs":{"person":{"type":"object","properties":{"name":{"type":"string","maxLength":24}},"required":["name"]}},"type":"object","properties":{"title":{"type":"string","maxLength":24},"author":{"$ref":"#/$defs/person"},"year":{"type":"integer","minimum":1000,"maximum":2100}},"required":["title","author","year"]}"##),
    ]

    func testSchemasOnSmolLM2() throws { try run(.smollm2) }
    func testSchemasOnQwen25() throws { try run(.qwen25) }

    private func run(_ r: TestPaths.Reference) throws {
        XCTAssertEqual(Self.cases.count, 20)
        guard FileManager.default.fileExists(atPath: r.modelPath) else { throw XCTSkip("\(r.modelFile) absent; run scripts/fetch-models") }
        Kernels.initialize(forceGeneric: false)  // the SIMD path, as `outpost run` uses
        let engine = try Engine(path: r.modelPath, options: ModelOptions(threads: 2))
        let generator = Generator(engine: engine)
        var failures: [String] = []
        for (i, c) in Self.cases.enumerated() {
            let grammar = try JSONSchemaCompiler.compile(schema: c.schema)
            let messages = [ChatMessage(role: "system", content: "You extract data and reply with JSON only."),
                            ChatMessage(role: "user", content: "\(c.document)\n\n\(c.request)")]
            let request = GenerationRequest(prompt: try engine.chatTokens(messages), maxTokens: 192, grammar: grammar)
            let result = try generator.generate(request, contextSize: 1024)
            let text = result.text
            guard result.finishReason == .stop,
                  (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
                failures.append("case \(i): does not parse (finish \(result.finishReason)): \(text)")
                continue
            }
            let value = try TestJSON.parse(text)
            if let v = SchemaValidator.violation(value, try TestJSON.parse(c.schema)) {
                failures.append("case \(i): \(v): \(text)")
            }
        }
        XCTAssertEqual(failures, [], "\(r)")
    }

    /// The validator itself refuses documents that break each keyword the cases use.
    func testValidatorCatchesViolations() throws {
        let schema = try TestJSON.parse(#"{"type":"object","properties":{"a":{"type":"integer","minimum":1,"maximum":3},"b":{"enum":["x"]},"c":{"type":"array","items":{"type":"string","pattern":"^[a-z]$"},"maxItems":1},"d":{"type":"string","format":"date"}},"required":["a"],"additionalProperties":false}"#)
        XCTAssertNil(SchemaValidator.violation(try TestJSON.parse(#"{"a":2,"b":"x","c":["q"],"d":"2024-01-31"}"#), schema))
        for bad in [#"{}"#, #"{"a":0}"#, #"{"a":2.5}"#, #"{"a":true}"#, #"{"a":1,"b":"y"}"#, #"{"a":1,"c":["q","r"]}"#,
                    #"{"a":1,"c":["Q"]}"#, #"{"a":1,"d":"2024-13-01"}"#, #"{"a":1,"e":1}"#] {
            XCTAssertNotNil(SchemaValidator.violation(try TestJSON.parse(bad), schema), bad)
        }
    }
}
