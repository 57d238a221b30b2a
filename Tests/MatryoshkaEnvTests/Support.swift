import TroupeCatalog
import TroupeCore

@testable import MatryoshkaEnv

/// A kitchen where an apple must be heated and put in the fridge; `appleIn` says where the apple
/// lies (the intro is the same wherever it is).
func heatGame(appleIn place: String) -> JSONValue {
    [
        "scene": 5, "trial": "trial_T20190909_000000_000009",
        "task": ["type": "pick_heat_then_place_in_recep", "object": "Apple", "receptacle": "Fridge"],
        "start_location": 9,
        "receptacles": [
            ["name": "cabinet 1", "location": 1, "openable": true],
            ["name": "cabinet 2", "location": 2, "openable": true],
            ["name": "countertop 1", "location": 3],
            ["name": "diningtable 1", "location": 4],
            ["name": "fridge 1", "location": 5],
            ["name": "microwave 1", "location": 6],
            ["name": "sinkbasin 1", "location": 7],
            ["name": "garbagecan 1", "location": 8],
        ],
        "objects": [
            ["name": "apple 1", "receptacle": .string(place)],
            ["name": "mug 1", "receptacle": "countertop 1"],
            ["name": "egg 1", "receptacle": "fridge 1"],
        ],
    ]
}

/// A session of `matryoshka-alfworld-v0` made in process through the catalog (wrappers included).
func makeSession(_ config: JSONValue = [:], seed: UInt64 = 1) async throws -> any Environment {
    try await builtinEnvironments.make(
        "matryoshka-alfworld-v0", config: config, context: MakeContext(seed: seed, shared: SharedResources()))
}

/// The black box at competence 1 (never errs), for tests that need exact behaviour.
let perfectBlackBox: JSONValue = ["backend": ["kind": "sim", "family": "alfworld", "competence": 1]]
