import Foundation

/// `JSONValue` is `Codable`, so typed configurations and messages can hold free-form JSON, and
/// typed values convert to and from `JSONValue` through Foundation's coders. These conversions are
/// for configuration and other cold paths; hot paths (frames, steps) use `JSONValue` directly.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode(JSONObjectBox.self) {
            self = .object(o.members)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(JSONObjectBox(members: o))
        }
    }
}

/// Codes an object through a keyed container, keeping the order in which keys arrive.
private struct JSONObjectBox: Codable {
    var members: JSONObject

    init(members: JSONObject) { self.members = members }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        members = JSONObject()
        for key in container.allKeys {
            members[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in members {
            try container.encode(value, forKey: Key(stringValue: key))
        }
    }
}

extension JSONValue {
    /// Decodes a typed value (a configuration, a message body) from this JSON value.
    ///
    /// - Throws: `DecodingError`; `DecodingError.readableDescription` turns it into a message that
    ///   names the field.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(serializedBytes()))
    }

    /// Encodes a typed value as a JSON value.
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        self = try JSONValue.parse([UInt8](data))
    }
}

extension DecodingError {
    /// A one-line message that names the offending field by its path (`limits.cpu_seconds`) and says
    /// what was wrong, for errors shown to users.
    public var readableDescription: String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let parts = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
            let joined = parts.reduce(into: "") { result, part in
                result += part.hasPrefix("[") || result.isEmpty ? part : "." + part
            }
            return joined.isEmpty ? "the top level" : "`\(joined)`"
        }
        switch self {
        case .keyNotFound(let key, let context):
            let full = context.codingPath + [key]
            return "missing required field \(path(full))"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(Self.typeWord(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(Self.typeWord(type)), got null"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return String(describing: self)
        }
    }

    private static func typeWord(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type, is UInt32.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") || name.hasPrefix("[") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a value of type \(name)"
        }
    }
}
