// The type tables of ALFWorld (`alfworld/gen/constants.py`), as transcribed in
// ../shared/specs/alfworld.md §5.1 and §5.2. Facts, not code: edit only to match the spec.

extension TypeCatalog {
    /// Object types: name, then affordances (c clean, h heat, k cool, s slice, t toggle,
    /// r movable receptacle, p pickupable).
    static let objectRows: [(String, String)] = [
        ("AlarmClock", "p"),
        ("Apple", "chksp"),
        ("BaseballBat", "p"),
        ("BasketBall", "p"),
        ("Blinds", ""),
        ("Book", "p"),
        ("Boots", "p"),
        ("Bowl", "ckrp"),
        ("Box", "rp"),
        ("Bread", "hksp"),
        ("ButterKnife", "cp"),
        ("CD", "p"),
        ("Candle", "p"),
        ("CellPhone", "p"),
        ("Chair", ""),
        ("Cloth", "cp"),
        ("CreditCard", "p"),
        ("Cup", "chkrp"),
        ("Curtains", ""),
        ("DeskLamp", "t"),
        ("DishSponge", "cp"),
        ("Egg", "chksp"),
        ("FloorLamp", "t"),
        ("Footstool", ""),
        ("Fork", "cp"),
        ("Glassbottle", "p"),
        ("HandTowel", "p"),
        ("HousePlant", ""),
        ("Kettle", "cp"),
        ("KeyChain", "p"),
        ("Knife", "cp"),
        ("Ladle", "cp"),
        ("Laptop", "p"),
        ("LaundryHamperLid", ""),
        ("Lettuce", "cksp"),
        ("LightSwitch", ""),
        ("Mirror", ""),
        ("Mug", "chkrp"),
        ("Newspaper", "p"),
        ("Painting", ""),
        ("Pan", "ckrp"),
        ("PaperTowel", "p"),
        ("PaperTowelRoll", "p"),
        ("Pen", "p"),
        ("Pencil", "p"),
        ("PepperShaker", "p"),
        ("Pillow", "p"),
        ("Plate", "chkrp"),
        ("Plunger", "p"),
        ("Poster", ""),
        ("Pot", "ckrp"),
        ("Potato", "chksp"),
        ("RemoteControl", "p"),
        ("SaltShaker", "p"),
        ("ScrubBrush", "p"),
        ("ShowerDoor", ""),
        ("ShowerGlass", ""),
        ("SoapBar", "cp"),
        ("SoapBottle", "p"),
        ("Spatula", "cp"),
        ("Spoon", "cp"),
        ("SprayBottle", "p"),
        ("Statue", "p"),
        ("StoveKnob", ""),
        ("TeddyBear", "p"),
        ("Television", ""),
        ("TennisRacket", "p"),
        ("TissueBox", "p"),
        ("ToiletPaper", "p"),
        ("ToiletPaperRoll", "p"),
        ("Tomato", "chksp"),
        ("Towel", "p"),
        ("Vase", "p"),
        ("Watch", "p"),
        ("WateringCan", "p"),
        ("Window", ""),
        ("WineBottle", "kp"),
    ]

    /// Static receptacle types: name, openable class, and the object types it can contain
    /// (`VAL_RECEPTACLE_OBJECTS`, sliced variants left out: ALFWorld skips sliced games).
    static let receptacleRows: [(String, Bool, [String])] = [
        (
            "ArmChair", false,
            [
                "BasketBall", "Book", "Box", "CellPhone", "Cloth", "CreditCard", "KeyChain", "Laptop", "Newspaper",
                "Pillow", "RemoteControl",
            ]
        ),
        ("BathtubBasin", false, ["Cloth", "DishSponge", "HandTowel", "SoapBar"]),
        (
            "Bed", false,
            ["BaseballBat", "BasketBall", "Book", "CellPhone", "Laptop", "Newspaper", "Pillow", "TennisRacket"]
        ),
        (
            "Cabinet", true,
            [
                "Book", "Bowl", "Box", "CD", "Candle", "Cloth", "Cup", "DishSponge", "Glassbottle", "HandTowel",
                "Kettle", "Ladle", "Mug", "Newspaper", "Pan", "PepperShaker", "Plate", "Plunger", "Pot", "SaltShaker",
                "SoapBar", "SoapBottle", "SprayBottle", "TissueBox", "ToiletPaper", "ToiletPaperRoll", "Vase",
                "WateringCan", "WineBottle",
            ]
        ),
        (
            "Cart", false,
            [
                "Candle", "Cloth", "DishSponge", "HandTowel", "Mug", "PaperTowel", "Plunger", "SoapBar", "SoapBottle",
                "SprayBottle", "Statue", "TissueBox", "ToiletPaper", "ToiletPaperRoll", "Vase",
            ]
        ),
        ("CoffeeMachine", false, ["Mug"]),
        (
            "CoffeeTable", false,
            [
                "AlarmClock", "Apple", "BaseballBat", "BasketBall", "Book", "Bowl", "Box", "Bread", "ButterKnife", "CD",
                "Candle", "CellPhone", "Cloth", "CreditCard", "Cup", "DishSponge", "Egg", "Fork", "Glassbottle",
                "HandTowel", "Kettle", "KeyChain", "Knife", "Ladle", "Laptop", "Lettuce", "Mug", "Newspaper", "Pan",
                "PaperTowel", "Pen", "Pencil", "PepperShaker", "Plate", "Pot", "Potato", "RemoteControl", "SaltShaker",
                "SoapBar", "SoapBottle", "Spatula", "Spoon", "SprayBottle", "Statue", "TennisRacket", "TissueBox",
                "ToiletPaper", "ToiletPaperRoll", "Tomato", "Vase", "Watch", "WateringCan", "WineBottle",
            ]
        ),
        (
            "CounterTop", false,
            [
                "AlarmClock", "Apple", "BaseballBat", "BasketBall", "Book", "Bowl", "Box", "Bread", "ButterKnife", "CD",
                "Candle", "CellPhone", "Cloth", "CreditCard", "Cup", "DishSponge", "Egg", "Fork", "Glassbottle",
                "HandTowel", "Kettle", "KeyChain", "Knife", "Ladle", "Laptop", "Lettuce", "Mug", "Newspaper", "Pan",
                "PaperTowel", "Pen", "Pencil", "PepperShaker", "Plate", "Pot", "Potato", "RemoteControl", "SaltShaker",
                "SoapBar", "SoapBottle", "Spatula", "Spoon", "SprayBottle", "Statue", "TennisRacket", "TissueBox",
                "ToiletPaper", "ToiletPaperRoll", "Tomato", "Vase", "Watch", "WateringCan", "WineBottle",
            ]
        ),
        (
            "Desk", false,
            [
                "AlarmClock", "BasketBall", "Book", "Bowl", "Box", "CD", "Candle", "CellPhone", "Cloth", "CreditCard",
                "Cup", "Glassbottle", "KeyChain", "Laptop", "Mug", "Newspaper", "Pen", "Pencil", "Plate",
                "RemoteControl", "SoapBottle", "SprayBottle", "Statue", "TennisRacket", "TissueBox", "ToiletPaper",
                "ToiletPaperRoll", "Vase", "Watch", "WateringCan", "WineBottle",
            ]
        ),
        (
            "DiningTable", false,
            [
                "AlarmClock", "Apple", "BaseballBat", "BasketBall", "Book", "Bowl", "Box", "Bread", "ButterKnife", "CD",
                "Candle", "CellPhone", "Cloth", "CreditCard", "Cup", "DishSponge", "Egg", "Fork", "Glassbottle",
                "HandTowel", "Kettle", "KeyChain", "Knife", "Ladle", "Laptop", "Lettuce", "Mug", "Newspaper", "Pan",
                "PaperTowel", "Pen", "Pencil", "PepperShaker", "Plate", "Pot", "Potato", "RemoteControl", "SaltShaker",
                "SoapBar", "SoapBottle", "Spatula", "Spoon", "SprayBottle", "Statue", "TennisRacket", "TissueBox",
                "ToiletPaper", "ToiletPaperRoll", "Tomato", "Vase", "Watch", "WateringCan", "WineBottle",
            ]
        ),
        (
            "Drawer", true,
            [
                "Book", "ButterKnife", "CD", "Candle", "CellPhone", "Cloth", "CreditCard", "DishSponge", "Fork",
                "HandTowel", "KeyChain", "Knife", "Ladle", "Newspaper", "Pen", "Pencil", "PepperShaker",
                "RemoteControl", "SaltShaker", "SoapBar", "SoapBottle", "Spatula", "Spoon", "SprayBottle", "TissueBox",
                "ToiletPaper", "ToiletPaperRoll", "Watch", "WateringCan",
            ]
        ),
        (
            "Dresser", false,
            [
                "AlarmClock", "BasketBall", "Book", "Bowl", "Box", "CD", "Candle", "CellPhone", "Cloth", "CreditCard",
                "Cup", "Glassbottle", "KeyChain", "Laptop", "Mug", "Newspaper", "Pen", "Pencil", "Plate",
                "RemoteControl", "SprayBottle", "Statue", "TennisRacket", "TissueBox", "ToiletPaper", "ToiletPaperRoll",
                "Vase", "Watch", "WateringCan", "WineBottle",
            ]
        ),
        (
            "Fridge", true,
            [
                "Apple", "Bowl", "Bread", "Cup", "Egg", "Glassbottle", "Lettuce", "Mug", "Pan", "Plate", "Pot",
                "Potato", "Tomato", "WineBottle",
            ]
        ),
        (
            "GarbageCan", false,
            [
                "Apple", "Bread", "CD", "Cloth", "DishSponge", "Egg", "HandTowel", "Lettuce", "Newspaper", "PaperTowel",
                "Pen", "Pencil", "Potato", "SoapBar", "SoapBottle", "SprayBottle", "TissueBox", "ToiletPaper",
                "ToiletPaperRoll", "Tomato", "WineBottle",
            ]
        ),
        ("HandTowelHolder", false, ["HandTowel"]),
        ("LaundryHamper", false, ["Cloth"]),
        (
            "Microwave", true,
            ["Apple", "Bowl", "Bread", "Cup", "Egg", "Glassbottle", "Mug", "Plate", "Potato", "Tomato"]
        ),
        (
            "Ottoman", false,
            [
                "BasketBall", "Book", "Box", "CellPhone", "Cloth", "CreditCard", "KeyChain", "Laptop", "Newspaper",
                "Pillow", "RemoteControl",
            ]
        ),
        ("PaintingHanger", false, []),
        ("Safe", true, ["CD", "CellPhone", "CreditCard", "KeyChain", "Statue", "Vase", "Watch"]),
        (
            "Shelf", false,
            [
                "AlarmClock", "Book", "Bowl", "Box", "CD", "Candle", "CellPhone", "Cloth", "CreditCard", "Cup",
                "DishSponge", "Glassbottle", "HandTowel", "Kettle", "KeyChain", "Mug", "Newspaper", "PaperTowel", "Pen",
                "Pencil", "PepperShaker", "Plate", "Pot", "RemoteControl", "SaltShaker", "SoapBar", "SoapBottle",
                "SprayBottle", "Statue", "TissueBox", "ToiletPaper", "ToiletPaperRoll", "Vase", "Watch", "WateringCan",
                "WineBottle",
            ]
        ),
        (
            "SideTable", false,
            [
                "AlarmClock", "Apple", "BaseballBat", "BasketBall", "Book", "Bowl", "Box", "Bread", "ButterKnife", "CD",
                "Candle", "CellPhone", "Cloth", "CreditCard", "Cup", "DishSponge", "Egg", "Fork", "Glassbottle",
                "HandTowel", "Kettle", "KeyChain", "Knife", "Ladle", "Laptop", "Lettuce", "Mug", "Newspaper", "Pan",
                "PaperTowel", "Pen", "Pencil", "PepperShaker", "Plate", "Pot", "Potato", "RemoteControl", "SaltShaker",
                "SoapBar", "SoapBottle", "Spatula", "Spoon", "SprayBottle", "Statue", "TennisRacket", "TissueBox",
                "ToiletPaper", "ToiletPaperRoll", "Tomato", "Vase", "Watch", "WateringCan", "WineBottle",
            ]
        ),
        (
            "SinkBasin", false,
            [
                "Apple", "Bowl", "ButterKnife", "Cloth", "Cup", "DishSponge", "Egg", "Fork", "Glassbottle", "HandTowel",
                "Kettle", "Knife", "Ladle", "Lettuce", "Mug", "Pan", "Plate", "Pot", "Potato", "SoapBar", "Spatula",
                "Spoon", "Tomato",
            ]
        ),
        (
            "Sofa", false,
            [
                "BasketBall", "Book", "Box", "CellPhone", "Cloth", "CreditCard", "KeyChain", "Laptop", "Newspaper",
                "Pillow", "RemoteControl",
            ]
        ),
        ("StoveBurner", false, ["Kettle", "Pan", "Pot"]),
        ("TVStand", false, ["TissueBox"]),
        ("Toaster", false, []),
        (
            "Toilet", false,
            [
                "Candle", "Cloth", "DishSponge", "HandTowel", "Newspaper", "PaperTowel", "SoapBar", "SoapBottle",
                "SprayBottle", "TissueBox", "ToiletPaper", "ToiletPaperRoll",
            ]
        ),
        ("ToiletPaperHanger", false, ["ToiletPaper", "ToiletPaperRoll"]),
        ("TowelHolder", false, ["Towel"]),
    ]
}
