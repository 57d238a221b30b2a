import TroupeCore

/// A story template: draws numbers, writes the story, and states the computation.
struct WordProblemTemplate: Sendable {
    let name: String
    let build: @Sendable (inout SeededRNG, WordProblemTask.Params.Scale) -> WordProblemTask?
}

extension WordProblemTask {
    static let people = ["Maya", "Liam", "Noah", "Ava", "Zara", "Ben", "Ines", "Kofi", "Sara", "Tariq", "Elena", "Jun"]

    /// A count: `small` from the range, `large` from it times 100 to 999 (GSM-Hard-like).
    static func count(_ rng: inout SeededRNG, _ range: ClosedRange<Int>, _ scale: Params.Scale) -> Double {
        let base = rng.int(in: range)
        return Double(scale == .small ? base : base * rng.int(in: 100...999))
    }

    /// A price in dollars with cents from the list of endings (`2.5`, `3.75`).
    static func price(_ rng: inout SeededRNG, _ range: ClosedRange<Int>, _ scale: Params.Scale) -> Double {
        let cents = rng.element(of: [0, 25, 50, 75])!
        return count(&rng, range, scale) + Double(cents) / 100
    }

    static func step(_ name: String, _ formula: Formula, _ lead: String, _ unit: String, _ what: String) -> Computation
    {
        Computation(name: name, formula: formula, lead: lead, unit: unit, what: what)
    }

    static let templates: [WordProblemTemplate] = [
        WordProblemTemplate(name: "change") { rng, scale in
            let who = rng.element(of: people)!
            let (n1, p1, n2, p2) = (
                count(&rng, 2...9, scale), price(&rng, 1...6, .small), count(&rng, 2...9, scale),
                price(&rng, 1...4, .small)
            )
            let total = n1 * p1 + n2 * p2
            let bill = (total / 10).rounded(.up) * 10 + Double(rng.element(of: [0, 10, 20])!)
            return WordProblemTask(
                template: "change",
                story:
                    "\(who) buys \(formatNumber(n1)) notebooks at $\(formatNumber(p1)) each and \(formatNumber(n2)) pens at $\(formatNumber(p2)) each. \(who) pays with $\(formatNumber(bill)). How much change, in dollars, does \(who) get back?",
                givens: [("notebooks", n1), ("notebook_price", p1), ("pens", n2), ("pen_price", p2), ("paid", bill)],
                constants: [],
                steps: [
                    step(
                        "notebook_cost", .ref("notebooks") * .ref("notebook_price"), "The notebooks cost", "dollars",
                        "the cost of the notebooks"),
                    step(
                        "pen_cost", .ref("pens") * .ref("pen_price"), "The pens cost", "dollars", "the cost of the pens"
                    ),
                    step(
                        "total", .ref("notebook_cost") + .ref("pen_cost"), "Together they cost", "dollars",
                        "the total cost"),
                    step("change", .ref("paid") - .ref("total"), "The change is", "dollars", "the change"),
                ])
        },
        WordProblemTemplate(name: "train") { rng, scale in
            let (v1, h, v2) = (count(&rng, 40...120, scale), count(&rng, 1...5, .small), count(&rng, 30...90, scale))
            let minutes = Double(rng.element(of: [15, 30, 45, 90])!)
            return WordProblemTask(
                template: "train",
                story:
                    "A train travels at \(formatNumber(v1)) kilometers per hour for \(formatNumber(h)) hours, then at \(formatNumber(v2)) kilometers per hour for \(formatNumber(minutes)) minutes. How many kilometers does it travel in total?",
                givens: [("speed1", v1), ("hours1", h), ("speed2", v2), ("minutes2", minutes)],
                constants: [("minutes_per_hour", 60)],
                steps: [
                    step(
                        "distance1", .ref("speed1") * .ref("hours1"), "First it travels", "kilometers",
                        "the distance at the first speed"),
                    step(
                        "hours2", .ref("minutes2") / .ref("minutes_per_hour"), "The second part lasts", "hours",
                        "the time at the second speed in hours"),
                    step(
                        "distance2", .ref("speed2") * .ref("hours2"), "Then it travels", "kilometers",
                        "the distance at the second speed"),
                    step(
                        "total", .ref("distance1") + .ref("distance2"), "In total it travels", "kilometers",
                        "the total distance"),
                ])
        },
        WordProblemTemplate(name: "recipe") { rng, scale in
            let who = rng.element(of: people)!
            let per = Double(rng.element(of: [12, 16, 20, 24])!)
            let batches = count(&rng, 2...9, scale)
            let cups = Double(rng.int(in: 1...4)) + Double(rng.element(of: [0, 25, 50, 75])!) / 100
            return WordProblemTask(
                template: "recipe",
                story:
                    "A recipe uses \(formatNumber(cups)) cups of flour to make \(formatNumber(per)) cookies. \(who) wants to bake \(formatNumber(per * batches)) cookies. How many cups of flour does \(who) need?",
                givens: [("cups_per_batch", cups), ("cookies_per_batch", per), ("cookies", per * batches)],
                constants: [],
                steps: [
                    step(
                        "batches", .ref("cookies") / .ref("cookies_per_batch"), "That is", "batches",
                        "the number of batches"),
                    step(
                        "flour", .ref("batches") * .ref("cups_per_batch"), "The flour needed is", "cups",
                        "the cups of flour"),
                ])
        },
        WordProblemTemplate(name: "muffins") { rng, scale in
            let who = rng.element(of: people)!
            let box = Double(rng.element(of: [4, 6, 8])!)
            let dozens = count(&rng, 3...9, scale)
            let boxes = (dozens * 12 / box).rounded(.down) - Double(rng.int(in: 1...3))
            let given = dozens * 12 - boxes * box
            return WordProblemTask(
                template: "muffins",
                story:
                    "\(who) bakes \(formatNumber(dozens)) dozen muffins, gives \(formatNumber(given)) muffins to the neighbors, and packs the rest into boxes of \(formatNumber(box)). How many boxes does \(who) fill?",
                givens: [("dozens", dozens), ("given_away", given), ("per_box", box)], constants: [("per_dozen", 12)],
                steps: [
                    step(
                        "muffins", .ref("dozens") * .ref("per_dozen"), "There are", "muffins",
                        "the number of muffins baked"),
                    step(
                        "left", .ref("muffins") - .ref("given_away"), "After giving some away,", "muffins are left",
                        "the muffins left"),
                    step("boxes", .ref("left") / .ref("per_box"), "They fill", "boxes", "the number of boxes"),
                ])
        },
        WordProblemTemplate(name: "savings") { rng, scale in
            let who = rng.element(of: people)!
            let (wage, hours) = (Double(rng.int(in: 8...30)), Double(rng.int(in: 5...20)))
            let percent = Double(rng.element(of: [10, 20, 25, 50])!)
            let weeks = count(&rng, 2...12, scale)
            let goal = wage * hours * percent / 100 * weeks
            return WordProblemTask(
                template: "savings",
                story:
                    "\(who) earns $\(formatNumber(wage)) per hour and works \(formatNumber(hours)) hours each week. \(who) saves \(formatNumber(percent))% of it. How many weeks will it take to save $\(formatNumber(goal))?",
                givens: [("wage", wage), ("hours", hours), ("percent", percent), ("goal", goal)],
                constants: [("hundred", 100)],
                steps: [
                    step(
                        "weekly", .ref("wage") * .ref("hours"), "Each week \(who) earns", "dollars",
                        "the weekly earnings"),
                    step(
                        "saved", .ref("weekly") * .ref("percent") / .ref("hundred"), "Each week \(who) saves",
                        "dollars", "the weekly savings"),
                    step("weeks", .ref("goal") / .ref("saved"), "It takes", "weeks", "the number of weeks"),
                ])
        },
        WordProblemTemplate(name: "discount") { rng, scale in
            let who = rng.element(of: people)!
            let price = count(&rng, 4...40, scale) * 5
            let percent = Double(rng.element(of: [10, 20, 25, 30, 40, 50])!)
            let coupon = Double(rng.element(of: [2, 5, 10])!)
            return WordProblemTask(
                template: "discount",
                story:
                    "A jacket costs $\(formatNumber(price)). The store takes \(formatNumber(percent))% off, and \(who) then uses a $\(formatNumber(coupon)) coupon. How much does \(who) pay, in dollars?",
                givens: [("price", price), ("percent", percent), ("coupon", coupon)], constants: [("hundred", 100)],
                steps: [
                    step(
                        "discount", .ref("price") * .ref("percent") / .ref("hundred"), "The discount is", "dollars",
                        "the discount"),
                    step(
                        "sale_price", .ref("price") - .ref("discount"), "The sale price is", "dollars", "the sale price"
                    ),
                    step(
                        "paid", .ref("sale_price") - .ref("coupon"), "With the coupon \(who) pays", "dollars",
                        "the amount paid"),
                ])
        },
        WordProblemTemplate(name: "tiles") { rng, scale in
            let (length, width) = (count(&rng, 3...12, scale), Double(rng.int(in: 2...10)))
            let cost = price(&rng, 8...30, .small)
            return WordProblemTask(
                template: "tiles",
                story:
                    "A rectangular floor is \(formatNumber(length)) meters long and \(formatNumber(width)) meters wide. Tiles cost $\(formatNumber(cost)) per square meter. How much does it cost, in dollars, to tile the floor?",
                givens: [("length", length), ("width", width), ("cost_per_square_meter", cost)], constants: [],
                steps: [
                    step(
                        "area", .ref("length") * .ref("width"), "The area is", "square meters", "the area of the floor"),
                    step(
                        "cost", .ref("area") * .ref("cost_per_square_meter"), "The tiles cost", "dollars",
                        "the cost of the tiles"),
                ])
        },
        WordProblemTemplate(name: "fuel") { rng, scale in
            let liters = Double(rng.int(in: 5...9))
            let cost = Double(rng.int(in: 1...2)) + Double(rng.element(of: [0, 25, 50])!) / 100
            let distance = count(&rng, 2...9, scale) * 100
            return WordProblemTask(
                template: "fuel",
                story:
                    "A car uses \(formatNumber(liters)) liters of fuel per 100 kilometers. Fuel costs $\(formatNumber(cost)) per liter. How much does the fuel for a \(formatNumber(distance))-kilometer trip cost, in dollars?",
                givens: [("liters_per_100km", liters), ("cost_per_liter", cost), ("distance", distance)],
                constants: [("hundred_km", 100)],
                steps: [
                    step(
                        "hundreds", .ref("distance") / .ref("hundred_km"), "The trip is", "hundreds of kilometers",
                        "the distance in hundreds of kilometers"),
                    step(
                        "fuel", .ref("hundreds") * .ref("liters_per_100km"), "The car uses", "liters", "the fuel used"),
                    step(
                        "cost", .ref("fuel") * .ref("cost_per_liter"), "The fuel costs", "dollars",
                        "the cost of the fuel"),
                ])
        },
        WordProblemTemplate(name: "reading") { rng, scale in
            let who = rng.element(of: people)!
            let rate = Double(rng.element(of: [10, 12, 15, 20, 30])!)
            let hoursLeft = count(&rng, 1...6, scale)
            let read = Double(rng.int(in: 1...9) * 10)
            return WordProblemTask(
                template: "reading",
                story:
                    "\(who) reads \(formatNumber(rate)) pages per hour. The book has \(formatNumber(read + rate * hoursLeft)) pages and \(who) has read \(formatNumber(read)) of them. How many minutes will it take \(who) to finish the book?",
                givens: [("pages_per_hour", rate), ("pages", read + rate * hoursLeft), ("read", read)],
                constants: [("minutes_per_hour", 60)],
                steps: [
                    step("left", .ref("pages") - .ref("read"), "There are", "pages left", "the pages left"),
                    step("hours", .ref("left") / .ref("pages_per_hour"), "That takes", "hours", "the hours needed"),
                    step(
                        "minutes", .ref("hours") * .ref("minutes_per_hour"), "In minutes that is", "minutes",
                        "the minutes needed"),
                ])
        },
        WordProblemTemplate(name: "bake_sale") { rng, scale in
            let who = rng.element(of: people)!
            let (a, p1, b, p2) = (
                count(&rng, 10...40, scale), price(&rng, 1...3, .small), count(&rng, 10...40, scale),
                price(&rng, 0...2, .small)
            )
            guard p2 > 0 else { return nil }
            let cost = ((a * p1 + b * p2) * Double(rng.element(of: [20, 30, 40])!) / 100).rounded()
            return WordProblemTask(
                template: "bake_sale",
                story:
                    "\(who) sells \(formatNumber(a)) cupcakes at $\(formatNumber(p1)) each and \(formatNumber(b)) cookies at $\(formatNumber(p2)) each. The ingredients cost $\(formatNumber(cost)). What is the profit, in dollars?",
                givens: [
                    ("cupcakes", a), ("cupcake_price", p1), ("cookies", b), ("cookie_price", p2), ("ingredients", cost),
                ], constants: [],
                steps: [
                    step(
                        "cupcake_sales", .ref("cupcakes") * .ref("cupcake_price"), "The cupcakes bring in", "dollars",
                        "the cupcake sales"),
                    step(
                        "cookie_sales", .ref("cookies") * .ref("cookie_price"), "The cookies bring in", "dollars",
                        "the cookie sales"),
                    step(
                        "sales", .ref("cupcake_sales") + .ref("cookie_sales"), "In total the sales are", "dollars",
                        "the total sales"),
                    step("profit", .ref("sales") - .ref("ingredients"), "The profit is", "dollars", "the profit"),
                ])
        },
    ]
}
