import TroupeCore

/// The task parameters of a game: what `object_target`, `parent_target` and `toggle_target` are.
struct TaskChoice: Sendable, Equatable {
    let type: TaskType
    let object: ObjectType
    /// The parent receptacle type, or the lamp type for `look_at_obj_in_light`.
    let parent: ReceptacleType?
    let toggle: ObjectType?
}

/// Draws games into scenes: a task valid for the room (spec §5, §5.3), objects placed only where
/// `canContain` allows, distractors and several instances of a type. Everything comes from the
/// `SeededRNG` it is given, so a seed fixes the whole game.
enum GameGenerator {
    /// The task choices a scene allows for a task type (empty when the room has none).
    static func choices(_ type: TaskType, in scene: Scene) -> [TaskChoice] {
        guard scene.room.validTasks.contains(type) else { return [] }
        let pool = Set(RoomTemplate.of(scene.room).objects.map { TypeCatalog.object($0.name)! })
        let objects = TaskPools.objects(for: type).filter { pool.contains($0) }
        if type == .lookAtObjInLight {
            return objects.filter { object in scene.receptacleTypes.contains { $0.canContain(object) } }
                .flatMap { object in
                    scene.lampTypes.map { TaskChoice(type: type, object: object, parent: nil, toggle: $0) }
                }
        }
        switch type {
        case .pickCleanThenPlaceInRecep where !scene.has(TypeCatalog.sinkBasin): return []
        case .pickHeatThenPlaceInRecep where !scene.has(TypeCatalog.microwave): return []
        case .pickCoolThenPlaceInRecep where !scene.has(TypeCatalog.fridge): return []
        default: break
        }
        var result: [TaskChoice] = []
        for object in objects {
            if let state = type.requiredState {
                let info = object.info
                guard state == .clean ? info.cleanable : state == .hot ? info.heatable : info.coolable else { continue }
            }
            for parent in TaskPools.parents(for: type) where scene.has(parent) && parent.canContain(object) {
                // The object must be able to start somewhere other than where it goes.
                guard scene.receptacleTypes.contains(where: { $0 != parent && $0.canContain(object) }) else { continue }
                result.append(TaskChoice(type: type, object: object, parent: parent, toggle: nil))
            }
        }
        return result
    }

    /// Draws a task: an object type uniformly, then one of its parents (or lamps) uniformly.
    static func drawTask(_ type: TaskType, in scene: Scene, rng: inout SeededRNG) -> TaskChoice? {
        let all = scene.taskChoices(type)
        var objects: [ObjectType] = []
        for choice in all where !objects.contains(choice.object) { objects.append(choice.object) }
        guard let object = rng.element(of: objects) else { return nil }
        return rng.element(of: all.filter { $0.object == object })
    }

    /// Surfaces where things usually lie are drawn three times as often as other receptacles.
    static let surfaces = Set(
        TypeCatalog.receptacles([
            "CounterTop", "DiningTable", "CoffeeTable", "SideTable", "Desk", "Dresser", "Shelf", "Bed", "Sofa",
        ]))

    /// A game of task `choice` in `scene`: its description, ready for `Game.make`.
    static func describe(_ choice: TaskChoice, in scene: Scene, rng: inout SeededRNG) -> GameDescription {
        let template = RoomTemplate.of(scene.room)
        var counts: [(ObjectType, Int)] = []
        for item in template.objects {
            let type = TypeCatalog.object(item.name)!
            if type == choice.object {
                let options = choice.type == .pickTwoObjAndPlace ? [2, 2, 3, 4] : [1, 1, 2, 3]
                counts.append((type, rng.element(of: options)!))
            } else if rng.chance(item.probability) {
                counts.append((type, rng.element(of: item.counts)!))
            }
        }
        if !counts.contains(where: { $0.0 == choice.object }) {
            counts.append((choice.object, choice.type == .pickTwoObjAndPlace ? 2 : 1))
        }

        var objects: [GameDescription.ObjectDescription] = scene.fixtures.map {
            .init(name: "\($0.type.display) \($0.number)", receptacle: scene.receptacles[$0.host].name)
        }
        // Where the task's objects may not start: anywhere they would already satisfy the goal.
        let placesOnly = choice.type == .pickAndPlaceSimple || choice.type == .pickTwoObjAndPlace
        for (type, count) in counts {
            var hosts: [Int] = []
            var weights: [Double] = []
            for (index, receptacle) in scene.receptacleTypes.enumerated() where receptacle.canContain(type) {
                if type == choice.object && placesOnly && receptacle == choice.parent { continue }
                hosts.append(index)
                weights.append(surfaces.contains(receptacle) ? 3 : 1)
            }
            guard !hosts.isEmpty else { continue }
            for k in 1...count {
                let host = hosts[rng.weightedIndex(weights)]
                objects.append(.init(name: "\(type.display) \(k)", receptacle: scene.receptacles[host].name))
            }
        }

        // ALFRED's trial folders are named after the recording time: trial_TYYYYMMDD_HHMMSS_ffffff.
        let fields = [(4...9, 2), (1...28, 2), (0...23, 2), (0...59, 2), (0...59, 2), (0...999_999, 6)].map {
            range, width in
            let text = String(rng.int(in: range))
            return String(repeating: "0", count: width - text.count) + text
        }
        let trial = "trial_T2019\(fields[0])\(fields[1])_\(fields[2])\(fields[3])\(fields[4])_\(fields[5])"
        return GameDescription(
            scene: scene.number, room: scene.room.rawValue, trial: trial,
            task: .init(
                type: choice.type.rawValue, object: choice.object.name, receptacle: choice.parent?.name,
                toggle: choice.toggle?.name, template: rng.int(in: 0...1)),
            startLocation: scene.startLocation, receptacles: scene.receptacles, objects: objects)
    }
}

extension Scene {
    /// Every scene's task choices per task type, computed once.
    private static let choices: [Int: [TaskType: [TaskChoice]]] = all.mapValues { scene in
        Dictionary(uniqueKeysWithValues: TaskType.allCases.map { ($0, GameGenerator.choices($0, in: scene)) })
    }

    /// The task choices this scene allows for `type`.
    func taskChoices(_ type: TaskType) -> [TaskChoice] { Scene.choices[number]![type]! }
}
