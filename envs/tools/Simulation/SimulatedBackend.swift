import TroupeCore

/// The state of the stateful APIs in one episode (the todo list, hotel bookings). It is part of
/// the environment's snapshots.
public struct SimState: Codable, Sendable, Equatable {
    public struct Task: Codable, Sendable, Equatable {
        var id: Int
        var title: String
        var dueDate: String?
        var done: Bool
    }

    public struct Booking: Codable, Sendable, Equatable {
        var id: String
        var hotelID: String
        var hotelName: String
        var city: String
        var checkIn: String
        var nights: Int
        var guest: String
        var totalUSD: Double
        var cancelled: Bool
    }

    var tasks: [Task] = []
    var nextTaskID = 1
    var bookings: [Booking] = []

    public init() {}
}

/// A simulated API: its validated arguments, the episode's world and state in; the response out.
typealias SimHandler = @Sendable (_ world: World, _ args: CallArguments, _ state: inout SimState) -> ToolResponse

/// The simulated backends of the built-in catalog: one handler per API, keyed by function name.
///
/// Every handler is a pure function of (world seed, canonical arguments, episode state), so an
/// episode replays byte for byte. Arguments are validated first (`ArgumentValidator`, typed), so
/// handlers see only well-typed values; what they still refuse (an unknown city, an id that does
/// not exist) comes back as ToolBench's `Message error...` with the API's own message.
public enum SimulatedBackend {
    static let handlers: [String: SimHandler] = [
        weatherHandlers, placeHandlers, financeHandlers, calendarHandlers,
        measureHandlers, mediaHandlers, knowledgeHandlers, textHandlers, bookingHandlers,
    ]
    .reduce(into: [:]) { all, family in all.merge(family) { first, _ in first } }

    /// The function names that have a simulator.
    public static var simulatedFunctionNames: [String] { handlers.keys.sorted() }

    /// Whether `function` has a simulator.
    public static func simulates(_ function: ToolFunction) -> Bool { handlers[function.name] != nil }

    /// Validates and runs one call.
    public static func call(
        _ function: ToolFunction, arguments: JSONObject, world: World, state: inout SimState
    ) -> ToolResponse {
        guard let handler = handlers[function.name] else {
            return .failure(
                .notWorking,
                "\(ToolResponse.notWorkingPrefix)\n\(function.name) has no simulator; use the http backend (or a replay cache) for APIs outside the built-in catalog"
            )
        }
        switch ArgumentValidator.validate(arguments, for: function, typed: true) {
        case .failure(let error): return error.response
        case .success(let args): return handler(world, args, &state)
        }
    }
}

// MARK: - Helpers shared by the handlers

extension SimulatedBackend {
    static func unknownCity(_ query: String) -> ToolResponse {
        .message(
            "No matching location found for '\(query)'. Give a city name such as 'Paris' or coordinates 'lat,lon'.")
    }

    static func date(_ args: CallArguments, _ name: String) -> CivilDate? {
        args.string(name).flatMap(CivilDate.init(iso:))
    }

    static func cityObject(_ city: WorldData.City) -> JSONValue {
        [
            "name": .string(city.name), "country": .string(World.countryName(city.countryCode)),
            "country_code": .string(city.countryCode), "lat": .double(city.latitude), "lon": .double(city.longitude),
            "timezone": .string(city.timeZone),
        ]
    }

    /// The words of a text, lowercased, letters and digits only.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }

    static func number(_ value: Double) -> JSONValue {
        value.rounded() == value && abs(value) < 1e15 ? .int(Int64(value)) : .double(value)
    }
}
