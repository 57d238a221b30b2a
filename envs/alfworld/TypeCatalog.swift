/// An object type of ALFWorld (`Apple`, `DeskLamp`), by its index in `TypeCatalog.objects`.
///
/// Types are small integers so that worlds, placements and goal checks compare integers, never
/// strings; the names live once in the catalog.
public struct ObjectType: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let index: Int
    public static func < (a: ObjectType, b: ObjectType) -> Bool { a.index < b.index }
    public var info: ObjectTypeInfo { TypeCatalog.objects[index] }
    /// The ALFRED class name (`SoapBottle`), as in game folder names and game descriptions.
    public var name: String { info.name }
    /// The lowercase name the text uses (`soapbottle`).
    public var display: String { info.display }
    public var description: String { name }
}

/// A static receptacle type of ALFWorld (`Cabinet`, `SinkBasin`), by its index in
/// `TypeCatalog.receptacles`.
public struct ReceptacleType: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let index: Int
    public static func < (a: ReceptacleType, b: ReceptacleType) -> Bool { a.index < b.index }
    public var info: ReceptacleTypeInfo { TypeCatalog.receptacles[index] }
    public var name: String { info.name }
    public var display: String { info.display }
    public var description: String { name }

    /// Whether this type can hold objects of type `object` (`canContain`, spec §5.1).
    public func canContain(_ object: ObjectType) -> Bool { TypeCatalog.canContain[index][object.index] }
}

/// What an object type affords (`VAL_ACTION_OBJECTS`, `MOVABLE_RECEPTACLES`, and AI2-THOR's
/// pickupable flag; spec §5.2).
public struct ObjectTypeInfo: Sendable {
    public let name: String
    public let display: String
    public let cleanable: Bool
    public let heatable: Bool
    public let coolable: Bool
    public let sliceable: Bool
    /// A lamp: `use` switches it on.
    public let toggleable: Bool
    /// A movable receptacle (bowl, cup, mug, plate, pan, pot, box): `examine` says `This is a normal …`.
    public let movableReceptacle: Bool
    public let pickupable: Bool
}

/// A static receptacle type: the things one can `go to`.
public struct ReceptacleTypeInfo: Sendable {
    public let name: String
    public let display: String
    /// Instances of this class may be openable (each instance says whether it is; spec §3).
    public let openableClass: Bool
}

/// The type tables: every object and receptacle type with its affordances, and `canContain`.
/// Built once from the rows in `TypeCatalog+Tables.swift` (transcribed from the spec).
public enum TypeCatalog {
    public static let objects: [ObjectTypeInfo] = objectRows.map { name, flags in
        ObjectTypeInfo(
            name: name, display: name.lowercased(), cleanable: flags.contains("c"), heatable: flags.contains("h"),
            coolable: flags.contains("k"), sliceable: flags.contains("s"), toggleable: flags.contains("t"),
            movableReceptacle: flags.contains("r"), pickupable: flags.contains("p"))
    }

    public static let receptacles: [ReceptacleTypeInfo] = receptacleRows.map { name, openable, _ in
        ReceptacleTypeInfo(name: name, display: name.lowercased(), openableClass: openable)
    }

    /// `canContain[receptacle][object]`.
    static let canContain: [[Bool]] = receptacleRows.map { _, _, contents in
        let allowed = Set(contents)
        return objectRows.map { allowed.contains($0.0) }
    }

    private static let objectByName: [String: ObjectType] = Dictionary(
        objects.enumerated().flatMap { index, info in
            [(info.name, ObjectType(index: index)), (info.display, ObjectType(index: index))]
        }, uniquingKeysWith: { first, _ in first })

    private static let receptacleByName: [String: ReceptacleType] = Dictionary(
        receptacles.enumerated().flatMap { index, info in
            [(info.name, ReceptacleType(index: index)), (info.display, ReceptacleType(index: index))]
        }, uniquingKeysWith: { first, _ in first })

    /// The object type named `name`, by its ALFRED name (`SoapBottle`) or its display name (`soapbottle`).
    public static func object(_ name: String) -> ObjectType? { objectByName[name] }

    /// The receptacle type named `name`, by its ALFRED name or its display name.
    public static func receptacle(_ name: String) -> ReceptacleType? { receptacleByName[name] }

    /// Object types by name for tables written in code; a misspelling is a programming error.
    static func objects(_ names: [String]) -> [ObjectType] {
        names.map { name in
            guard let type = object(name) else { preconditionFailure("unknown ALFWorld object type \(name)") }
            return type
        }
    }

    static func receptacles(_ names: [String]) -> [ReceptacleType] {
        names.map { name in
            guard let type = receptacle(name) else { preconditionFailure("unknown ALFWorld receptacle type \(name)") }
            return type
        }
    }

    // Types the rules single out.
    static let microwave = receptacle("Microwave")!
    static let fridge = receptacle("Fridge")!
    static let sinkBasin = receptacle("SinkBasin")!
    static let knives: Set<ObjectType> = Set(objects(["Knife", "ButterKnife"]))
}
