/// The five settings of BIG-Bench's logical deduction and how each one words objects, statements,
/// positions and patterns.
enum DeductionDomain: String, Sendable, CaseIterable, Codable {
    case birds, books, golfers, vehicles, fruits

    /// The pool objects are drawn from (at least seven).
    var pool: [String] {
        switch self {
        case .birds:
            return ["blue jay", "quail", "falcon", "raven", "robin", "owl", "crow", "hummingbird", "cardinal", "hawk"]
        case .books: return ["red", "gray", "white", "green", "orange", "blue", "black", "brown", "purple", "yellow"]
        case .golfers: return ["Amy", "Eli", "Eve", "Ana", "Ada", "Dan", "Rob", "Joe", "Mel", "Mya"]
        case .vehicles:
            return [
                "hatchback", "bus", "convertible", "tractor", "minivan", "limousine", "sedan", "truck", "motorcycle",
                "station wagon",
            ]
        case .fruits:
            return [
                "apples", "peaches", "plums", "kiwis", "watermelons", "mangoes", "oranges", "pears", "loquats",
                "cantaloupes",
            ]
        }
    }

    var noun: String {
        switch self {
        case .birds: return "bird"
        case .books: return "book"
        case .golfers: return "golfer"
        case .vehicles: return "vehicle"
        case .fruits: return "fruit"
        }
    }

    /// The end labels of patterns: position 0 first.
    var ends: (String, String) {
        switch self {
        case .birds, .books: return ("left", "right")
        case .golfers: return ("above", "below")
        case .vehicles: return ("oldest", "newest")
        case .fruits: return ("cheapest", "most expensive")
        }
    }

    /// How the object is named in a sentence: `the blue jay`, `the white book`, `Amy`, `the apples`.
    func the(_ name: String) -> String {
        switch self {
        case .golfers: return name
        case .books: return "the \(name) book"
        default: return "the \(name)"
        }
    }

    /// How it is introduced in a list: `a blue jay`, `an owl`, `a white book`, `Amy`, `apples`.
    func introduced(_ name: String) -> String {
        switch self {
        case .golfers, .fruits: return name
        case .books: return "\("aeiou".contains(name.first!) ? "an" : "a") \(name) book"
        default: return "\("aeiou".contains(name.first!) ? "an" : "a") \(name)"
        }
    }

    /// `three birds: a blue jay, a quail, and a falcon`.
    func listing(_ names: [String]) -> String {
        let items = names.map(introduced)
        return
            "\(String.cardinal(names.count)) \(noun)s: \(items.dropLast().joined(separator: ", ")), and \(items.last!)"
    }

    /// The sentence that sets the scene.
    func setting(_ names: [String]) -> String {
        switch self {
        case .birds: return "On a branch, there are \(listing(names))."
        case .books: return "On a shelf, there are \(listing(names))."
        case .golfers: return "In a golf tournament, there were \(listing(names))."
        case .vehicles: return "In an antique car show, there are \(listing(names))."
        case .fruits: return "A fruit stand sells \(listing(names))."
        }
    }

    private func capitalized(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    /// Whether position p (0-based from the start) is named from the start (else from the end).
    static func fromStart(_ p: Int, _ n: Int) -> Bool { p + 1 <= n - p }

    /// The position phrase after `is the` / `finished`: `leftmost`, `third from the left`,
    /// `second from the right`, `first`, `second-to-last`, `second-oldest`, `most expensive`.
    func position(_ p: Int, _ n: Int) -> String {
        let start = Self.fromStart(p, n)
        let k = start ? p + 1 : n - p
        switch self {
        case .birds, .books:
            if p == 0 { return "leftmost" }
            if p == n - 1 { return "rightmost" }
            return "\(String.ordinal(k)) from the \(start ? "left" : "right")"
        case .golfers:
            if p == n - 1 { return "last" }
            return start ? String.ordinal(k) : "\(String.ordinal(k))-to-last"
        case .vehicles:
            if k == 1 { return start ? "oldest" : "newest" }
            return "\(String.ordinal(k))-\(start ? "oldest" : "newest")"
        case .fruits:
            if k == 1 { return start ? "cheapest" : "most expensive" }
            return start ? "\(String.ordinal(k))-cheapest" : "\(String.ordinal(k))-most expensive"
        }
    }

    /// The clause `is the second from the left` / `finished third` / `are the cheapest`.
    func positionClause(_ p: Int, _ n: Int) -> String {
        switch self {
        case .golfers: return "finished \(position(p, n))"
        case .fruits: return "are the \(position(p, n))"
        default: return "is the \(position(p, n))"
        }
    }

    /// A statement fixing a position: `The raven is the third from the left.`
    func absolute(_ name: String, _ p: Int, _ n: Int) -> String {
        "\(capitalized(the(name))) \(positionClause(p, n))."
    }

    /// A statement ordering two objects, `first` nearer the start: `The owl is to the left of the
    /// falcon.` (or, worded from the other side, `The falcon is to the right of the owl.`).
    func relative(first: String, second: String, fromFirst: Bool) -> String {
        let (subject, object) = fromFirst ? (first, second) : (second, first)
        let relation: String
        switch self {
        case .birds, .books: relation = fromFirst ? "is to the left of" : "is to the right of"
        case .golfers: relation = fromFirst ? "finished above" : "finished below"
        case .vehicles: relation = fromFirst ? "is older than" : "is newer than"
        case .fruits: relation = fromFirst ? "are less expensive than" : "are more expensive than"
        }
        return "\(capitalized(the(subject))) \(relation) \(the(object))."
    }

    /// `the bird that is second from the left` / `the golfer that finished third`.
    func asked(_ p: Int, _ n: Int) -> String {
        switch self {
        case .golfers: return "the golfer that finished \(position(p, n))"
        default: return "the \(noun) that is the \(position(p, n))"
        }
    }
}
