import Foundation

/// An arithmetic expression as the verifiers read it from a model's text: numbers, `+ - * /`
/// (also `×`, `÷`, `x` between numbers is not accepted), parentheses, and single capital letters
/// as variables (`(A * B)`). A `-` directly before a digit in operand position is part of the
/// number (`-5`, as BIG-Bench writes `3 - -196`); before a parenthesis it negates.
///
/// Evaluation is exact over integers (`intValue`: nil on overflow beyond 10^18 or on an inexact
/// division) or in doubles (`doubleValue`).
indirect enum Expression: Equatable, Sendable {
    case number(Double, exact: Int?)
    case variable(Character)
    case negate(Expression)
    case binary(Character, Expression, Expression)

    /// Parses `text`, or returns nil when it is not a complete expression.
    static func parse(_ text: some StringProtocol) -> Expression? {
        var parser = Parser(tokens: tokenize(text))
        guard let tokens = parser.tokens, let expression = parser.expression(), parser.index == tokens.count else {
            return nil
        }
        return expression
    }

    /// Exact integer value, or nil (a variable, an overflow, or a division with a remainder).
    var intValue: Int? {
        switch self {
        case .number(_, let exact): return exact
        case .variable: return nil
        case .negate(let inner): return inner.intValue.flatMap { $0 == .min ? nil : -$0 }
        case .binary(let op, let l, let r):
            guard let a = l.intValue, let b = r.intValue else { return nil }
            return Expression.apply(op, a, b)
        }
    }

    static func apply(_ op: Character, _ a: Int, _ b: Int) -> Int? {
        let result: (partialValue: Int, overflow: Bool)
        switch op {
        case "+": result = a.addingReportingOverflow(b)
        case "-": result = a.subtractingReportingOverflow(b)
        case "*": result = a.multipliedReportingOverflow(by: b)
        case "/":
            guard b != 0, a % b == 0 else { return nil }
            return a / b
        default: return nil
        }
        guard !result.overflow, abs(result.partialValue) <= 1_000_000_000_000_000_000 else { return nil }
        return result.partialValue
    }

    /// Value in doubles, or nil for a variable or a division by zero.
    var doubleValue: Double? {
        switch self {
        case .number(let value, _): return value
        case .variable: return nil
        case .negate(let inner): return inner.doubleValue.map { -$0 }
        case .binary(let op, let l, let r):
            guard let a = l.doubleValue, let b = r.doubleValue else { return nil }
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            default: return b == 0 ? nil : a / b
            }
        }
    }

    /// Every number literal, in order.
    var numbers: [Double] {
        switch self {
        case .number(let value, _): return [value]
        case .variable: return []
        case .negate(let inner): return inner.numbers
        case .binary(_, let l, let r): return l.numbers + r.numbers
        }
    }

    /// Every variable, in order.
    var variables: [Character] {
        switch self {
        case .number: return []
        case .variable(let name): return [name]
        case .negate(let inner): return inner.variables
        case .binary(_, let l, let r): return l.variables + r.variables
        }
    }

    /// Whether the expression is a single number.
    var isNumber: Bool {
        if case .number = self { return true }
        return false
    }

    enum Token: Equatable {
        case number(Double, Int?)
        case variable(Character)
        case op(Character)
        case open, close
    }

    /// Tokens, or nil when the text holds a character that is not part of an expression.
    static func tokenize(_ text: some StringProtocol) -> [Token]? {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        func operandPosition() -> Bool {
            guard let last = tokens.last else { return true }
            if case .op = last { return true }
            return last == .open
        }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "$" {
                i += 1
            } else if c.isASCII && c.isNumber
                || (c == "-" && operandPosition() && i + 1 < chars.count && chars[i + 1].isNumber)
                || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber)
            {
                var j = i + 1
                var digits = String(c)
                while j < chars.count, chars[j].isASCII, chars[j].isNumber || chars[j] == "." || chars[j] == "," {
                    // A comma is a thousands separator only when three digits follow.
                    if chars[j] == "," {
                        let next = chars[(j + 1)..<min(j + 4, chars.count)]
                        guard next.count == 3, next.allSatisfy(\.isNumber),
                            j + 4 >= chars.count || !chars[j + 4].isNumber
                        else { break }
                    } else {
                        digits.append(chars[j])
                    }
                    j += 1
                }
                if digits.hasSuffix(".") {
                    digits.removeLast()
                    j -= 1
                }
                guard let value = Double(digits) else { return nil }
                tokens.append(.number(value, digits.contains(".") ? nil : Int(digits)))
                i = j
            } else if "+-*/×÷".contains(c) {
                tokens.append(.op(c == "×" ? "*" : c == "÷" ? "/" : c))
                i += 1
            } else if c == "(" || c == "[" {
                tokens.append(.open)
                i += 1
            } else if c == ")" || c == "]" {
                tokens.append(.close)
                i += 1
            } else if c.isASCII, c.isUppercase, c.isLetter,
                i + 1 >= chars.count || !(chars[i + 1].isLetter)
            {
                tokens.append(.variable(c))
                i += 1
            } else {
                return nil
            }
        }
        return tokens
    }

    /// Recursive descent with the usual precedence: `*` and `/` bind tighter than `+` and `-`,
    /// both left-associative.
    struct Parser {
        let tokens: [Token]?
        var index = 0

        init(tokens: [Token]?) { self.tokens = tokens }

        private var current: Token? {
            guard let tokens, index < tokens.count else { return nil }
            return tokens[index]
        }

        mutating func expression() -> Expression? {
            guard var left = term() else { return nil }
            while case .op(let op) = current, op == "+" || op == "-" {
                index += 1
                guard let right = term() else { return nil }
                left = .binary(op, left, right)
            }
            return left
        }

        mutating func term() -> Expression? {
            guard var left = factor() else { return nil }
            while case .op(let op) = current, op == "*" || op == "/" {
                index += 1
                guard let right = factor() else { return nil }
                left = .binary(op, left, right)
            }
            return left
        }

        mutating func factor() -> Expression? {
            switch current {
            case .number(let value, let exact):
                index += 1
                return .number(value, exact: exact)
            case .variable(let name):
                index += 1
                return .variable(name)
            case .op("-"):
                index += 1
                return factor().map { .negate($0) }
            case .open:
                index += 1
                guard let inner = expression(), current == .close else { return nil }
                index += 1
                return inner
            default:
                return nil
            }
        }
    }
}

extension Expression {
    /// Whether the text's round brackets balance (for the "number of left and right brackets do not
    /// match" reason).
    static func bracketsBalance(_ text: some StringProtocol) -> Bool {
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" {
                depth -= 1
                if depth < 0 { return false }
            }
        }
        return depth == 0
    }
}

/// Formats a number for text: integers without a decimal point, others with at most six decimals
/// and no trailing zeros (`12.5`, `0.125`).
func formatNumber(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
        return String(Int(value))
    }
    var text = String(format: "%.6f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}
