import TroupeCore

/// A scripted stand-in for an LLM on one task family, for fast offline runs and tests.
///
/// Rules every responder keeps:
/// - It sees only `input`, the text a real LLM would see (messages or prompt), never hidden
///   environment state; whatever it knows about a task it must read from that text.
/// - It is deterministic: all randomness comes from `rng`, which the `sim` backend seeds from the
///   request and its sample identity.
/// - `competence` in [0, 1] sets how often it deviates from the right answer: each decision it
///   makes goes wrong with probability `1 - competence` (1 never deviates).
///
/// Stop sequences, `max_tokens` and token counts are applied by the backend afterwards.
public protocol SimResponder: Sendable {
    func respond(to input: LLMInput, competence: Double, rng: inout SeededRNG) throws -> String
}

/// A family of responders in the `sim` backend's registry: its name (the `family` field of the
/// backend configuration) and how to make one from the `options` object.
///
/// Task-specific responders (an ALFWorld executor for Matryoshka, …) are values of this type in
/// their own modules, passed to `SimBackend.kind(responders:)`.
public struct SimResponderKind: Sendable {
    public let family: String
    public let summary: String
    /// Validates `options` (throwing `EnvError.badConfig` naming the field) and makes a responder.
    public let make: @Sendable (_ options: JSONObject) throws -> any SimResponder

    public init(
        family: String, summary: String, make: @escaping @Sendable (_ options: JSONObject) throws -> any SimResponder
    ) {
        self.family = family
        self.summary = summary
        self.make = make
    }

    /// The responders that ship with this module.
    public static let builtin: [SimResponderKind] = [GenericResponder.kind]
}

/// How the `sim` backend counts tokens: a piece is a run of letters, digits and combining marks,
/// or any other single Unicode scalar that is not white space. Close enough to BPE counts for
/// English to make budgets and accounting behave, and exactly reproducible. Works on scalars, with
/// an ASCII fast path, because it runs over every prompt.
enum SimTokens {
    /// The end of each piece, in order.
    static func pieceEnds(_ text: String) -> [String.Index] {
        var ends: [String.Index] = []
        var inWord = false
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if isWordScalar(scalar) {
                if inWord { ends[ends.count - 1] = next } else { ends.append(next) }
                inWord = true
            } else {
                inWord = false
                if !isSpace(scalar) { ends.append(next) }
            }
            index = next
        }
        return ends
    }

    static func count(_ text: String) -> Int { pieceEnds(text).count }

    /// The text cut after `limit` pieces, and whether it was cut.
    static func truncate(_ text: String, to limit: Int) -> (String, Bool) {
        let ends = pieceEnds(text)
        guard ends.count > limit else { return (text, false) }
        guard limit > 0 else { return ("", true) }
        return (String(text[..<ends[limit - 1]]), true)
    }

    @inline(__always)
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return properties.isAlphabetic || properties.numericType != nil
        }
    }

    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
        return scalar.properties.isWhitespace
    }
}
