import Foundation
import Testing
import TroupeCore

@testable import ToolsEnv

/// The built-in catalog: its size, and every API's schema, simulator and validation errors.
@Suite struct CatalogTests {
    static let names = Fixtures.catalog.functions.map(\.name)

    @Test func catalogIsLargeEnoughAndCollisionFree() {
        let catalog = Fixtures.catalog
        #expect(catalog.functions.count >= 50)
        #expect(catalog.categories.count >= 10)
        #expect(catalog.collisions.isEmpty)
        #expect(Set(SimulatedBackend.simulatedFunctionNames) == Set(CatalogTests.names))
    }

    @Test(arguments: names)
    func schemaFollowsToolBench(name: String) throws {
        let function = Fixtures.function(name)
        let schema = function.openAI
        #expect(name.count <= 64)
        #expect(
            name == ToolBenchNames.functionName(api: function.api.name, standardToolName: function.standardToolName))
        #expect(
            schema["description"]?.stringValue?.hasPrefix(
                "This is the subfunction for tool \"\(function.standardToolName)\"") == true)
        let properties = try #require(schema["parameters"]?["properties"]?.objectValue)
        let required = schema["parameters"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let optional = schema["parameters"]?["optional"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(Set(properties.keys) == Set(required + optional))
        #expect(required == function.api.requiredParameters.map { ToolBenchNames.parameterName($0.name) })
        for (key, property) in properties {
            let type = try #require(property["type"]?.stringValue)
            #expect(["string", "integer", "boolean"].contains(type), "\(name).\(key) has type \(type)")
        }
        #expect(function.api.url.hasPrefix("https://\(function.host!)/"))
    }

    @Test(arguments: names)
    func simulatorAnswersItsExampleCall(name: String) {
        let function = Fixtures.function(name)
        let response = Fixtures.call(name, Fixtures.exampleArguments(function))
        // Examples name real entities, so the answer is a response or an API-level refusal
        // (an id that does not exist in a fresh episode), never an input error.
        #expect(response.status == .ok || response.status == .messageError, "\(name): \(response.envelope)")
        if response.status == .ok { #expect(response.error.isEmpty) }
    }

    @Test(arguments: names)
    func missingAndUnexpectedParametersAreInputErrors(name: String) {
        let function = Fixtures.function(name)
        var arguments = Fixtures.exampleArguments(function)
        arguments["no_such_parameter"] = "x"
        let unexpected = Fixtures.call(name, arguments)
        #expect(unexpected.status == .inputError)
        #expect(unexpected.error.hasPrefix("Function executing \(name) error..."))
        #expect(unexpected.error.contains("got an unexpected keyword argument 'no_such_parameter'"))

        guard let firstRequired = function.parameters.first(where: \.required) else { return }
        var missing = Fixtures.exampleArguments(function)
        missing[firstRequired.exposedName] = nil
        let response = Fixtures.call(name, missing)
        #expect(response.status == .inputError)
        #expect(response.error.contains("missing 1 required positional argument: '\(firstRequired.exposedName)'"))
        #expect(response.response == "")
    }

    @Test func illTypedArgumentsAreInputErrorsAndNumericStringsAreAccepted() {
        let convert = "convert_for_currency_exchange"
        let bad = Fixtures.call(convert, ["is_from": "USD", "to": "EUR", "amount": "a hundred"])
        #expect(bad.status == .inputError)
        #expect(bad.error.contains("parameter 'amount' expects a NUMBER, got \"a hundred\""))
        let coerced = Fixtures.call(convert, ["is_from": "USD", "to": "EUR", "amount": "100"])
        let typed = Fixtures.call(convert, ["is_from": "USD", "to": "EUR", "amount": 100])
        #expect(coerced == typed)
        #expect(coerced.status == .ok)
        let badDate = Fixtures.call("day_of_week_for_date_calculator", ["date": "31/12/2024"])
        #expect(badDate.error.contains("expects a DATE (YYYY-MM-DD)"))
        let array = Fixtures.call("current_weather_for_weather_hub", ["q": ["Paris"]])
        #expect(array.status == .inputError)
        // The original ToolBench name `from` is not the exposed one and is refused like Python would.
        let original = Fixtures.call(convert, ["from": "USD", "to": "EUR", "amount": 1])
        #expect(original.status == .inputError)
    }

    @Test func missingSeveralArgumentsUsesPythonsWording() {
        #expect(ArgumentValidator.missingPhrase(["a"]) == "missing 1 required positional argument: 'a'")
        #expect(ArgumentValidator.missingPhrase(["a", "b"]) == "missing 2 required positional arguments: 'a' and 'b'")
        #expect(
            ArgumentValidator.missingPhrase(["a", "b", "c"])
                == "missing 3 required positional arguments: 'a', 'b', and 'c'")
    }

    @Test func domainErrorsUseTheMessageEnvelope() {
        let response = Fixtures.call("current_weather_for_weather_hub", ["q": "Atlantis"])
        #expect(response.status == .messageError)
        #expect(response.error == "Message error...")
        #expect(response.response["message"]?.stringValue?.contains("Atlantis") == true)
    }

    @Test func loadsAToolBenchDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tools-catalog-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("Data"), withIntermediateDirectories: true)
        let file = """
            {"tool_name": "hello world", "tool_description": "Return hello world.", "title": "hello world", "pricing": "FREE",
             "score": {"avgServiceLevel": 100}, "api_list": [{"name": "properties/get-broadband",
             "url": "https://zoopla.p.rapidapi.com/properties/get-broadband", "description": "Get broadband information",
             "method": "GET", "required_parameters": [{"name": "listing_id", "type": "NUMBER", "description": "The id", "default": "56354192"}],
             "optional_parameters": [{"name": "from", "type": "STRING", "description": "", "default": ""}],
             "code": "import requests", "statuscode": 200, "schema": {}}]}
            """
        try file.write(to: directory.appendingPathComponent("Data/hello_world.json"), atomically: true, encoding: .utf8)
        let catalog = try ToolCatalog.load(directory: directory)
        let function = try #require(catalog.function(named: "properties_get_broadband_for_hello_world"))
        #expect(
            function.openAI["parameters"]?["properties"]?["listing_id"] == [
                "type": "integer", "description": "The id", "example_value": "56354192",
            ])
        #expect(function.openAI["parameters"]?["optional"] == ["is_from"])
        #expect(!SimulatedBackend.simulates(function))
        #expect(throws: ToolsError.self) {
            try ToolCatalog.load(directory: directory.appendingPathComponent("missing"))
        }
    }
}
