import Testing
import TroupeCore

@testable import ALFWorldEnv

/// The text rules of spec §2 and §3, checked directly on small worlds.
@Suite struct TextRulesTests {
    @Test(arguments: [
        ([], "nothing"),
        (["mug 1"], "a mug 1"),
        (["candle 1", "spraybottle 2"], "a candle 1, and a spraybottle 2"),
        (["x 1", "y 2", "z 3"], "a x 1, a y 2, and a z 3"),
        (["apple 1", "egg 1", "alarmclock 2", "bowl 2"], "a apple 1, a egg 1, a alarmclock 2, and a bowl 2"),
    ])
    func listRendering(names: [String], expected: String) {
        #expect(Text.list(names) == expected)
    }

    /// Lists sort by type name ascending, then number descending (numerically: 10 before 9).
    @Test func displayOrder() throws {
        let description = GameDescription(
            task: .init(type: "pick_and_place_simple", object: "Bowl", receptacle: "Shelf"),
            receptacles: (1...11).map { .init(name: "cabinet \($0)", location: $0) } + [
                .init(name: "countertop 1", location: 20), .init(name: "shelf 1", location: 21),
            ],
            objects: [
                .init(name: "cd 1", receptacle: "countertop 1"), .init(name: "bowl 1", receptacle: "countertop 1"),
                .init(name: "creditcard 3", receptacle: "countertop 1"),
                .init(name: "cd 2", receptacle: "countertop 1"),
                .init(name: "bowl 2", receptacle: "countertop 1"),
            ])
        let game = try Game.make(description)
        #expect(game.intro.contains("you see a cabinet 11, a cabinet 10, a cabinet 9, a cabinet 8,"))
        #expect(
            game.intro.contains("a cabinet 1, a countertop 1, and a shelf 1.\n\nYour task is to: put a bowl in shelf."))
        var state = game.initial
        let go = game.admissible(state, grammar: .old).action(for: "go to countertop 1")!
        let text = game.apply(go, to: &state, grammar: .old)
        #expect(text.hasSuffix("On the countertop 1, you see a bowl 2, a bowl 1, a cd 2, a cd 1, and a creditcard 3."))
        // Sorting is Python's plain string order: `cabinet 10` before `cabinet 2`.
        let admissible = game.admissible(game.initial, grammar: .old).texts
        #expect(admissible.firstIndex(of: "go to cabinet 10")! < admissible.firstIndex(of: "go to cabinet 2")!)
        #expect(admissible == admissible.sorted())
    }

    @Test func objectViews() throws {
        let game = try Fixtures.game("kitchen.json")
        let apple = game.objects.firstIndex { $0.name == "apple 2" }!
        let mug = game.objects.firstIndex { $0.name == "mug 2" }!
        let cases: [(ObjectState, String)] = [
            ([], "There's nothing special about apple 2."),
            ([.clean], "This is a clean apple 2."),
            ([.hot], "This is a hot apple 2."),
            ([.cool], "This is a cold apple 2."),
            ([.clean, .hot], "This is a hot and clean apple 2."),
            ([.clean, .cool], "This is a cool and clean apple 2."),
            ([.sliced], "This is a sliced apple 2."),
            ([.sliced, .clean], "This is a clean sliced apple 2."),
            ([.sliced, .hot], "This is a hot sliced apple 2."),
            ([.sliced, .cool], "This is a cool sliced apple 2."),
            ([.sliced, .clean, .hot], "This is a hot and clean sliced apple 2."),
            ([.sliced, .clean, .cool], "This is a cool and clean sliced apple 2."),
        ]
        for (flags, expected) in cases {
            var state = game.initial
            state.states[apple] = flags
            #expect(game.objectView(apple, state) == expected)
        }
        var state = game.initial
        state.states[mug] = [.hot, .clean]
        #expect(game.objectView(mug, state) == "This is a normal mug 2. In it, you see nothing.")
    }

    @Test func lampAndLookViews() throws {
        let game = try Fixtures.game("bedroom.json")
        let lamp = game.objects.firstIndex { $0.name == "desklamp 1" }!
        var state = game.initial
        #expect(game.objectView(lamp, state) == "This desklamp 1 is off.")
        #expect(game.lookView(state) == "You are in the middle of a room. Looking quickly around you, you see nothing.")
        state.states[lamp].insert(.toggled)
        #expect(game.objectView(lamp, state) == "This desklamp 1 is on.")
        state.location = game.receptacles[game.receptacles.firstIndex { $0.name == "desk 1" }!].location
        #expect(game.lookView(state) == "You are facing the desk 1. Next to it, you see nothing.")
    }

    /// Every command of the table in spec §3 gives `Nothing happens.` when its precondition fails.
    @Test func refusals() async throws {
        let env = try ALFWorldEnv(
            config: .init(gameDescription: try GameDescription.decode(Fixtures.gameJSON("kitchen.json"))), seed: 1)
        _ = try await env.reset(seed: 1, options: .null)
        for command in [
            "open fridge 1", "take apple 2 from countertop 1", "examine countertop 1", "examine apple 2",
            "put apple 2 in/on countertop 1", "heat apple 2 with microwave 1", "use desklamp 1", "get egg",
            "look around", "Look", "look.", "go to countertop 1.", "go to  countertop 1", "think: hmm", "", "help",
            "move apple 2 to countertop 1", "go to cabinet 9", "inventory please",
        ] {
            let result = try await env.step(.string(command))
            #expect(result.observation == "Nothing happens.", "\(command)")
        }
        // Surrounding whitespace is stripped, as TextWorld does.
        let padded = try await env.step(.string("  inventory \n"))
        #expect(padded.observation == "You are not carrying anything.")
    }
}
