import TroupeCore

/// Multistep arithmetic (BIG-Bench's `multistep_arithmetic`, as TriPosT uses it): a full binary
/// tree of `+ - *` whose leaves are flat groups of single-digit integers, such as
/// `((7 - -1 + -1 + -4) - (-7 + 7 * 3 * -9)) =`.
///
/// TriPosT names settings `lL1-L2dD…`: `l3-4` is the number of numbers in every group (one length
/// per question), `d2` one level of combination (2 groups), `d22` two levels (4 groups), `d222`
/// three (8 groups); `d2-22` means either. It trains on `l3-4d2-22` and tests on `l3-4d2-22`
/// (seen) and on `l3-4d222`, `l5-6d2`, `l5-6d22`, `l5-6d222` (unseen).
public struct MultistepArithmeticTask: ReasoningTask {
    /// The knobs of the family.
    public struct Params: Sendable, Equatable, Codable {
        /// TriPosT settings to draw from uniformly, such as `l3-4d2-22`.
        public var settings: [String]
        /// Numbers are drawn from `-max_number ... max_number`.
        public var maxNumber: Int

        public init(settings: [String], maxNumber: Int = 9) {
            self.settings = settings
            self.maxNumber = maxNumber
        }

        enum CodingKeys: String, CodingKey {
            case settings
            case maxNumber = "max_number"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            settings = try c.decodeIfPresent([String].self, forKey: .settings) ?? ["l3-4d2-22"]
            maxNumber = try c.decodeIfPresent(Int.self, forKey: .maxNumber) ?? 9
            guard !settings.isEmpty else { throw EnvError.badConfig("`params.settings` must not be empty") }
            for setting in settings where Params.parse(setting) == nil {
                throw EnvError.badConfig(
                    "`params.settings`: \"\(setting)\" is not a setting like \"l3-4d2-22\" (lengths 2 to 8, depths d2, d22, d222)"
                )
            }
            guard (1...99).contains(maxNumber) else {
                throw EnvError.badConfig("`params.max_number` must be between 1 and 99, got \(maxNumber)")
            }
        }

        /// The split's defaults (see the type's documentation).
        public static func defaults(for split: Split) -> Params {
            switch split {
            case .train, .testSeen: return Params(settings: ["l3-4d2-22"])
            case .testUnseen: return Params(settings: ["l3-4d222", "l5-6d2", "l5-6d22", "l5-6d222"])
            }
        }

        /// `l3-4d2-22` as (lengths 3...4, depths [1, 2]).
        static func parse(_ setting: String) -> (lengths: ClosedRange<Int>, depths: [Int])? {
            guard setting.hasPrefix("l"), let d = setting.firstIndex(of: "d") else { return nil }
            let lengthText = setting[setting.index(after: setting.startIndex)..<d].split(separator: "-")
            let lengths = lengthText.compactMap { Int($0) }
            guard lengths.count == lengthText.count, (1...2).contains(lengths.count), lengths[0] >= 2,
                lengths.last! <= 8, lengths[0] <= lengths.last!
            else { return nil }
            let depthText = setting[setting.index(after: d)...].split(separator: "-")
            guard !depthText.isEmpty,
                depthText.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { $0 == "2" } })
            else { return nil }
            return (lengths[0]...lengths.last!, depthText.map(\.count))
        }
    }

    public let family = ReasoningFamily.multistepArithmetic
    /// The expression tree; leaves of the top tree are the groups, named A, B, C … left to right.
    let groups: [ArithmeticNode]
    let top: ArithmeticNode
    /// The group length and depth drawn, for info.
    public let length: Int
    public let depth: Int

    /// Draws a task. Redraws when an intermediate value exceeds 10^15 in magnitude.
    public static func generate(_ params: Params, rng: inout SeededRNG) -> MultistepArithmeticTask {
        while true {
            let setting = Params.parse(rng.element(of: params.settings)!)!
            let length = rng.int(in: setting.lengths)
            let depth = rng.element(of: setting.depths)!
            let ops: [Character] = ["+", "-", "*"]
            var groups: [ArithmeticNode] = []
            for _ in 0..<(1 << depth) {
                let numbers = (0..<length).map { _ in rng.int(in: -params.maxNumber...params.maxNumber) }
                let groupOps = (1..<length).map { _ in rng.element(of: ops)! }
                groups.append(ArithmeticNode.flatGroup(numbers: numbers, ops: groupOps))
            }
            var index = 0
            func build(_ level: Int) -> ArithmeticNode {
                if level == 0 {
                    defer { index += 1 }
                    return .variable(Character(Unicode.Scalar(UInt8(65 + index))))
                }
                let left = build(level - 1)
                let right = build(level - 1)
                return .op(rng.element(of: ops)!, left, right)
            }
            let top = build(depth)
            let task = MultistepArithmeticTask(groups: groups, top: top, length: length, depth: depth)
            if task.valuesAreBounded { return task }
        }
    }

    var variableNames: [Character] { (0..<groups.count).map { Character(Unicode.Scalar(UInt8(65 + $0))) } }

    var groupValues: [Int] { groups.map { $0.value(variables: [:])! } }

    var valueTable: [Character: Int] { Dictionary(uniqueKeysWithValues: zip(variableNames, groupValues)) }

    var answer: Int { top.value(variables: valueTable)! }

    private var valuesAreBounded: Bool {
        let limit = 1_000_000_000_000_000
        let groupsOK = groups.allSatisfy { group in
            group.allValues(variables: [:]).allSatisfy { $0.map { abs($0) <= limit } ?? false }
        }
        guard groupsOK else { return false }
        return top.allValues(variables: valueTable).allSatisfy { $0.map { abs($0) <= limit } ?? false }
    }

    /// The question's expression, groups written flat: `((7 - -1 + -1 + -4) - (-7 + 7 * 3 * -9))`.
    var expressionText: String {
        top.render(variables: Dictionary(uniqueKeysWithValues: zip(variableNames, groups.map { $0.flatText })))
    }

    public var question: String { "Q: \(expressionText) =" }

    public var answerHeader: String {
        "Let's think step by step. Recall that the order of operations in mathematics is as follows: (1) Parentheses, (2) exponents, (3) multiplication and division (from left to right), (4) addition and multiplication (from left to right). So, remember to always compute the expressions inside parentheses or brackets first."
    }

    public var goldAnswer: String { String(answer) }

    /// The pattern of step (1): `((A * B) - (C * D))`.
    var patternText: String { top.render(variables: [:]) }

    public var rationale: [ReasoningStep] {
        var steps: [ReasoningStep] = []
        let names = variableNames
        let definitions = zip(names, groups).map { "\($0) = \($1.flatText)" }
        let listed =
            definitions.count == 2
            ? definitions.joined(separator: " and ")
            : definitions.dropLast().joined(separator: ", ") + " and " + definitions.last!
        steps.append(ReasoningStep("1", "This equation can be written as \"\(patternText)\", where \(listed)."))
        for (name, group) in zip(names, groups) {
            var chain = [group.flatText]
            chain += group.reductionChain(variables: [:]).filter { $0 != group.flatText }
            steps.append(
                ReasoningStep(String(steps.count + 1), "Let's calculate \(name) = \(chain.joined(separator: " = "))."))
        }
        let chain = [patternText] + top.reductionChain(variables: valueTable)
        steps.append(
            ReasoningStep(String(steps.count + 1), "Then, the final equation is \(chain.joined(separator: " = "))."))
        steps.append(ReasoningStep(ReasoningStep.finalLabel, "So the answer is \(answer)."))
        return steps
    }

    public func answerIsCorrect(_ finalText: String) -> Bool {
        AnswerCheck.integer(finalText) == answer
    }
}

/// A node of an integer expression tree, as the multistep-arithmetic generator builds it.
indirect enum ArithmeticNode: Sendable, Equatable {
    case number(Int)
    case variable(Character)
    case op(Character, ArithmeticNode, ArithmeticNode)
    /// A flat group as written in the question (`7 - -1 + -1 + -4`), kept with its parse.
    case group(text: String, tree: ArithmeticNode)

    /// A flat group: the numbers and operators as written, parsed with the usual precedence.
    static func flatGroup(numbers: [Int], ops: [Character]) -> ArithmeticNode {
        var text = String(numbers[0])
        for (op, n) in zip(ops, numbers.dropFirst()) { text += " \(op) \(n)" }
        // Multiplication chains first, then left-associative addition and subtraction.
        var terms: [ArithmeticNode] = [.number(numbers[0])]
        var termOps: [Character] = []
        for (op, n) in zip(ops, numbers.dropFirst()) {
            if op == "*" {
                terms[terms.count - 1] = .op("*", terms[terms.count - 1], .number(n))
            } else {
                termOps.append(op)
                terms.append(.number(n))
            }
        }
        var tree = terms[0]
        for (op, term) in zip(termOps, terms.dropFirst()) { tree = .op(op, tree, term) }
        return .group(text: "(\(text))", tree: tree)
    }

    /// The group as written in the question.
    var flatText: String {
        if case .group(let text, _) = self { return text }
        return render(variables: [:])
    }

    var tree: ArithmeticNode {
        if case .group(_, let tree) = self { return tree }
        return self
    }

    func value(variables: [Character: Int]) -> Int? {
        switch self {
        case .number(let n): return n
        case .variable(let name): return variables[name]
        case .group(_, let tree): return tree.value(variables: variables)
        case .op(let op, let l, let r):
            guard let a = l.value(variables: variables), let b = r.value(variables: variables) else { return nil }
            return Expression.apply(op, a, b)
        }
    }

    /// The value of every node (nil where it overflows).
    func allValues(variables: [Character: Int]) -> [Int?] {
        switch self {
        case .number, .variable: return [value(variables: variables)]
        case .group(_, let tree): return tree.allValues(variables: variables)
        case .op(_, let l, let r):
            return [value(variables: variables)] + l.allValues(variables: variables) + r.allValues(variables: variables)
        }
    }

    /// Fully parenthesized text; variables are written by name unless `variables` gives text for
    /// them.
    func render(variables: [Character: String]) -> String {
        switch self {
        case .number(let n): return String(n)
        case .variable(let name): return variables[name] ?? String(name)
        case .group(_, let tree): return tree.render(variables: variables)
        case .op(let op, let l, let r):
            return "(\(l.render(variables: variables)) \(op) \(r.render(variables: variables)))"
        }
    }

    /// The chain of a calculation in TriPosT's scripted order: the fully parenthesized expression
    /// with values substituted, then one operation reduced per link, lowest nodes first (a node's
    /// height is its distance to its deepest leaf) and left to right among equals, down to the
    /// value.
    func reductionChain(variables: [Character: Int]) -> [String] {
        // Number the operation nodes in order, with heights and values.
        struct Info {
            var height: Int
            var value: Int
        }
        var infos: [Info] = []
        func annotate(_ node: ArithmeticNode) -> (height: Int, id: Int?) {
            switch node {
            case .number, .variable: return (0, nil)
            case .group(_, let tree): return annotate(tree)
            case .op(_, let l, let r):
                let left = annotate(l)
                let id = infos.count
                infos.append(Info(height: 0, value: node.value(variables: variables) ?? 0))
                let right = annotate(r)
                infos[id].height = max(left.height, right.height) + 1
                return (infos[id].height, id)
            }
        }
        _ = annotate(self)
        let order = infos.indices.sorted { (infos[$0].height, $0) < (infos[$1].height, $1) }
        var reduced = Set<Int>()
        let values = variables.mapValues(String.init)
        func render(_ node: ArithmeticNode, _ next: inout Int) -> String {
            switch node {
            case .number, .variable: return node.render(variables: values)
            case .group(_, let tree): return render(tree, &next)
            case .op(let op, let l, let r):
                let left = render(l, &next)
                let id = next
                next += 1
                let right = render(r, &next)
                return reduced.contains(id) ? String(infos[id].value) : "(\(left) \(op) \(right))"
            }
        }
        var counter = 0
        var chain = [render(self, &counter)]
        for id in order {
            reduced.insert(id)
            counter = 0
            chain.append(render(self, &counter))
        }
        return chain
    }
}
