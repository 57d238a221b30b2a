import Testing
import TroupeCore

@testable import ALFWorldEnv

/// Admissible commands, goal conditions and the planner, checked against the rules and against a
/// brute-force search.
@Suite struct RulesTests {
    /// Every grounded action of a game, applicable or not.
    static func allActions(_ game: Game) -> [Action] {
        let rs = game.receptacles.indices
        let os = game.objects.indices
        var actions: [Action] = [.inventory, .look, .help]
        for r in rs { actions += [.goTo(r: r), .open(r: r), .close(r: r), .examineReceptacle(r: r)] }
        for o in os {
            actions += [.use(o: o), .examineObject(o: o)]
            for r in rs {
                actions += [
                    .take(o: o, r: r), .put(o: o, r: r), .heat(o: o, r: r), .cool(o: o, r: r), .clean(o: o, r: r),
                ]
            }
            for k in os { actions.append(.slice(o: o, k: k)) }
        }
        return actions
    }

    /// Along random walks, the admissible list is exactly the set of applicable actions, sorted,
    /// without duplicates, and each text maps back to its action.
    @Test(arguments: ["kitchen.json", "bedroom.json"], Grammar.allCases)
    func admissibleMatchesPreconditions(file: String, grammar: Grammar) throws {
        let game = try Fixtures.game(file)
        let all = RulesTests.allActions(game)
        var rng = SeededRNG(seed: 5)
        for walk in 0..<20 {
            var state = game.initial
            for _ in 0..<30 {
                let admissible = game.admissible(state, grammar: grammar)
                let applicable = Set(all.filter { game.isApplicable($0, in: state, grammar: grammar) })
                #expect(Set(admissible.actions) == applicable, "walk \(walk)")
                #expect(admissible.texts == admissible.texts.sorted())
                #expect(Set(admissible.texts).count == admissible.texts.count)
                for (text, action) in zip(admissible.texts, admissible.actions) {
                    #expect(game.text(of: action, grammar: grammar) == text)
                    #expect(admissible.action(for: text) == action)
                }
                let action = rng.element(of: admissible.actions)!
                _ = game.apply(action, to: &state, grammar: grammar)
            }
        }
    }

    private static func run(_ game: Game, _ commands: [String], grammar: Grammar = .old) -> (WorldState, [Bool]) {
        var state = game.initial
        var won: [Bool] = []
        for command in commands {
            guard let action = game.admissible(state, grammar: grammar).action(for: command) else {
                Issue.record("`\(command)` is not admissible")
                return (state, won)
            }
            _ = game.apply(action, to: &state, grammar: grammar)
            won.append(game.isWon(state))
        }
        return (state, won)
    }

    @Test func pickTwoNeedsOneReceptacleInstance() throws {
        let game = try Fixtures.game(
            "kitchen.json", task: ["type": "pick_two_obj_and_place", "object": "SaltShaker", "receptacle": "Cabinet"])
        // saltshaker 1 starts in cabinet 2 and saltshaker 2 in cabinet 3: two cabinets, not won.
        #expect(!game.isWon(game.initial))
        let (_, won) = RulesTests.run(
            game,
            [
                "go to cabinet 2", "take saltshaker 1 from cabinet 2", "open cabinet 1",
                "put saltshaker 1 in/on cabinet 1",
                "go to cabinet 3", "open cabinet 3", "take saltshaker 2 from cabinet 3", "go to cabinet 1",
                "put saltshaker 2 in/on cabinet 1",
            ])
        #expect(won == [false, false, false, false, false, false, false, false, true])
    }

    @Test func treatmentsAreNeededAndExclusive() throws {
        let heat = try Fixtures.game(
            "kitchen.json",
            task: ["type": "pick_heat_then_place_in_recep", "object": "Egg", "receptacle": "CounterTop"])
        let (_, untreated) = RulesTests.run(
            heat,
            [
                "go to garbagecan 1", "take egg 1 from garbagecan 1", "go to countertop 1",
                "put egg 1 in/on countertop 1",
            ])
        #expect(untreated.last == false)
        // Cooling after heating removes the heat.
        let (_, cooledAfter) = RulesTests.run(
            heat,
            [
                "go to garbagecan 1", "take egg 1 from garbagecan 1", "go to microwave 1",
                "heat egg 1 with microwave 1",
                "go to fridge 1", "cool egg 1 with fridge 1", "go to countertop 1", "put egg 1 in/on countertop 1",
            ])
        #expect(cooledAfter.last == false)
        let clean = try Fixtures.game(
            "kitchen.json",
            task: ["type": "pick_clean_then_place_in_recep", "object": "Egg", "receptacle": "CounterTop"])
        let (_, cleaned) = RulesTests.run(
            clean,
            [
                "go to garbagecan 1", "take egg 1 from garbagecan 1", "go to sinkbasin 1",
                "clean egg 1 with sinkbasin 1",
                "go to countertop 1", "put egg 1 in/on countertop 1",
            ])
        #expect(cleaned == [false, false, false, false, false, true])
    }

    @Test func lookAtObjectInEitherOrder() throws {
        let game = try Fixtures.game("bedroom.json")
        let (_, lampFirst) = RulesTests.run(
            game, ["go to desk 1", "use desklamp 1", "go to shelf 1", "take alarmclock 2 from shelf 1", "go to desk 1"])
        #expect(lampFirst == [false, false, false, false, true])
        let (_, objectFirst) = RulesTests.run(
            game, ["go to desk 1", "take alarmclock 1 from desk 1", "use desklamp 1"])
        #expect(objectFirst == [false, false, true])
        // Holding the object away from the lit lamp does not count.
        let (_, away) = RulesTests.run(
            game, ["go to desk 1", "use desklamp 1", "go to shelf 1", "take alarmclock 2 from shelf 1"])
        #expect(away == [false, false, false, false])
    }

    /// The fewest steps to a win, by breadth-first search over every state-changing admissible
    /// command (looking and examining never help).
    static func bfs(_ game: Game, limit: Int = 400_000) -> Int? {
        if game.isWon(game.initial) { return 0 }
        var seen: Set<WorldState> = [game.initial]
        var frontier = [game.initial]
        var depth = 0
        while !frontier.isEmpty && seen.count < limit {
            depth += 1
            var next: [WorldState] = []
            for state in frontier {
                for action in game.admissible(state, grammar: .old).actions where action.changesState {
                    var child = state
                    game.advance(action, &child)
                    if game.isWon(child) { return depth }
                    if seen.insert(child).inserted { next.append(child) }
                }
            }
            frontier = next
        }
        return nil
    }

    /// Small random worlds for the brute-force comparison: a handful of receptacles (some sharing
    /// a location, some openable) and objects.
    static func smallWorld(_ type: TaskType, seed: UInt64) -> Game? {
        var rng = SeededRNG(seed: seed, stream: "small-world")
        let receptacleTypes = [
            "cabinet", "countertop", "fridge", "microwave", "sinkbasin", "drawer", "diningtable", "desk", "sidetable",
            "shelf", "garbagecan",
        ]
        var receptacles: [GameDescription.ReceptacleDescription] = []
        var counts: [String: Int] = [:]
        let mustHave = ["sinkbasin", "microwave", "fridge", "desk"]
        for name in mustHave + rng.sample(receptacleTypes, count: rng.int(in: 1...3)) {
            counts[name, default: 0] += 1
            let location = receptacles.isEmpty || rng.chance(0.75) ? receptacles.count + 1 : receptacles.last!.location
            let openableClass = TypeCatalog.receptacle(name)!.info.openableClass
            receptacles.append(
                .init(name: "\(name) \(counts[name]!)", location: location, openable: openableClass && rng.chance(0.7)))
        }
        let pool = TaskPools.objects(for: type)
        let target = rng.element(of: pool)!
        var objects: [GameDescription.ObjectDescription] = [.init(name: "desklamp 1", receptacle: "desk 1")]
        let kinds = [target, target] + rng.sample(TaskPools.simpleObjects, count: 3)
        var objectCounts: [String: Int] = [:]
        for kind in kinds.prefix(rng.int(in: 3...5)) {
            let hosts = receptacles.filter {
                TypeCatalog.receptacle(HandcodedExpert.type(of: $0.name))!.canContain(kind)
            }
            guard let host = rng.element(of: hosts) else { continue }
            objectCounts[kind.display, default: 0] += 1
            objects.append(.init(name: "\(kind.display) \(objectCounts[kind.display]!)", receptacle: host.name))
        }
        let parents = type == .lookAtObjInLight ? [] : TaskPools.parents(for: type).filter { counts[$0.display] != nil }
        let parent = rng.element(of: parents)
        let description = GameDescription(
            task: .init(
                type: type.rawValue, object: target.name, receptacle: parent?.name,
                toggle: type == .lookAtObjInLight ? "DeskLamp" : nil),
            receptacles: receptacles, objects: objects)
        return try? Game.make(description)
    }

    /// The planner's plans are as short as breadth-first search finds, on worlds small enough to
    /// search, and they win when played.
    @Test(arguments: TaskType.allCases)
    func plannerIsOptimal(type: TaskType) throws {
        var compared = 0
        for seed: UInt64 in 0..<400 where compared < 40 {
            guard let game = RulesTests.smallWorld(type, seed: seed) else { continue }
            guard let best = RulesTests.bfs(game) else { continue }
            let plan = try #require(Planner(game: game).plan(from: game.initial))
            #expect(plan.count == best, "seed \(seed): planner \(plan.count) steps, search \(best)")
            var state = game.initial
            for action in plan {
                #expect(game.isApplicable(action, in: state, grammar: .old))
                game.advance(action, &state)
            }
            #expect(game.isWon(state))
            compared += 1
        }
        #expect(compared >= 10, "too few small worlds of \(type) were valid")
    }

    /// Replanning from the middle of an episode (holding a wrong object, receptacles left open)
    /// is optimal too.
    @Test(arguments: TaskType.allCases)
    func plannerIsOptimalMidEpisode(type: TaskType) throws {
        var compared = 0
        for seed: UInt64 in 0..<400 where compared < 20 {
            guard let base = RulesTests.smallWorld(type, seed: seed) else { continue }
            var rng = SeededRNG(seed: seed, stream: "walk")
            var state = base.initial
            for _ in 0..<rng.int(in: 2...8) {
                let actions = base.admissible(state, grammar: .old).actions.filter(\.changesState)
                base.advance(rng.element(of: actions)!, &state)
            }
            guard !base.isWon(state) else { continue }
            let game = Game(
                description: base.description, room: base.room, scene: base.scene, task: base.task,
                receptacles: base.receptacles, objects: base.objects, locationNumbers: base.locationNumbers,
                initial: state)
            guard let best = RulesTests.bfs(game) else { continue }
            let plan = try #require(Planner(game: game).plan(from: state), "seed \(seed)")
            #expect(plan.count == best, "seed \(seed): planner \(plan.count) steps, search \(best)")
            compared += 1
        }
        #expect(compared >= 5)
    }
}
