import CJSONC

/// Why a text is not acceptable JSON, with the byte offset where json-c stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, in json-c's words or ours.
    public var reason: String
    /// Byte offset in the input where parsing stopped.
    public var offset: Int

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A reusable JSON parser on json-c's tokener, in strict mode with UTF-8 validation and a depth
/// limit, so that no input (garbage, deep nesting, invalid UTF-8, huge numbers) can crash the
/// process or recurse without bound.
///
/// json-c's strict mode is slightly more lenient than RFC 8259: it accepts single-quoted strings
/// and raw control characters inside strings. Both parse to the value a reader would expect.
///
/// Invariant: one parser is used by one thread at a time (it holds a json-c tokener, which is not
/// thread-safe); make one per connection or per task. It is not `Sendable` for that reason.
public final class JSONParser {
    private let tokener: UnsafeMutablePointer<json_tokener>
    /// The deepest nesting of arrays and objects accepted.
    public let maxDepth: Int

    /// - Parameter maxDepth: nesting limit for arrays and objects (json-c's own default is 32).
    public init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
        guard let tokener = json_tokener_new_ex(Int32(maxDepth)) else {
            fatalError("json-c could not allocate a tokener (out of memory)")
        }
        self.tokener = tokener
        json_tokener_set_flags(tokener, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8)
    }

    deinit { json_tokener_free(tokener) }

    /// Parses exactly one JSON value from `bytes`; surrounding spaces, tabs and line ends are
    /// allowed, anything else after the value is an error.
    ///
    /// - Throws: `JSONParseError` only.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        try withParsed(bytes) { try $0.jsonValue() }
    }

    /// Parses exactly one JSON value from `bytes`, as `parse` does, and hands json-c's tree to
    /// `body` without converting it: for decoders that read a few members of a large frame.
    /// The tree, and every node of it, lives until `body` returns.
    ///
    /// - Throws: `JSONParseError`, or what `body` throws.
    package func withParsed<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (JSONCNode) throws -> T
    ) throws -> T {
        json_tokener_reset(tokener)
        var length = bytes.count
        while length > 0, JSONParser.isSpace(bytes[length - 1]) { length -= 1 }
        guard length > 0 else { throw JSONParseError(reason: "empty input; expected a JSON value", offset: 0) }
        guard length < Int(Int32.max) else {
            throw JSONParseError(reason: "input of \(length) bytes is too large to parse", offset: 0)
        }
        let base = bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
        var object = json_tokener_parse_ex(tokener, base, Int32(length))
        var error = json_tokener_get_error(tokener)
        var end = json_tokener_get_parse_end(tokener)
        if error == json_tokener_continue {
            // A number at the very end is only complete once json-c sees a terminator.
            object = json_tokener_parse_ex(tokener, "", 1)
            error = json_tokener_get_error(tokener)
            end = error == json_tokener_success ? length : end
        }
        if error == json_tokener_continue {
            json_object_put(object)
            throw JSONParseError(reason: "truncated: the text ends inside a value", offset: length)
        }
        guard error == json_tokener_success else {
            json_object_put(object)
            let reason = String(cString: json_tokener_error_desc(error))
            throw JSONParseError(reason: reason, offset: end)
        }
        defer { json_object_put(object) }
        guard end == length else {
            throw JSONParseError(reason: "unexpected text after the JSON value", offset: end)
        }
        return try body(JSONCNode(object: object))
    }

    /// Parses exactly one JSON value from a string.
    public func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { utf8 in try parse(UnsafeRawBufferPointer(utf8)) }
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Converts a json-c tree to a `JSONValue`. Recursion is bounded by the tokener's depth limit.
    static func convert(_ object: OpaquePointer?) throws -> JSONValue {
        guard let object else { return .null }
        switch json_object_get_type(object) {
        case json_type_null:
            return .null
        case json_type_boolean:
            return .bool(json_object_get_boolean(object) != 0)
        case json_type_int:
            let value = json_object_get_int64(object)
            if value == Int64.max {
                // json-c keeps integers above Int64.max as unsigned; beyond UInt64 it saturates.
                let unsigned = json_object_get_uint64(object)
                if unsigned > UInt64(Int64.max) { return .double(Double(unsigned)) }
            }
            return .int(value)
        case json_type_double:
            let value = json_object_get_double(object)
            guard value.isFinite else {
                throw JSONParseError(reason: "number out of range for a 64-bit double", offset: 0)
            }
            return .double(value)
        case json_type_string:
            let length = Int(json_object_get_string_len(object))
            guard let pointer = json_object_get_string(object) else { return .string("") }
            let buffer = UnsafeRawBufferPointer(start: pointer, count: length)
            return .string(String(decoding: buffer, as: UTF8.self))
        case json_type_array:
            let count = json_object_array_length(object)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                elements.append(try convert(json_object_array_get_idx(object, index)))
            }
            return .array(elements)
        case json_type_object:
            var members = JSONObject()
            members.reserveCapacity(Int(json_object_object_length(object)))
            var iterator = json_object_iter_begin(object)
            var end = json_object_iter_end(object)
            while json_object_iter_equal(&iterator, &end) == 0 {
                let key = String(cString: json_object_iter_peek_name(&iterator))
                members[key] = try convert(json_object_iter_peek_value(&iterator))
                json_object_iter_next(&iterator)
            }
            return .object(members)
        default:
            return .null
        }
    }
}

extension JSONValue {
    /// Parses one JSON value from text with a fresh parser. For many values in a row (a
    /// connection's frames) keep a `JSONParser` instead.
    public static func parse(_ text: String, maxDepth: Int = 64) throws -> JSONValue {
        try JSONParser(maxDepth: maxDepth).parse(text)
    }

    /// Parses one JSON value from UTF-8 bytes with a fresh parser.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws -> JSONValue {
        try bytes.withUnsafeBytes { raw in try JSONParser(maxDepth: maxDepth).parse(raw) }
    }
}
