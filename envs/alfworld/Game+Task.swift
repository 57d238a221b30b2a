extension Game {
    /// Checks the task of a description against the world built so far (spec §1 and §5.3).
    static func parseTask(_ d: GameDescription, receptacles: [Receptacle], objects: [Thing]) throws(GameError) -> Task {
        let t = d.task
        guard let type = TaskType(rawValue: t.type) else {
            let known = TaskType.allCases.map(\.rawValue).joined(separator: ", ")
            throw GameError(field: "task.type", "unknown task type `\(t.type)`; use one of \(known)")
        }
        guard let object = TypeCatalog.object(t.object) else {
            throw GameError(field: "task.object", "unknown object type `\(t.object)`")
        }
        guard object.info.pickupable else {
            throw GameError(field: "task.object", "a \(object.display) cannot be picked up")
        }
        let instances = objects.filter { $0.type == object }.count
        let needed = type == .pickTwoObjAndPlace ? 2 : 1
        guard instances >= needed else {
            throw GameError(
                field: "task.object",
                "the task needs \(needed == 2 ? "two" : "a") \(object.display) but `objects` has \(instances)")
        }
        let present = Set(receptacles.map(\.type))

        var receptacle: ReceptacleType?
        var toggle: ObjectType?
        if type == .lookAtObjInLight {
            if t.receptacle != nil {
                throw GameError(field: "task.receptacle", "look_at_obj_in_light takes `toggle`, not `receptacle`")
            }
            guard let name = t.toggle else {
                throw GameError(field: "task.toggle", "look_at_obj_in_light needs a lamp type")
            }
            guard let lamp = TypeCatalog.object(name), lamp.info.toggleable else {
                throw GameError(field: "task.toggle", "`\(name)` is not a lamp; use DeskLamp or FloorLamp")
            }
            guard objects.contains(where: { $0.type == lamp }) else {
                throw GameError(field: "task.toggle", "no \(lamp.display) is in `objects`")
            }
            toggle = lamp
        } else {
            if t.toggle != nil { throw GameError(field: "task.toggle", "only look_at_obj_in_light takes a `toggle`") }
            guard let name = t.receptacle else {
                throw GameError(field: "task.receptacle", "\(type.rawValue) needs a receptacle type")
            }
            guard let parent = TypeCatalog.receptacle(name) else {
                throw GameError(field: "task.receptacle", "unknown receptacle type `\(name)`")
            }
            guard present.contains(parent) else {
                throw GameError(field: "task.receptacle", "no \(parent.display) is in `receptacles`")
            }
            guard parent.canContain(object) else {
                throw GameError(field: "task.receptacle", "a \(object.display) cannot be put in a \(parent.display)")
            }
            receptacle = parent
        }
        switch type {
        case .pickCleanThenPlaceInRecep:
            guard object.info.cleanable else {
                throw GameError(field: "task.object", "a \(object.display) cannot be cleaned")
            }
            guard present.contains(TypeCatalog.sinkBasin) else {
                throw GameError(field: "receptacles", "cleaning needs a sinkbasin")
            }
        case .pickHeatThenPlaceInRecep:
            guard object.info.heatable else {
                throw GameError(field: "task.object", "a \(object.display) cannot be heated")
            }
            guard present.contains(TypeCatalog.microwave) else {
                throw GameError(field: "receptacles", "heating needs a microwave")
            }
        case .pickCoolThenPlaceInRecep:
            guard object.info.coolable else {
                throw GameError(field: "task.object", "a \(object.display) cannot be cooled")
            }
            guard present.contains(TypeCatalog.fridge) else {
                throw GameError(field: "receptacles", "cooling needs a fridge")
            }
        default: break
        }

        var task = Task(type: type, object: object, receptacle: receptacle, toggle: toggle, template: 0)
        if let template = t.template {
            guard template == 0 || template == 1 else { throw GameError(field: "task.template", "must be 0 or 1") }
            task.template = template
        }
        if let goal = d.goal {
            guard let chosen = task.goalChoices.firstIndex(of: goal) else {
                throw GameError(
                    field: "goal",
                    "`\(goal)` is not this task's goal; it must read "
                        + task.goalChoices.map { "`\($0)`" }.joined(separator: " or "))
            }
            if let template = t.template, template != chosen {
                throw GameError(field: "goal", "the goal is template \(chosen) but `task.template` is \(template)")
            }
            task.template = chosen
        }
        return task
    }

    /// The complete description of this game, every optional field written out, in display order:
    /// what `make` or `reset` accept to play this very game again.
    public func exported() -> GameDescription {
        GameDescription(
            scene: scene, room: room?.rawValue, trial: description.trial ?? GameDescription.defaultTrial,
            task: .init(
                type: task.type.rawValue, object: task.object.name, receptacle: task.receptacle?.name,
                toggle: task.toggle?.name, template: task.template),
            goal: task.goal, startLocation: locationNumbers[start],
            receptacles: receptacles.map {
                .init(name: $0.name, location: locationNumbers[$0.location], openable: $0.openable)
            },
            objects: objects.indices.map { o in
                let s = initial.states[o]
                return .init(
                    name: objects[o].name, receptacle: receptacles[initial.parent[o]].name,
                    clean: s.contains(.clean) ? true : nil, hot: s.contains(.hot) ? true : nil,
                    cool: s.contains(.cool) ? true : nil)
            })
    }
}
