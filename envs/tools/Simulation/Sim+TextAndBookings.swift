import TroupeCore

extension SimulatedBackend {
    static let languageCodes = WorldData.languages.map(\.code)

    static func translation(
        _ entry: (en: String, es: String, fr: String, de: String, it: String), _ code: String
    ) -> String {
        switch code {
        case "es": return entry.es
        case "fr": return entry.fr
        case "de": return entry.de
        case "it": return entry.it
        default: return entry.en
        }
    }

    /// The language whose frequent words a text uses most (English on a tie or no evidence).
    static func detect(_ text: String) -> (code: String, confidence: Double) {
        let tokens = words(World.fold(text))
        guard !tokens.isEmpty else { return ("en", 0) }
        let scores = languageCodes.map { code -> (String, Int) in
            let folded = Set((WorldData.stopwords[code] ?? []).map(World.fold))
            return (code, tokens.filter { folded.contains($0) }.count)
        }
        let best = scores.max { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 > $1.0) }!
        return (best.1 == 0 ? "en" : best.0, World.round(Double(best.1) / Double(tokens.count), 2))
    }

    /// Word-by-word translation through English, phrases first; unknown words pass through.
    static func translate(_ text: String, from source: String, to target: String) -> String {
        var tokens = text.split(separator: " ").map { String($0) }
        var out: [String] = []
        let maxPhrase = 4
        while !tokens.isEmpty {
            var matched = false
            for length in stride(from: min(maxPhrase, tokens.count), through: 1, by: -1) {
                let raw = tokens.prefix(length).joined(separator: " ")
                let trailing = raw.last.map { ",.!?".contains($0) } == true ? String(raw.last!) : ""
                let phrase = World.fold(trailing.isEmpty ? raw : String(raw.dropLast()))
                if let entry = WorldData.lexicon.first(where: { World.fold(translation($0, source)) == phrase }) {
                    out.append(translation(entry, target) + trailing)
                    tokens.removeFirst(length)
                    matched = true
                    break
                }
            }
            if !matched { out.append(tokens.removeFirst()) }
        }
        return out.joined(separator: " ")
    }

    static let textHandlers: [String: SimHandler] = [
        "translate_for_translator": { _, args, _ in
            let text = args.string("text")!
            let target = World.fold(args.string("target")!)
            let source = args.string("source").map(World.fold) ?? detect(text).code
            for code in [target, source] where !languageCodes.contains(code) {
                return .message("Unsupported language '\(code)'. Supported: \(languageCodes.joined(separator: ", ")).")
            }
            return .ok([
                "source": .string(source), "target": .string(target), "text": .string(text),
                "translation": .string(source == target ? text : translate(text, from: source, to: target)),
            ])
        },
        "detect_language_for_translator": { _, args, _ in
            let result = detect(args.string("text")!)
            let name = WorldData.languages.first { $0.code == result.code }!.name
            return .ok([
                "language": .string(result.code), "name": .string(name), "confidence": .double(result.confidence),
            ])
        },
        "supported_languages_for_translator": { _, _, _ in
            .ok(["languages": .array(WorldData.languages.map { ["code": .string($0.code), "name": .string($0.name)] })])
        },
        "word_count_for_text_toolkit": { _, args, _ in
            let text = args.string("text")!
            let wordCount = text.split(whereSeparator: { $0.isWhitespace }).count
            let sentences = text.split(whereSeparator: { ".!?".contains($0) }).filter { !$0.allSatisfy(\.isWhitespace) }
                .count
            return .ok([
                "words": .number(wordCount), "characters": .number(text.count),
                "characters_without_spaces": .number(text.filter { !$0.isWhitespace }.count),
                "sentences": .number(sentences),
                "reading_time_seconds": .number(Int((Double(wordCount) / 200 * 60).rounded(.up))),
            ])
        },
        "sentiment_for_text_toolkit": { _, args, _ in
            let tokens = words(args.string("text")!)
            var score = 0.0
            for (index, token) in tokens.enumerated() {
                let negated =
                    index > 0 && ["not", "never", "no", "don't", "isn't", "wasn't"].contains(tokens[index - 1])
                let value =
                    WorldData.positiveWords.contains(token) ? 1.0 : WorldData.negativeWords.contains(token) ? -1.0 : 0
                score += negated ? -value : value
            }
            let normalized = tokens.isEmpty ? 0 : max(-1, min(1, score / max(1, Double(tokens.count).squareRoot())))
            let label = normalized > 0.1 ? "positive" : normalized < -0.1 ? "negative" : "neutral"
            return .ok(["sentiment": .string(label), "score": .double(World.round(normalized, 3))])
        },
        "change_case_for_text_toolkit": { _, args, _ in
            let text = args.string("text")!
            let mode = World.fold(args.string("case")!)
            let parts = text.split { !($0.isLetter || $0.isNumber) }.map(String.init)
            let result: String
            switch mode {
            case "upper": result = text.uppercased()
            case "lower": result = text.lowercased()
            case "title":
                result = text.split(separator: " ", omittingEmptySubsequences: false).map {
                    $0.prefix(1).uppercased() + $0.dropFirst().lowercased()
                }.joined(separator: " ")
            case "snake": result = parts.map { $0.lowercased() }.joined(separator: "_")
            case "camel":
                result = parts.enumerated().map {
                    $0 == 0 ? $1.lowercased() : $1.prefix(1).uppercased() + $1.dropFirst().lowercased()
                }.joined()
            default: return .message("case must be upper, lower, title, snake or camel.")
            }
            return .ok(["case": .string(mode), "result": .string(result)])
        },
        "extract_keywords_for_text_toolkit": { _, args, _ in
            let limit = args.int("limit") ?? 5
            guard (1...20).contains(limit) else { return .message("limit must be between 1 and 20.") }
            var counts: [String: Int] = [:]
            var first: [String: Int] = [:]
            for (index, word) in words(args.string("text")!).enumerated()
            where word.count > 2 && !WorldData.englishStopwords.contains(word) {
                counts[word, default: 0] += 1
                if first[word] == nil { first[word] = index }
            }
            let ranked = counts.sorted { ($0.value, -first[$0.key]!) > ($1.value, -first[$1.key]!) }.prefix(limit)
            return .ok(["keywords": .array(ranked.map { ["keyword": .string($0.key), "count": .number($0.value)] })])
        },
    ]

    // MARK: Hotels and todos (stateful)

    /// A bookable hotel: the `index`-th hotel place of the city, with a seeded star rating and price.
    static func hotel(
        _ world: World, _ city: WorldData.City, _ index: Int
    ) -> (id: String, name: String, stars: Int, nightlyUSD: Double) {
        var r = world.rng("hotel", city.name, String(index))
        let stars = 2 + Int(r.below(4))
        let cost = 0.6 + Double(city.population % 7) / 10
        let nightly = World.round(Double(stars) * 45 * cost * (0.85 + r.double() * 0.3), 2)
        return ("htl_\(city.key)_\(index)", world.placeName(city: city, type: "hotel", index: index), stars, nightly)
    }

    static func available(_ world: World, hotelID: String, checkIn: CivilDate, nights: Int) -> Bool {
        (0..<nights).allSatisfy { offset in
            var r = world.rng("availability", hotelID, checkIn.adding(days: offset).iso)
            return r.double() < 0.85
        }
    }

    static func stayProblem(_ world: World, checkIn: CivilDate, nights: Int) -> ToolResponse? {
        if checkIn < world.today {
            return .message("check_in \(checkIn.iso) is in the past (today is \(world.today.iso)).")
        }
        if checkIn.days(to: world.today) < -365 { return .message("Bookings open at most 365 days ahead.") }
        if !(1...30).contains(nights) { return .message("nights must be between 1 and 30.") }
        return nil
    }

    static func bookingObject(_ booking: SimState.Booking) -> JSONValue {
        [
            "booking_id": .string(booking.id), "status": .string(booking.cancelled ? "cancelled" : "confirmed"),
            "hotel_id": .string(booking.hotelID), "hotel_name": .string(booking.hotelName),
            "city": .string(booking.city),
            "check_in": .string(booking.checkIn), "nights": .number(booking.nights),
            "guest_name": .string(booking.guest),
            "total_usd": .double(booking.totalUSD),
        ]
    }

    static let bookingHandlers: [String: SimHandler] = [
        "search_hotels_for_hotel_booking": { world, args, _ in
            let name = args.string("city")!
            guard let city = world.city(name) else { return unknownCity(name) }
            let checkIn = date(args, "check_in")!
            let nights = args.int("nights") ?? 1
            if let problem = stayProblem(world, checkIn: checkIn, nights: nights) { return problem }
            let rate = world.rate(from: "USD", to: city.currency, on: world.today) ?? 1
            let hotels = (0..<6).map { hotel(world, city, $0) }
            return .ok([
                "city": .string(city.name), "check_in": .string(checkIn.iso), "nights": .number(nights),
                "hotels": .array(
                    hotels.map { h in
                        let total = World.round(h.nightlyUSD * Double(nights), 2)
                        return [
                            "hotel_id": .string(h.id), "name": .string(h.name), "stars": .number(h.stars),
                            "available": .bool(available(world, hotelID: h.id, checkIn: checkIn, nights: nights)),
                            "total_usd": .double(total), "total_local": .double(World.round(total * rate, 2)),
                            "local_currency": .string(city.currency),
                        ]
                    }),
            ])
        },
        "book_hotel_for_hotel_booking": { world, args, state in
            let id = args.string("hotel_id")!
            let parts = id.split(separator: "_").map(String.init)
            guard parts.count >= 3, parts[0] == "htl", let index = Int(parts.last!), (0..<6).contains(index),
                let city = WorldData.cities.first(where: {
                    $0.key == parts[1..<(parts.count - 1)].joined(separator: "_")
                })
            else { return .message("Unknown hotel_id '\(id)'. Use Search Hotels to find an id.") }
            let checkIn = date(args, "check_in")!
            let nights = args.int("nights")!
            if let problem = stayProblem(world, checkIn: checkIn, nights: nights) { return problem }
            let guest = args.string("guest_name")!.trimmingCharacters(in: .whitespaces)
            guard !guest.isEmpty else { return .message("guest_name must not be empty.") }
            guard available(world, hotelID: id, checkIn: checkIn, nights: nights) else {
                return .message("\(id) has no room for \(nights) night(s) from \(checkIn.iso).")
            }
            let h = hotel(world, city, index)
            var r = world.rng("booking", String(state.bookings.count))
            let booking = SimState.Booking(
                id: "BK\(pad(Int(100_000 + r.below(900_000)), 6))\(state.bookings.count + 1)", hotelID: id,
                hotelName: h.name,
                city: city.name, checkIn: checkIn.iso, nights: nights, guest: guest,
                totalUSD: World.round(h.nightlyUSD * Double(nights), 2), cancelled: false)
            state.bookings.append(booking)
            return .ok(bookingObject(booking))
        },
        "get_booking_for_hotel_booking": { _, args, state in
            let id = args.string("booking_id")!
            guard let booking = state.bookings.first(where: { $0.id == id }) else {
                return .message("No booking with id '\(id)'.")
            }
            return .ok(bookingObject(booking))
        },
        "cancel_booking_for_hotel_booking": { _, args, state in
            let id = args.string("booking_id")!
            guard let index = state.bookings.firstIndex(where: { $0.id == id }) else {
                return .message("No booking with id '\(id)'.")
            }
            guard !state.bookings[index].cancelled else { return .message("Booking \(id) is already cancelled.") }
            state.bookings[index].cancelled = true
            return .ok(bookingObject(state.bookings[index]))
        },
        "add_task_for_todo_list": { _, args, state in
            let title = args.string("title")!.trimmingCharacters(in: .whitespaces)
            guard !title.isEmpty else { return .message("title must not be empty.") }
            guard state.tasks.count < 200 else { return .message("The list is full (200 tasks); delete some first.") }
            let task = SimState.Task(id: state.nextTaskID, title: title, dueDate: args.string("due_date"), done: false)
            state.tasks.append(task)
            state.nextTaskID += 1
            return .ok(taskObject(task))
        },
        "list_tasks_for_todo_list": { _, args, state in
            let status = World.fold(args.string("status") ?? "all")
            guard ["open", "done", "all"].contains(status) else {
                return .message("status must be 'open', 'done' or 'all'.")
            }
            let tasks = state.tasks.filter { status == "all" || $0.done == (status == "done") }
            return .ok(["total": .number(tasks.count), "tasks": .array(tasks.map(taskObject))])
        },
        "complete_task_for_todo_list": { _, args, state in
            let id = args.int("task_id")!
            guard let index = state.tasks.firstIndex(where: { $0.id == id }) else {
                return .message("No task with id \(id).")
            }
            state.tasks[index].done = true
            return .ok(taskObject(state.tasks[index]))
        },
        "delete_task_for_todo_list": { _, args, state in
            let id = args.int("task_id")!
            guard let index = state.tasks.firstIndex(where: { $0.id == id }) else {
                return .message("No task with id \(id).")
            }
            let task = state.tasks.remove(at: index)
            return .ok(["deleted": true, "task_id": .number(task.id)])
        },
    ]

    static func taskObject(_ task: SimState.Task) -> JSONValue {
        [
            "task_id": .number(task.id), "title": .string(task.title),
            "due_date": task.dueDate.map { .string($0) } ?? .null,
            "status": .string(task.done ? "done" : "open"),
        ]
    }
}
