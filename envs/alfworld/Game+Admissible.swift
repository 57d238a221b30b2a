/// The admissible commands of a state: texts sorted as Python's `sorted` sorts them (plain
/// code-point order, so `go to cabinet 10` comes before `go to cabinet 2`), each with its action.
public struct AdmissibleCommands: Sendable, Equatable {
    public private(set) var texts: [String]
    public private(set) var actions: [Action]

    init(texts: [String], actions: [Action]) {
        self.texts = texts
        self.actions = actions
    }

    /// The action whose text is exactly `command`, by binary search (commands are matched
    /// verbatim: case, spacing and punctuation all count; spec §3).
    public func action(for command: String) -> Action? {
        var low = 0
        var high = texts.count
        while low < high {
            let mid = (low + high) / 2
            let text = texts[mid]
            if text == command { return actions[mid] }
            if text < command { low = mid + 1 } else { high = mid }
        }
        return nil
    }
}

extension Game {
    /// The admissible commands in `s` (spec §4), built from the same rules as `isApplicable`.
    ///
    /// Every verb that sorts before `go to` (`clean`, `close`, `cool`, `examine`) is collected and
    /// sorted in one group, every verb after it in another; the `go to` block in between is
    /// pre-sorted per game. That keeps a step to two small sorts.
    public func admissible(_ s: WorldState, grammar: Grammar) -> AdmissibleCommands {
        var before: [(String, Action)] = []
        var after: [(String, Action)] = []
        before.reserveCapacity(16)
        after.reserveCapacity(16)

        after.append(("inventory", .inventory))
        after.append(("look", .look))
        if grammar == .new { after.append(("help", .help)) }

        let here = s.location == start ? [] : receptaclesAt[s.location]
        for r in here {
            before.append((examineReceptacleText[r], .examineReceptacle(r: r)))
            if receptacles[r].openable {
                if s.opened[r] {
                    before.append((closeText[r], .close(r: r)))
                } else {
                    after.append((openText[r], .open(r: r)))
                }
            }
            let reachable = isReachable(r, s)
            for o in s.contents[r] {
                let info = objects[o].type.info
                if reachable && s.holding < 0 && info.pickupable {
                    after.append((text(of: .take(o: o, r: r), grammar: grammar), .take(o: o, r: r)))
                }
                if info.toggleable { after.append((useText[o], .use(o: o))) }
            }
        }

        if s.holding >= 0 {
            let o = s.holding
            let held = objects[o].type
            before.append((examineObjectText[o], .examineObject(o: o)))
            for r in here {
                let type = receptacles[r].type
                if isReachable(r, s) && type.canContain(held) {
                    after.append((text(of: .put(o: o, r: r), grammar: grammar), .put(o: o, r: r)))
                }
                if type == TypeCatalog.microwave && held.info.heatable {
                    after.append((text(of: .heat(o: o, r: r), grammar: grammar), .heat(o: o, r: r)))
                }
                if type == TypeCatalog.fridge && held.info.coolable {
                    before.append((text(of: .cool(o: o, r: r), grammar: grammar), .cool(o: o, r: r)))
                }
                if type == TypeCatalog.sinkBasin && held.info.cleanable {
                    before.append((text(of: .clean(o: o, r: r), grammar: grammar), .clean(o: o, r: r)))
                }
            }
            if TypeCatalog.knives.contains(held) {
                for r in here {
                    for x in s.contents[r] where objects[x].type.info.sliceable {
                        after.append((text(of: .slice(o: x, k: o), grammar: grammar), .slice(o: x, k: o)))
                    }
                }
            }
        }

        before.sort { $0.0 < $1.0 }
        after.sort { $0.0 < $1.0 }
        var texts: [String] = []
        var actions: [Action] = []
        let count = before.count + after.count + goToOrder.count
        texts.reserveCapacity(count)
        actions.reserveCapacity(count)
        for (text, action) in before {
            texts.append(text)
            actions.append(action)
        }
        for r in goToOrder where receptacles[r].location != s.location {
            texts.append(goToText[r])
            actions.append(.goTo(r: r))
        }
        for (text, action) in after {
            texts.append(text)
            actions.append(action)
        }
        return AdmissibleCommands(texts: texts, actions: actions)
    }
}
