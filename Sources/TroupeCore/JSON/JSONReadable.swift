import CJSONC

/// Read-only access to a parsed JSON document, so that a decoder is written once and reads either
/// a `JSONValue` or json-c's own tree (`JSONCNode`). Reading json-c's tree directly skips building
/// a `JSONValue` for the parts a decoder only inspects (a request's envelope, a batch's items);
/// it copies out (`jsonValue()`) only what it keeps.
///
/// Invariants every conformance keeps:
/// - `exactInt` is set only for an integer literal that fits in `Int64`, never for a double.
/// - `doubleValue` is set for every finite number, integer or not.
/// - `member(_:)` is `nil` for a missing key and for a value that is not an object; when an object
///   repeats a key, the last one wins, as in `JSONValue`.
public protocol JSONReadable {
    /// A short name of the value's JSON type, as `JSONValue.typeName` spells it.
    var typeName: String { get }
    var isNull: Bool { get }
    var isObject: Bool { get }
    var stringValue: String? { get }
    var exactInt: Int64? { get }
    var doubleValue: Double? { get }
    var boolValue: Bool? { get }
    /// The number of elements, if this is an array.
    var arrayCount: Int? { get }
    /// The element at `index`; only for an array, with `0 <= index < arrayCount`.
    func element(_ index: Int) -> Self
    /// The member named `key`, if this is an object that has one.
    func member(_ key: String) -> Self?
    /// The value as a `JSONValue` (a copy that outlives the document).
    ///
    /// - Throws: `JSONParseError` for a number out of a double's range.
    func jsonValue() throws -> JSONValue
}

extension JSONValue: JSONReadable {
    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    public var exactInt: Int64? {
        if case .int(let int) = self { return int }
        return nil
    }

    public var arrayCount: Int? {
        if case .array(let elements) = self { return elements.count }
        return nil
    }

    public func element(_ index: Int) -> JSONValue {
        guard case .array(let elements) = self else { preconditionFailure("element(_:) of a \(typeName)") }
        return elements[index]
    }

    public func member(_ key: String) -> JSONValue? { self[key] }

    public func jsonValue() -> JSONValue { self }
}

/// A value inside a json-c tree that `JSONParser.withParsed` holds.
///
/// Invariant: a node is valid only inside the `withParsed` call that produced it; it holds no
/// reference of its own. JSON `null` is json-c's null pointer.
package struct JSONCNode: JSONReadable {
    let object: OpaquePointer?

    private var type: json_type { object.map { json_object_get_type($0) } ?? json_type_null }

    package var typeName: String {
        switch type {
        case json_type_null: return "null"
        case json_type_boolean: return "boolean"
        case json_type_int: return exactInt == nil ? "number" : "integer"
        case json_type_double: return "number"
        case json_type_string: return "string"
        case json_type_array: return "array"
        default: return "object"
        }
    }

    package var isNull: Bool { object == nil }
    package var isObject: Bool { type == json_type_object }

    package var stringValue: String? {
        guard let object, type == json_type_string else { return nil }
        let length = Int(json_object_get_string_len(object))
        guard let pointer = json_object_get_string(object) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    package var exactInt: Int64? {
        guard let object, type == json_type_int else { return nil }
        let value = json_object_get_int64(object)
        // json-c keeps integers above Int64.max as unsigned: those are doubles for JSONValue too.
        if value == Int64.max, json_object_get_uint64(object) > UInt64(Int64.max) { return nil }
        return value
    }

    package var doubleValue: Double? {
        guard let object else { return nil }
        switch type {
        case json_type_int:
            return exactInt.map(Double.init) ?? Double(json_object_get_uint64(object))
        case json_type_double:
            let value = json_object_get_double(object)
            return value.isFinite ? value : nil
        default:
            return nil
        }
    }

    package var boolValue: Bool? {
        guard let object, type == json_type_boolean else { return nil }
        return json_object_get_boolean(object) != 0
    }

    package var arrayCount: Int? {
        guard let object, type == json_type_array else { return nil }
        return json_object_array_length(object)
    }

    package func element(_ index: Int) -> JSONCNode {
        JSONCNode(object: json_object_array_get_idx(object, index))
    }

    package func member(_ key: String) -> JSONCNode? {
        guard let object, type == json_type_object else { return nil }
        var value: OpaquePointer?
        // withCString lends a native string's bytes (they are NUL-terminated) without a copy.
        guard key.withCString({ json_object_object_get_ex(object, $0, &value) }) != 0 else { return nil }
        return JSONCNode(object: value)
    }

    package func jsonValue() throws -> JSONValue { try JSONParser.convert(object) }
}
