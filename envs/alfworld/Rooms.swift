/// What a kind of room holds, for the scene and game generators: receptacle types with how often
/// they appear and how many instances, scene fixtures (lamps, plants, televisions), and the
/// pickupable objects that lie around.
///
/// The sets follow the receptacle lists of real ALFWorld intros (spec §5: kitchens with 4 to 27
/// cabinets, up to 13 drawers, four stove burners; bathrooms with toilet, towel holders and sink
/// basins; …) and the object types ALFRED's tasks use in each room (spec §5.3). Probabilities and
/// count ranges are ours.
struct RoomTemplate: Sendable {
    struct Item: Sendable {
        let name: String
        /// Chance that the scene (for receptacles and fixtures) or the game (for objects) has it.
        let probability: Double
        /// How many instances, one drawn uniformly.
        let counts: [Int]
    }

    let receptacles: [Item]
    let fixtures: [Item]
    let objects: [Item]

    static func of(_ room: RoomType) -> RoomTemplate {
        switch room {
        case .kitchen: return kitchen
        case .livingroom: return livingRoom
        case .bedroom: return bedroom
        case .bathroom: return bathroom
        }
    }

    private static func item(_ name: String, _ probability: Double, _ counts: ClosedRange<Int>) -> Item {
        Item(name: name, probability: probability, counts: Array(counts))
    }

    static let kitchen = RoomTemplate(
        receptacles: [
            item("Cabinet", 1, 4...27), item("CoffeeMachine", 1, 1...1), item("CounterTop", 1, 1...3),
            item("DiningTable", 0.5, 1...1), item("Drawer", 1, 1...13), item("Fridge", 1, 1...1),
            item("GarbageCan", 1, 1...1), item("Microwave", 1, 1...1), item("Safe", 0.05, 1...1),
            item("Shelf", 0.25, 1...3), item("SideTable", 0.15, 1...1), item("SinkBasin", 1, 1...2),
            Item(name: "StoveBurner", probability: 1, counts: [4, 4, 4, 2, 6]), item("Toaster", 1, 1...1),
        ],
        fixtures: [item("HousePlant", 0.3, 1...1)],
        objects: [
            item("Apple", 0.8, 1...3), item("Bowl", 0.7, 1...3), item("Bread", 0.7, 1...2),
            item("ButterKnife", 0.7, 1...3), item("Cup", 0.7, 1...3), item("DishSponge", 0.7, 1...3),
            item("Egg", 0.7, 1...3), item("Fork", 0.7, 1...3), item("Glassbottle", 0.3, 1...2),
            item("Kettle", 0.4, 1...2), item("Knife", 0.7, 1...3), item("Ladle", 0.5, 1...2),
            item("Lettuce", 0.7, 1...3), item("Mug", 0.7, 1...3), item("Pan", 0.6, 1...2),
            item("PepperShaker", 0.6, 1...3), item("Plate", 0.6, 1...3), item("Pot", 0.6, 1...3),
            item("Potato", 0.7, 1...3), item("SaltShaker", 0.6, 1...3), item("SoapBottle", 0.5, 1...2),
            item("Spatula", 0.6, 1...3), item("Spoon", 0.6, 1...3), item("Tomato", 0.7, 1...3),
            item("WineBottle", 0.4, 1...2), item("PaperTowel", 0.2, 1...1), item("CreditCard", 0.2, 1...2),
            item("CellPhone", 0.2, 1...1), item("Pen", 0.15, 1...2), item("Pencil", 0.15, 1...2),
            item("Statue", 0.15, 1...2), item("Vase", 0.15, 1...2),
        ])

    static let bathroom = RoomTemplate(
        receptacles: [
            item("BathtubBasin", 0.4, 1...1), item("Cabinet", 0.85, 1...4), item("Cart", 0.2, 1...1),
            item("CounterTop", 1, 1...1), item("Drawer", 0.4, 1...4), item("Dresser", 0.1, 1...1),
            item("GarbageCan", 1, 1...1), item("HandTowelHolder", 0.7, 1...2), item("Shelf", 0.3, 1...3),
            item("SinkBasin", 1, 1...2), item("Toilet", 1, 1...1), item("ToiletPaperHanger", 1, 1...1),
            item("TowelHolder", 0.7, 1...2),
        ],
        fixtures: [],
        objects: [
            item("Candle", 0.7, 1...3), item("Cloth", 0.8, 1...3), item("DishSponge", 0.3, 1...2),
            item("HandTowel", 0.7, 1...1), item("Plunger", 0.6, 1...1), item("SoapBar", 0.8, 1...3),
            item("SoapBottle", 0.8, 1...3), item("SprayBottle", 0.7, 1...3), item("TissueBox", 0.4, 1...2),
            item("ToiletPaper", 0.8, 1...3), item("Towel", 0.7, 1...1),
        ])

    static let bedroom = RoomTemplate(
        receptacles: [
            item("ArmChair", 0.3, 1...1), item("Bed", 1, 1...1), item("Desk", 0.6, 1...2), item("Drawer", 0.9, 1...6),
            item("Dresser", 0.5, 1...1), item("GarbageCan", 1, 1...1), item("LaundryHamper", 0.3, 1...1),
            item("Safe", 0.3, 1...1), item("Shelf", 0.7, 1...6), item("SideTable", 0.6, 1...2),
        ],
        fixtures: [item("DeskLamp", 0.8, 1...1), item("FloorLamp", 0.3, 1...1)],
        objects: [
            item("AlarmClock", 0.7, 1...3), item("BaseballBat", 0.3, 1...1), item("BasketBall", 0.3, 1...1),
            item("Book", 0.7, 1...3), item("Bowl", 0.3, 1...2), item("Box", 0.3, 1...1), item("CD", 0.6, 1...3),
            item("CellPhone", 0.7, 1...3), item("Cloth", 0.3, 1...2), item("CreditCard", 0.6, 1...3),
            item("KeyChain", 0.6, 1...3), item("Laptop", 0.6, 1...2), item("Mug", 0.4, 1...2), item("Pen", 0.6, 1...3),
            item("Pencil", 0.6, 1...3), item("Pillow", 0.6, 1...2), item("Statue", 0.3, 1...2),
            item("TennisRacket", 0.3, 1...1), item("TissueBox", 0.3, 1...2), item("Vase", 0.3, 1...2),
            item("Watch", 0.4, 1...2),
        ])

    static let livingRoom = RoomTemplate(
        receptacles: [
            item("ArmChair", 0.6, 1...2), item("Cabinet", 0.3, 1...4), item("CoffeeTable", 0.9, 1...2),
            item("DiningTable", 0.3, 1...1), item("Drawer", 0.6, 1...4), item("Dresser", 0.3, 1...1),
            item("GarbageCan", 1, 1...1), item("Ottoman", 0.2, 1...1), item("Shelf", 0.4, 1...3),
            item("SideTable", 0.8, 1...3), item("Sofa", 1, 1...1), item("TVStand", 0.2, 1...1),
        ],
        fixtures: [
            item("FloorLamp", 0.6, 1...1), item("DeskLamp", 0.4, 1...1), item("Television", 0.7, 1...1),
            item("HousePlant", 0.5, 1...1),
        ],
        objects: [
            item("Book", 0.3, 1...2), item("Bowl", 0.3, 1...2), item("Box", 0.4, 1...1), item("Candle", 0.2, 1...2),
            item("CD", 0.2, 1...2), item("CellPhone", 0.4, 1...2), item("CreditCard", 0.7, 1...3),
            item("KeyChain", 0.7, 1...3), item("Laptop", 0.6, 1...2), item("Mug", 0.2, 1...2),
            item("Newspaper", 0.6, 1...3), item("Pen", 0.2, 1...2), item("Pencil", 0.2, 1...2),
            item("Pillow", 0.6, 1...2), item("Plate", 0.3, 1...2), item("RemoteControl", 0.8, 1...3),
            item("Statue", 0.6, 1...3), item("TissueBox", 0.5, 1...3), item("Vase", 0.6, 1...3),
            item("Watch", 0.6, 1...3), item("WateringCan", 0.3, 1...1),
        ])
}

/// Which objects and receptacles ALFRED's tasks use (spec §5.3, from the train game list).
enum TaskPools {
    static let simpleObjects = TypeCatalog.objects([
        "Candle", "CellPhone", "Cloth", "CreditCard", "Cup", "DishSponge", "Egg", "Fork", "Glassbottle", "HandTowel",
        "Kettle", "KeyChain", "Knife", "Ladle", "Laptop", "Lettuce", "Mug", "Newspaper", "Pan", "Pen", "Pencil",
        "PepperShaker", "Pillow", "Plate", "Pot", "Potato", "RemoteControl", "SaltShaker", "SoapBar", "SoapBottle",
        "Spoon", "SprayBottle", "Statue", "TissueBox", "ToiletPaper", "Tomato", "Vase", "Watch", "WineBottle",
    ])
    static let simpleParents = TypeCatalog.receptacles([
        "ArmChair", "BathtubBasin", "Bed", "Cabinet", "Cart", "CoffeeTable", "CounterTop", "Desk", "DiningTable",
        "Drawer",
        "Dresser", "Fridge", "GarbageCan", "Microwave", "Ottoman", "Safe", "Shelf", "SideTable", "SinkBasin", "Sofa",
        "StoveBurner", "Toilet", "ToiletPaperHanger",
    ])

    static func objects(for type: TaskType) -> [ObjectType] {
        switch type {
        case .pickAndPlaceSimple: return simpleObjects
        case .pickTwoObjAndPlace: return simpleObjects + TypeCatalog.objects(["Spatula", "WateringCan"])
        case .pickCleanThenPlaceInRecep:
            return TypeCatalog.objects([
                "Cloth", "Cup", "DishSponge", "Egg", "Fork", "Kettle", "Knife", "Ladle", "Lettuce", "Mug", "Pan",
                "Plate",
                "Pot", "Potato", "SoapBar", "Spatula", "Spoon", "Tomato",
            ])
        case .pickHeatThenPlaceInRecep:
            return TypeCatalog.objects(["Egg", "Mug", "Plate", "Potato", "Tomato", "Apple", "Bread", "Cup"])
        case .pickCoolThenPlaceInRecep:
            return TypeCatalog.objects([
                "Cup", "Egg", "Lettuce", "Mug", "Pan", "Plate", "Pot", "Potato", "Tomato", "WineBottle", "Apple",
                "Bread",
            ])
        case .lookAtObjInLight:
            // AlarmClock and Bowl are look targets in ALFWorld's own examples (README, ReAct prompts).
            return TypeCatalog.objects([
                "AlarmClock", "Bowl", "CD", "CellPhone", "CreditCard", "KeyChain", "Laptop", "Mug", "Newspaper", "Pen",
                "Pencil", "Pillow", "Plate", "Statue", "TissueBox", "Vase", "Watch",
            ])
        }
    }

    static func parents(for type: TaskType) -> [ReceptacleType] {
        switch type {
        case .pickAndPlaceSimple, .pickTwoObjAndPlace: return simpleParents
        case .pickCleanThenPlaceInRecep:
            return TypeCatalog.receptacles([
                "BathtubBasin", "Cabinet", "Cart", "CoffeeMachine", "CounterTop", "DiningTable", "Drawer", "Fridge",
                "GarbageCan", "Microwave", "Shelf", "SideTable", "StoveBurner", "Toilet",
            ])
        case .pickHeatThenPlaceInRecep:
            return TypeCatalog.receptacles([
                "Cabinet", "CoffeeMachine", "CounterTop", "DiningTable", "Fridge", "GarbageCan", "Shelf", "SideTable",
                "SinkBasin",
            ])
        case .pickCoolThenPlaceInRecep:
            return TypeCatalog.receptacles([
                "Cabinet", "CoffeeMachine", "CounterTop", "DiningTable", "GarbageCan", "Microwave", "Shelf",
                "SideTable",
                "SinkBasin", "StoveBurner",
            ])
        case .lookAtObjInLight: return []
        }
    }
}
