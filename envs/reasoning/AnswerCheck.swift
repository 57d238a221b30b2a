import Foundation

/// Answer checkers: read the claim of a final response (`So the answer is …`) in the formats people
/// and models write, and return a normalized value to compare with the gold answer. Each rule is
/// listed in docs/envs/reasoning.md; anything not covered is rejected rather than guessed.
enum AnswerCheck {
    /// A number: optional sign, `$`, thousands separators (`1,516`), a decimal part, and a trailing
    /// unit or period are tolerated (`$1,516.00`, `-73.`, `12.5 dollars`, `25%`). The first number
    /// in the text is taken; nil when there is none.
    static func number(_ text: String) -> Double? {
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let startsNumber =
                c.isASCII && c.isNumber
                || ((c == "-" || c == "−") && i + 1 < chars.count
                    && (chars[i + 1].isNumber || (chars[i + 1] == "$" && i + 2 < chars.count && chars[i + 2].isNumber)))
            if startsNumber { break }
            i += 1
        }
        guard i < chars.count else { return nil }
        var negative = false
        if chars[i] == "-" || chars[i] == "−" {
            negative = true
            i += 1
            if chars[i] == "$" { i += 1 }
        }
        var digits = ""
        var seenPoint = false
        while i < chars.count {
            let c = chars[i]
            if c.isASCII && c.isNumber {
                digits.append(c)
            } else if c == ",", !seenPoint, isThousandsSeparator(chars, at: i) {
                // A thousands separator: skip it.
            } else if c == ".", !seenPoint, i + 1 < chars.count, chars[i + 1].isASCII, chars[i + 1].isNumber {
                seenPoint = true
                digits.append(c)
            } else {
                break
            }
            i += 1
        }
        guard let value = Double(digits) else { return nil }
        return negative ? -value : value
    }

    /// Whether the comma at `i` is followed by exactly three digits.
    static func isThousandsSeparator(_ chars: [Character], at i: Int) -> Bool {
        guard i + 3 < chars.count else { return false }
        let group = chars[(i + 1)...(i + 3)]
        guard group.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return i + 4 >= chars.count || !(chars[i + 4].isASCII && chars[i + 4].isNumber)
    }

    /// An integer: `number` when it has no fractional part.
    static func integer(_ text: String) -> Int? {
        guard let value = number(text), value == value.rounded(), abs(value) < 1e18 else { return nil }
        return Int(value)
    }

    /// Whether `text` states `gold` within PAL's tolerance (`abs(x - gold) < 1e-3`).
    static func numberMatches(_ text: String, gold: Double) -> Bool {
        guard let value = number(text) else { return false }
        return abs(value - gold) < 1e-3
    }

    /// A multiple-choice letter: `(B)`, `B`, `(B) 11/11/2018`, `option B`. Nil when the text
    /// holds no letter in brackets and is not a lone letter.
    static func optionLetter(_ text: String, count: Int) -> Character? {
        let letters = (0..<count).map { Character(Unicode.Scalar(UInt8(65 + $0))) }
        let chars = Array(text)
        for i in chars.indices where chars[i] == "(" && i + 2 < chars.count && chars[i + 2] == ")" {
            let letter = Character(chars[i + 1].uppercased())
            if letters.contains(letter) { return letter }
        }
        let words = text.split(whereSeparator: { !$0.isLetter })
        if words.count == 1, words[0].count == 1, let letter = words[0].uppercased().first, letters.contains(letter) {
            return letter
        }
        if words.count == 2, words[0].lowercased() == "option", words[1].count == 1,
            let letter = words[1].uppercased().first, letters.contains(letter)
        {
            return letter
        }
        return nil
    }

    /// A list of words: separated by spaces or commas, in quotes or not, any case, with a trailing
    /// period; `and` before the last word is dropped.
    static func wordList(_ text: String) -> [String] {
        var words = text.lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'“”‘’.;:[]<")) }
            .filter { !$0.isEmpty && $0 != "<" }
        if words.count > 2, words[words.count - 2] == "and" { words.remove(at: words.count - 2) }
        return words
    }
}
