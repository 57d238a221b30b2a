import Foundation
import TroupeCore

extension SimulatedBackend {
    /// Factors to the base unit (meter, gram, milliliter).
    static let lengthUnits: [String: Double] = [
        "mm": 0.001, "cm": 0.01, "m": 1, "km": 1000, "in": 0.0254, "ft": 0.3048, "yd": 0.9144, "mi": 1609.344,
        "nmi": 1852,
    ]
    static let massUnits: [String: Double] = [
        "mg": 0.001, "g": 1, "kg": 1000, "t": 1_000_000, "oz": 28.349523125, "lb": 453.59237, "st": 6350.29318,
    ]
    static let volumeUnits: [String: Double] = [
        "ml": 1, "l": 1000, "tsp": 4.92892, "tbsp": 14.7868, "cup": 236.588, "pt": 473.176, "qt": 946.353,
        "gal": 3785.41, "floz": 29.5735,
    ]
    /// Common spellings of unit names.
    static let unitAliases: [String: String] = [
        "meter": "m", "meters": "m", "metre": "m", "metres": "m", "kilometer": "km", "kilometers": "km",
        "kilometre": "km", "kilometres": "km", "centimeter": "cm", "centimeters": "cm", "millimeter": "mm",
        "millimeters": "mm", "inch": "in", "inches": "in", "foot": "ft", "feet": "ft", "yard": "yd", "yards": "yd",
        "mile": "mi", "miles": "mi", "gram": "g", "grams": "g", "kilogram": "kg", "kilograms": "kg", "kilo": "kg",
        "kilos": "kg", "milligram": "mg", "milligrams": "mg", "tonne": "t", "tonnes": "t", "ounce": "oz",
        "ounces": "oz", "pound": "lb", "pounds": "lb", "lbs": "lb", "stone": "st", "liter": "l", "liters": "l",
        "litre": "l", "litres": "l", "milliliter": "ml", "milliliters": "ml", "teaspoon": "tsp", "teaspoons": "tsp",
        "tablespoon": "tbsp", "tablespoons": "tbsp", "cups": "cup", "pint": "pt", "pints": "pt", "quart": "qt",
        "quarts": "qt", "gallon": "gal", "gallons": "gal", "fl oz": "floz", "fluid ounce": "floz",
        "fluid ounces": "floz", "celsius": "c", "fahrenheit": "f", "kelvin": "k",
    ]

    static func unit(_ text: String) -> String {
        let folded = World.fold(text)
        return unitAliases[folded] ?? folded
    }

    static func linearConversion(_ table: [String: Double], _ quantity: String) -> SimHandler {
        { _, args, _ in
            let value = args.number("value")!
            let from = unit(args.string("from_unit")!)
            let to = unit(args.string("to_unit")!)
            guard let a = table[from], let b = table[to] else {
                return .message("Unknown \(quantity) unit. Supported: \(table.keys.sorted().joined(separator: ", ")).")
            }
            return .ok([
                "value": number(value), "from_unit": .string(from), "to_unit": .string(to),
                "result": .double(World.round(value * a / b, 6)),
            ])
        }
    }

    static let measureHandlers: [String: SimHandler] = [
        "convert_length_for_unit_converter": linearConversion(lengthUnits, "length"),
        "convert_mass_for_unit_converter": linearConversion(massUnits, "mass"),
        "convert_volume_for_unit_converter": linearConversion(volumeUnits, "volume"),
        "convert_temperature_for_unit_converter": { _, args, _ in
            let value = args.number("value")!
            let from = unit(args.string("from_unit")!).uppercased()
            let to = unit(args.string("to_unit")!).uppercased()
            let toKelvin: [String: (Double) -> Double] = [
                "C": { $0 + 273.15 }, "F": { ($0 - 32) * 5 / 9 + 273.15 }, "K": { $0 },
            ]
            let fromKelvin: [String: (Double) -> Double] = [
                "C": { $0 - 273.15 }, "F": { ($0 - 273.15) * 9 / 5 + 32 }, "K": { $0 },
            ]
            guard let a = toKelvin[from], let b = fromKelvin[to] else {
                return .message("Temperature units are C, F and K.")
            }
            let kelvin = a(value)
            guard kelvin >= 0 else { return .message("\(value) \(from) is below absolute zero.") }
            return .ok([
                "value": number(value), "from_unit": .string(from), "to_unit": .string(to),
                "result": .double(World.round(b(kelvin), 2)),
            ])
        },
        "evaluate_for_math_calculator": { _, args, _ in
            let expression = args.string("expression")!
            do {
                var evaluator = ExpressionEvaluator(expression)
                let value = try evaluator.evaluate()
                guard value.isFinite else { return .message("The expression has no finite value (division by zero?).") }
                return .ok(["expression": .string(expression), "result": number(World.round(value, 10))])
            } catch {
                return .message(
                    "Cannot evaluate '\(expression)': \((error as? ExpressionEvaluator.Failure)?.reason ?? "\(error)")")
            }
        },
        "solve_quadratic_for_math_calculator": { _, args, _ in
            let a = args.number("a")!
            let b = args.number("b")!
            let c = args.number("c")!
            guard a != 0 else { return .message("a must not be 0 (that is a linear equation).") }
            let discriminant = b * b - 4 * a * c
            if discriminant >= 0 {
                let root = discriminant.squareRoot()
                let x1 = World.round((-b + root) / (2 * a), 6)
                let x2 = World.round((-b - root) / (2 * a), 6)
                return .ok([
                    "discriminant": number(discriminant), "roots": .array([number(x1), number(x2)]), "real": true,
                ])
            }
            let re = World.round(-b / (2 * a), 6)
            let im = World.round((-discriminant).squareRoot() / (2 * abs(a)), 6)
            return .ok([
                "discriminant": number(discriminant), "real": false,
                "roots": [.string("\(re)+\(im)i"), .string("\(re)-\(im)i")],
            ])
        },
        "statistics_for_math_calculator": { _, args, _ in
            let text = args.string("numbers")!
            let pieces = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" })
            var values: [Double] = []
            for piece in pieces {
                guard let value = Double(piece), value.isFinite else { return .message("'\(piece)' is not a number.") }
                values.append(value)
            }
            guard !values.isEmpty else { return .message("Give at least one number, comma-separated.") }
            let sorted = values.sorted()
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let median =
                values.count % 2 == 1
                ? sorted[values.count / 2] : (sorted[values.count / 2 - 1] + sorted[values.count / 2]) / 2
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
            return .ok([
                "count": .number(values.count), "sum": number(World.round(values.reduce(0, +), 6)),
                "mean": number(World.round(mean, 6)), "median": number(median),
                "std_dev": number(World.round(variance.squareRoot(), 6)), "min": number(sorted.first!),
                "max": number(sorted.last!),
            ])
        },
        "factorize_for_math_calculator": { _, args, _ in
            let value = args.number("number")!
            guard value.rounded() == value, value >= 2, value <= 1e12 else {
                return .message("number must be an integer between 2 and 10^12.")
            }
            var n = Int64(value)
            var factors: [JSONValue] = []
            var p: Int64 = 2
            while p * p <= n {
                while n % p == 0 {
                    factors.append(.int(p))
                    n /= p
                }
                p += p == 2 ? 1 : 2
            }
            if n > 1 { factors.append(.int(n)) }
            return .ok([
                "number": .int(Int64(value)), "factors": .array(factors), "is_prime": .bool(factors.count == 1),
            ])
        },
    ]
}

/// A recursive-descent evaluator for the calculator: numbers, `+ - * / % ^` (right-associative
/// power, unary minus), parentheses, the constants `pi` and `e`, and `sqrt sin cos tan log ln abs`.
/// It evaluates data, never code, and bounds its nesting.
struct ExpressionEvaluator {
    struct Failure: Error { let reason: String }

    private let chars: [Character]
    private var position = 0
    private var depth = 0

    init(_ text: String) { chars = Array(text.lowercased()) }

    mutating func evaluate() throws(Failure) -> Double {
        let value = try sum()
        skipSpaces()
        guard position == chars.count else {
            throw Failure(reason: "unexpected '\(chars[position])' at position \(position + 1)")
        }
        return value
    }

    private mutating func skipSpaces() { while position < chars.count, chars[position] == " " { position += 1 } }

    private mutating func peek() -> Character? {
        skipSpaces()
        return position < chars.count ? chars[position] : nil
    }

    private mutating func sum() throws(Failure) -> Double {
        var value = try product()
        while let c = peek(), c == "+" || c == "-" {
            position += 1
            let rhs = try product()
            value = c == "+" ? value + rhs : value - rhs
        }
        return value
    }

    private mutating func product() throws(Failure) -> Double {
        var value = try power()
        while let c = peek(), c == "*" || c == "/" || c == "%" || c == "×" || c == "÷" {
            position += 1
            let rhs = try power()
            switch c {
            case "*", "×": value *= rhs
            case "/", "÷": value /= rhs
            default: value = value.truncatingRemainder(dividingBy: rhs)
            }
        }
        return value
    }

    private mutating func power() throws(Failure) -> Double {
        let base = try unary()
        if peek() == "^" {
            position += 1
            return pow(base, try power())
        }
        return base
    }

    private mutating func unary() throws(Failure) -> Double {
        if peek() == "-" {
            position += 1
            return -(try unary())
        }
        if peek() == "+" {
            position += 1
            return try unary()
        }
        return try primary()
    }

    private mutating func primary() throws(Failure) -> Double {
        guard let c = peek() else { throw Failure(reason: "the expression ends too early") }
        if c == "(" {
            depth += 1
            guard depth < 64 else { throw Failure(reason: "parentheses nested too deeply") }
            position += 1
            let value = try sum()
            guard peek() == ")" else { throw Failure(reason: "missing ')'") }
            position += 1
            depth -= 1
            return value
        }
        if c.isNumber || c == "." {
            let start = position
            while position < chars.count, chars[position].isNumber || chars[position] == "." { position += 1 }
            guard let value = Double(String(chars[start..<position])) else {
                throw Failure(reason: "'\(String(chars[start..<position]))' is not a number")
            }
            return value
        }
        if c.isLetter {
            let start = position
            while position < chars.count, chars[position].isLetter || chars[position].isNumber { position += 1 }
            let name = String(chars[start..<position])
            switch name {
            case "pi": return Double.pi
            case "e": return M_E
            default: break
            }
            let functions: [String: (Double) -> Double] = [
                "sqrt": { $0.squareRoot() }, "sin": sin, "cos": cos, "tan": tan, "log": log10, "ln": log,
                "abs": { abs($0) },
            ]
            guard let function = functions[name] else { throw Failure(reason: "unknown name '\(name)'") }
            guard peek() == "(" else { throw Failure(reason: "\(name) needs parentheses, as in \(name)(2)") }
            return function(try primary())
        }
        throw Failure(reason: "unexpected '\(c)' at position \(position + 1)")
    }
}
