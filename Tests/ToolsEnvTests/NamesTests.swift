import Testing

@testable import ToolsEnv

/// ToolBench's name normalization, case by case against what `toolbench/utils.py` produces.
@Suite struct NamesTests {
    @Test(arguments: [
        ("hello world", "hello_world"),
        ("Weather Hub", "weather_hub"),
        ("7-Day Forecast", "get_7_day_forecast"),
        ("/v1/forecast.json", "v1_forecast_json"),
        ("__Already__Snake__", "already_snake"),
        ("properties/get-broadband", "properties_get_broadband"),
        ("a^b", "a^b"),  // `^` is inside ToolBench's character class, so it survives
        ("Café au lait", "caf_au_lait"),  // non-ASCII letters outside CJK become `_`
        ("天气 API", "天气_api"),  // CJK ideographs survive
        ("123", "get_123"),
        ("  ", ""),
        ("Password of length 50", "password_of_length_50"),
        ("Filter & Group Giveaways", "filter_group_giveaways"),
    ])
    func standardize(input: String, expected: String) {
        #expect(ToolBenchNames.standardize(input) == expected)
    }

    @Test func changeNamePrefixesReservedNames() {
        for name in ["from", "class", "return", "false", "true", "id", "and"] {
            #expect(ToolBenchNames.changeName(name) == "is_" + name)
        }
        #expect(ToolBenchNames.changeName("ID") == "ID")  // ToolBench compares case-sensitively
        #expect(ToolBenchNames.changeName("fromage") == "fromage")
        #expect(ToolBenchNames.parameterName("From") == "is_from")
    }

    @Test func categoryDirectoryReplacesOnePassOfDoubleUnderscores() {
        #expect(ToolBenchNames.categoryDirectory("Health and Fitness") == "Health_and_Fitness")
        #expect(ToolBenchNames.categoryDirectory("Video, Images") == "Video_Images")
        #expect(ToolBenchNames.categoryDirectory("a / b") == "a__b")  // "a___b" → one pass of "__"→"_"
    }

    @Test func functionNameKeepsTheLast64Characters() {
        #expect(
            ToolBenchNames.functionName(api: "Current Weather", standardToolName: "weather_hub")
                == "current_weather_for_weather_hub")
        #expect(ToolBenchNames.functionName(api: "id", standardToolName: "x") == "is_id_for_x")
        let long = ToolBenchNames.functionName(
            api: "Get the very long endpoint name that keeps going",
            standardToolName: "an_extremely_long_standard_tool_name")
        let full = "get_the_very_long_endpoint_name_that_keeps_going_for_an_extremely_long_standard_tool_name"
        #expect(long.count == 64)
        #expect(long == String(full.suffix(64)))
    }
}
