import Foundation

/// A date of the proleptic Gregorian calendar, with the arithmetic and the formats date
/// understanding needs. Day numbers count from 1970-01-01 (the well-known days-from-civil
/// conversion), so adding days is integer addition.
struct CivilDate: Sendable, Hashable, Comparable {
    var year: Int
    var month: Int
    var day: Int

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]
    static let monthAbbreviations = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Whether the fields name a real day.
    static func isValid(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        (1...12).contains(month) && day >= 1 && day <= daysIn(month: month, year: year)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01.
    var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }

    func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// The same day `n` months later (or earlier); nil when that day does not exist (31 → 30).
    func adding(months n: Int) -> CivilDate? {
        let total = year * 12 + (month - 1) + n
        let (y, m) = (total / 12, total % 12 + 1)
        return CivilDate.isValid(y, m, day) ? CivilDate(y, m, day) : nil
    }

    /// The same day `n` years later (or earlier); nil for February 29 into a common year.
    func adding(years n: Int) -> CivilDate? {
        CivilDate.isValid(year + n, month, day) ? CivilDate(year + n, month, day) : nil
    }

    /// 0 is Sunday … 6 is Saturday.
    var weekday: Int { ((dayNumber % 7) + 11) % 7 }

    /// `12/14/1937`.
    var mmddyyyy: String { "\(Self.pad(month))/\(Self.pad(day))/\(year)" }
    /// `December 14, 1937`.
    var long: String { "\(Self.monthNames[month - 1]) \(day), \(year)" }
    /// `Dec 14, 1937`.
    var short: String { "\(Self.monthAbbreviations[month - 1]) \(day), \(year)" }
    /// `12/14/1937` without zero padding: `5/4/2004`.
    var slashes: String { "\(month)/\(day)/\(year)" }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    /// Every date written in `text`, in order, with the range of text it occupies. Formats:
    /// `MM/DD/YYYY` and `M/D/YYYY`, `YYYY-MM-DD`, `Month D, YYYY` and `Mon D, YYYY` (also `Mon.`,
    /// `Sept.`, ordinal days such as `1st`), and `D Month YYYY`. Two-digit years are not dates.
    static func scan(_ text: String) -> [(date: CivilDate, text: String)] {
        let tokens = tokenize(text)
        var found: [(CivilDate, String)] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            // M/D/YYYY
            let slash = t.split(separator: "/")
            if slash.count == 3, let m = Int(slash[0]), let d = Int(slash[1]), slash[2].count == 4,
                let y = Int(slash[2]),
                isValid(y, m, d)
            {
                found.append((CivilDate(y, m, d), t))
                i += 1
                continue
            }
            let dash = t.split(separator: "-")
            if dash.count == 3, dash[0].count == 4, let y = Int(dash[0]), let m = Int(dash[1]), let d = Int(dash[2]),
                isValid(y, m, d)
            {
                found.append((CivilDate(y, m, d), t))
                i += 1
                continue
            }
            // Month D, YYYY
            if let m = monthNumber(t), i + 2 < tokens.count, let d = dayNumber(tokens[i + 1]), tokens[i + 2].count == 4,
                let y = Int(tokens[i + 2]), isValid(y, m, d)
            {
                found.append((CivilDate(y, m, d), tokens[i...(i + 2)].joined(separator: " ")))
                i += 3
                continue
            }
            // D Month YYYY
            if let d = dayNumber(t), i + 2 < tokens.count, let m = monthNumber(tokens[i + 1]), tokens[i + 2].count == 4,
                let y = Int(tokens[i + 2]), isValid(y, m, d)
            {
                found.append((CivilDate(y, m, d), tokens[i...(i + 2)].joined(separator: " ")))
                i += 3
                continue
            }
            i += 1
        }
        return found
    }

    /// Words with surrounding punctuation removed (keeping `/` and `-` inside).
    private static func tokenize(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map { word in
            var w = Substring(word)
            while let last = w.last, ",.;:)(\"'?".contains(last) { w.removeLast() }
            while let first = w.first, "(\"'".contains(first) { w.removeFirst() }
            return String(w)
        }
    }

    private static func monthNumber(_ token: String) -> Int? {
        let word = token.lowercased().trimmingCharacters(in: ["."])
        guard word.count >= 3 else { return nil }
        for (index, name) in monthNames.enumerated() where name.lowercased().hasPrefix(word) { return index + 1 }
        return word == "sept" ? 9 : nil
    }

    private static func dayNumber(_ token: String) -> Int? {
        var word = token.lowercased()
        for suffix in ["st", "nd", "rd", "th"] where word.hasSuffix(suffix) { word.removeLast(2) }
        guard let d = Int(word), (1...31).contains(d) else { return nil }
        return d
    }
}
