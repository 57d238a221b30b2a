import Testing
import TroupeCore

@testable import ALFWorldEnv

/// The fixed splits: sizes, task counts, held-out layouts, determinism, and every game built,
/// certified by the planner, and won by playing its plan.
@Suite struct SplitTests {
    @Test func evalOutHasALFWorldsTaskCounts() {
        let counts = Dictionary(grouping: 0..<Split.evalOut.count) { Split.evalOut.taskType(of: $0) }.mapValues(\.count)
        #expect(Split.evalOut.count == 134)
        #expect(counts[.pickAndPlaceSimple] == 24)
        #expect(counts[.pickCleanThenPlaceInRecep] == 31)
        #expect(counts[.pickHeatThenPlaceInRecep] == 23)
        #expect(counts[.pickCoolThenPlaceInRecep] == 21)
        #expect(counts[.lookAtObjInLight] == 18)
        #expect(counts[.pickTwoObjAndPlace] == 17)
    }

    /// Out-of-distribution games are laid out only in held-out scenes, and no training scene has
    /// the layout of a held-out one; in-distribution games repeat training task instances.
    @Test func heldOutLayoutsNeverOccurInTraining() {
        let trainScenes = Set(Split.train.scenes.map(\.number))
        let outScenes = Set(Split.evalOut.scenes.map(\.number))
        #expect(outScenes == Split.heldOutScenes)
        #expect(trainScenes.isDisjoint(with: outScenes))
        #expect(trainScenes.count == 116)
        let trainLayouts = Set(Split.train.scenes.map(\.signature))
        for scene in Split.evalOut.scenes { #expect(!trainLayouts.contains(scene.signature)) }

        let trainInstances = Set((0..<Split.train.count).map { SplitTests.instance(Split.train.description(of: $0)) })
        for index in 0..<Split.evalOut.count {
            #expect(Split.heldOutScenes.contains(Split.evalOut.description(of: index).scene!))
        }
        for index in 0..<Split.evalIn.count {
            let description = Split.evalIn.description(of: index)
            #expect(trainInstances.contains(SplitTests.instance(description)), "eval_in \(index) is not a seen task")
            #expect(trainScenes.contains(description.scene!))
        }
    }

    static func instance(_ d: GameDescription) -> String {
        "\(d.task.type)-\(d.task.object)-\(d.task.receptacle ?? d.task.toggle ?? "")-\(d.scene ?? 0)"
    }

    /// A game is a pure function of its split and index; splits never share a game.
    @Test func gamesAreFixed() throws {
        for split in Split.allCases {
            #expect(split.description(of: 3) == split.description(of: 3))
            #expect(split.description(of: 3) != split.description(of: 4))
        }
        let descriptions = Split.allCases.flatMap { split in
            (0..<min(split.count, 140)).map { split.description(of: $0) }
        }
        #expect(Set(descriptions.map { $0.json().serialized() }).count == descriptions.count)
        // Pinned: changing generation changes every episode and needs a new environment version.
        let first = try Split.evalOut.game(0)
        #expect(first.name == "pick_cool_then_place_in_recep-Pot-None-Cabinet-10/trial_T20190418_024312_069328")
        #expect(first.task.goal == "put a cool pot in cabinet.")
    }

    /// Every game of every split builds, and playing its plan wins (all 3,827 games: about ten
    /// seconds in a debug build).
    @Test(arguments: Split.allCases)
    func plannerSolvesEveryGame(split: Split) throws {
        var types: Set<TaskType> = []
        for index in 0..<split.count {
            let game = try split.game(index)
            types.insert(game.task.type)
            let plan = try #require(Planner(game: game).plan(from: game.initial))
            var state = game.initial
            for action in plan { game.advance(action, &state) }
            #expect(game.isWon(state), "\(split.rawValue) \(index)")
            #expect(!plan.isEmpty)
            // Rooms pose only the tasks ALFRED poses in them.
            #expect(game.room!.validTasks.contains(game.task.type))
        }
        #expect(types.count == 6)
    }

    /// Generated games are realistic: several receptacles, distractors, several instances of a type.
    @Test func generatedGamesHaveDistractorsAndDuplicates() throws {
        var withDuplicates = 0
        for index in 0..<50 {
            let game = try Split.train.game(index)
            #expect(game.receptacles.count >= 5)
            #expect(game.objects.count >= 5)
            let types = Dictionary(grouping: game.objects, by: \.type).mapValues(\.count)
            if types.values.contains(where: { $0 > 1 }) { withDuplicates += 1 }
            for (o, thing) in game.objects.enumerated() {
                let host = game.receptacles[game.initial.parent[o]].type
                #expect(TypeCatalog.canHold(host, thing.type), "\(thing.name) in \(host)")
            }
        }
        #expect(withDuplicates > 40)
    }
}
