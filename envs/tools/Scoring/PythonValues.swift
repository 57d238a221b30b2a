import TroupeCore

/// The few Python semantics the reference scorers rely on, for JSON values as Python's
/// `json.loads` would produce them: `type(v)` names, `==` (where `1 == 1.0 == True`), and `str(v)`.
enum Python {
    /// Python's type name of a JSON value after `json.loads`.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }

    /// Python's `==`.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(equal)
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default:
            guard let x = numeric(a), let y = numeric(b) else { return false }
            return x == y
        }
    }

    /// `value in list`.
    static func contains(_ list: [JSONValue], _ value: JSONValue) -> Bool { list.contains { equal($0, value) } }

    private static func numeric(_ value: JSONValue) -> Double? {
        switch value {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Python's `str(v)` (and `repr` inside containers).
    static func str(_ value: JSONValue) -> String { render(value, nested: false) }

    private static func render(_ value: JSONValue, nested: Bool) -> String {
        switch value {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "nan" }
            if d.isInfinite { return d > 0 ? "inf" : "-inf" }
            if d.rounded() == d, abs(d) < 1e16 { return String(Int64(d)) + ".0" }
            return String(d)
        case .string(let s): return nested ? "'" + s.replacingOccurrences(of: "'", with: "\\'") + "'" : s
        case .array(let items): return "[" + items.map { render($0, nested: true) }.joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.map { "'\($0.key)': " + render($0.value, nested: true) }.joined(separator: ", ") + "}"
        }
    }
}
