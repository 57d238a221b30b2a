import Foundation
import Testing

@testable import TroupeCore

@Suite struct JSONValueTests {
    @Test func writesCompactDeterministicText() {
        let value: JSONValue = ["b": 1, "a": [true, nil, 0.1, "x\"y\n\u{1}"], "c": -42]
        #expect(value.serialized() == #"{"b":1,"a":[true,null,0.1,"x\"y\n\u0001"],"c":-42}"#)
        #expect(JSONValue.int(Int64.min).serialized() == "-9223372036854775808")
        #expect(JSONValue.double(.nan).serialized() == "null")
        #expect(JSONValue.double(1).serialized() == "1.0")
    }

    /// Doubles are written as Swift's `description` spells them, also on the integral fast path.
    @Test func doublesAreWrittenAsTheirDescription() {
        var values: [Double] = [
            0, -0.0, 1, -1, 0.5, -3, 100, 1e8, 99_999_999, 123_456_789_012, 1e15, 9_007_199_254_740_992,
            9_007_199_254_740_994, 9_999_999_999_999_998, 1e16, -1e16, 1e17, 1e300, .leastNonzeroMagnitude, .ulpOfOne,
            0.1, 1.5e-7,
        ]
        var rng = SeededRNG(seed: 7, stream: "doubles")
        for _ in 0..<2000 {
            let exponent = Double(rng.next() % 40) - 20
            let value = Double(Int64(bitPattern: rng.next()) % 1_000_000) * pow(10, exponent)
            values += [value, value.rounded()]
        }
        for value in values {
            #expect(JSONValue.double(value).serialized() == value.description, "\(value)")
        }
        #expect(JSONValue.double(.nan).serialized() == "null")
        #expect(JSONValue.double(-.infinity).serialized() == "null")
    }

    @Test func parsesWhatItWrites() throws {
        let value: JSONValue = ["text": "héllo ✓ 𝄞", "n": 3, "d": 2.5, "list": [[], [:], "", false], "z": nil]
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test func keepsKeyOrder() throws {
        let parsed = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(Array(parsed.objectValue!.keys) == ["z", "a", "m"])
    }

    @Test(arguments: [
        "", "   ", "{", #"{"a":}"#, "[1,2", "nul", "[1,]", "01", "1 2", "NaN", "1e999", "[1e999]", "tru", "-",
    ])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x22]) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(try JSONValue.parse(ok).arrayValue != nil)
    }

    @Test func bigIntegersBecomeDoubles() throws {
        #expect(try JSONValue.parse("18446744073709551615") == .double(0x1p64))
        #expect(try JSONValue.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue.parse("-12") == .int(-12))
        #expect(try JSONValue.parse("[7]") == [7])
    }

    @Test func objectEqualityIgnoresOrder() throws {
        let a = try JSONValue.parse(#"{"x":1,"y":[1,{"p":1,"q":2}]}"#)
        let b = try JSONValue.parse(#"{"y":[1,{"q":2,"p":1}],"x":1}"#)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.serialized() != b.serialized())
    }

    @Test func canonicalFormSortsKeysAndNormalizesNumbers() {
        let a: JSONValue = ["b": 1.0, "a": ["y": 2, "x": 0.5]]
        let b: JSONValue = ["a": ["x": 0.5, "y": 2.0], "b": 1]
        #expect(a.canonicalString() == b.canonicalString())
        #expect(a.canonicalString() == #"{"a":{"x":0.5,"y":2},"b":1}"#)
    }

    @Test func decodingErrorsNameTheField() {
        struct Limits: Decodable { var cpu: Int }
        struct Config: Decodable { var limits: Limits }
        do {
            let _: Config = try (["limits": ["cpu": "fast"]] as JSONValue).decode()
            Issue.record("decoding should fail")
        } catch let error as DecodingError {
            #expect(error.readableDescription == "`limits.cpu`: expected an integer")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
