import TroupeCore

/// Drawing date-understanding questions: the asked date, the facts that fix today, and the
/// options.
extension DateUnderstandingTask {
    static let names = ["Jane", "John", "Mia", "Omar", "Lena", "Ravi", "Kate", "Tom", "Ana", "Li"]
    static let events = [
        "exam", "concert", "interview", "wedding", "graduation", "flight", "party", "appointment", "recital",
        "conference", "game", "surgery",
    ]
    /// Fixed-date holidays: name and (month, day).
    static let holidays: [(String, Int, Int)] = [
        ("Christmas Eve", 12, 24), ("Christmas Day", 12, 25), ("New Year's Day", 1, 1), ("Halloween", 10, 31),
        ("Valentine's Day", 2, 14), ("the last day", 12, 31), ("US Independence Day", 7, 4),
    ]
    /// What can be asked: the phrase and the offset from today.
    static let askable: [(String, DateOffset)] = [
        ("yesterday", .days(-1)), ("tomorrow", .days(1)), ("one week ago from today", .days(-7)),
        ("one week from today", .days(7)), ("a month ago", .months(-1)), ("one year ago from today", .years(-1)),
        ("24 hours later", .days(1)), ("10 days ago", .days(-10)), ("one month from today", .months(1)),
    ]

    public static func generate(_ params: Params, rng: inout SeededRNG, multipleChoice: Bool) -> DateUnderstandingTask {
        while true {
            if let task = attempt(params, rng: &rng, multipleChoice: multipleChoice) { return task }
        }
    }

    /// One draw; nil when a date leaves the year range or does not exist (redrawn).
    private static func attempt(_ params: Params, rng: inout SeededRNG, multipleChoice: Bool) -> DateUnderstandingTask?
    {
        let steps = rng.int(in: params.minSteps...params.maxSteps)
        let years = (params.minYear + 5)...(params.maxYear - 5)
        func randomDate() -> CivilDate {
            let y = rng.int(in: years)
            let m = rng.int(in: 1...12)
            return CivilDate(y, m, rng.int(in: 1...CivilDate.daysIn(month: m, year: y)))
        }
        func written(_ date: CivilDate) -> String {
            switch rng.int(in: 0..<3) {
            case 0: return date.long
            case 1: return date.short
            default: return date.slashes
            }
        }
        let name = rng.element(of: names)!
        var sentences: [String] = []
        var links: [Link] = []
        var today: CivilDate
        if steps == 1 {
            today = randomDate()
            let text = written(today)
            sentences.append(rng.chance(0.5) ? "Today is \(text)." : "It is \(text) today.")
            links = []
            let (phrase, offset) = rng.element(of: askable)!
            guard let target = offset.apply(today) else { return nil }
            links.append(
                Link(
                    date: target, premise: "today is \(text)", subject: "the date \(phrase)",
                    relation: offset.relation(from: today)))
            return finish(
                params, sentences: sentences, asked: phrase, links: links, rng: &rng, multipleChoice: multipleChoice,
                today: today)
        }
        // The fact before today: a date in the text (two steps) or the last event of a chain.
        var previous: (date: CivilDate, name: String)
        var eventNames = rng.sample(events, count: steps)
        if steps == 2 {
            if rng.chance(0.25) {
                let (holiday, month, day) = rng.element(of: holidays)!
                let year = rng.int(in: years)
                today = CivilDate(year, month, day)
                let text = holiday == "the last day" ? "the last day of \(year)" : "\(holiday) of \(year)"
                sentences.append("Today is \(text).")
                links.append(Link(date: today, premise: "today is \(text)", subject: "today's date", relation: text))
                let (phrase, offset) = rng.element(of: askable)!
                guard let target = offset.apply(today) else { return nil }
                links.append(
                    Link(
                        date: target, premise: "", subject: "the date \(phrase)", relation: offset.relation(from: today)
                    ))
                return finish(
                    params, sentences: sentences, asked: phrase, links: links, rng: &rng,
                    multipleChoice: multipleChoice, today: today)
            }
            let date = randomDate()
            previous = (date, written(date))
        } else {
            let date = randomDate()
            let first = eventNames.removeFirst()
            sentences.append("\(name)'s \(first) was on \(written(date)).")
            previous = (date, "the \(first)")
            for _ in 0..<(steps - 2) {
                let event = eventNames.removeFirst()
                let offset: DateOffset =
                    rng.chance(0.8)
                    ? .days(rng.element(of: [1, 2, 3, 5, 7, 10, 14, 21, 30])! * (rng.chance(0.7) ? 1 : -1))
                    : .months(rng.chance(0.5) ? 1 : -1)
                guard let next = offset.apply(previous.date) else { return nil }
                sentences.append(
                    "The \(event) was \(offset.magnitude) \(offset.isForward ? "after" : "before") \(previous.name).")
                links.append(
                    Link(
                        date: next,
                        premise:
                            "\(previous.name) was on \(previous.date.long) and the \(event) was \(offset.magnitude) \(offset.isForward ? "after" : "before") it",
                        subject: "the date of the \(event)", relation: offset.relation(from: previous.date)))
                previous = (next, "the \(event)")
            }
        }
        // The fact that fixes today.
        let isEvent = steps > 2
        let known = isEvent ? "\(previous.name) was on \(previous.date.long) and " : ""
        let kind = rng.int(in: 0..<5)
        let (sentence, clause, toToday): (String, String, DateOffset)
        switch kind {
        case 0:
            (sentence, clause, toToday) = (
                "Yesterday was \(previous.name).", "yesterday was \(previous.name)", .days(1)
            )
        case 1:
            (sentence, clause, toToday) = ("Tomorrow is \(previous.name).", "tomorrow is \(previous.name)", .days(-1))
        case 2:
            let n = rng.element(of: [2, 3, 5, 7, 10, 14, 30])!
            let ago = DateOffset.days(n).magnitude
            (sentence, clause, toToday) =
                isEvent
                ? (
                    "\(previous.name.prefix(1).uppercased() + previous.name.dropFirst()) was \(ago) ago.",
                    "\(previous.name) was \(ago) ago", .days(n)
                )
                : ("It was \(previous.name) \(ago) ago.", "it was \(previous.name) \(ago) ago", .days(n))
        case 3:
            let n = rng.element(of: [2, 3, 4, 6, 10, 21])!
            (sentence, clause, toToday) = (
                "\(previous.name.prefix(1).uppercased() + previous.name.dropFirst()) is \(n) days from today.",
                "\(previous.name) is \(n) days from today", .days(-n)
            )
        default:
            let n = rng.int(in: 1...40)
            let of = isEvent ? previous.name : "the day \(name) started her job, \(previous.name)"
            (sentence, clause, toToday) = (
                "Today is the \(n)-year anniversary of \(of).", "today is the \(n)-year anniversary of \(of)", .years(n)
            )
        }
        guard let todayDate = toToday.apply(previous.date) else { return nil }
        today = todayDate
        sentences.append(sentence)
        links.append(
            Link(
                date: today, premise: known + clause, subject: "today's date",
                relation: toToday.relation(from: previous.date)))
        let (phrase, offset) = rng.element(of: askable)!
        guard let target = offset.apply(today) else { return nil }
        links.append(
            Link(date: target, premise: "", subject: "the date \(phrase)", relation: offset.relation(from: today)))
        return finish(
            params, sentences: sentences, asked: phrase, links: links, rng: &rng, multipleChoice: multipleChoice,
            today: today)
    }

    /// Checks the year range and draws the options: the answer and five distinct wrong dates
    /// (a day, a week, a month or a year off, another year, day and month swapped, today).
    private static func finish(
        _ params: Params, sentences: [String], asked: String, links: [Link], rng: inout SeededRNG, multipleChoice: Bool,
        today: CivilDate
    ) -> DateUnderstandingTask? {
        let range = params.minYear...params.maxYear
        guard links.allSatisfy({ range.contains($0.date.year) }) else { return nil }
        let target = links.last!.date
        var options: [CivilDate]?
        if multipleChoice {
            var candidates: [CivilDate] = [
                target.adding(days: 1), target.adding(days: -1), target.adding(days: 7), target.adding(days: -7),
                today,
            ]
            candidates += [
                target.adding(months: 1), target.adding(months: -1), target.adding(years: 1), target.adding(years: -1),
            ]
            .compactMap { $0 }
            if let other = target.adding(years: rng.int(in: 10...90) * (rng.chance(0.5) ? 1 : -1)) {
                candidates.append(other)
            }
            if CivilDate.isValid(target.year, target.day, target.month) {
                candidates.append(CivilDate(target.year, target.day, target.month))
            }
            var wrong: [CivilDate] = []
            for candidate in rng.shuffled(candidates)
            where candidate != target && !wrong.contains(candidate) && wrong.count < 5 {
                wrong.append(candidate)
            }
            var all = wrong + [target]
            rng.shuffle(&all)
            options = all
        }
        return DateUnderstandingTask(
            context: sentences.joined(separator: " "), asked: asked, links: links, options: options)
    }
}
