import Testing
import TroupeCore

@testable import ToolsEnv

/// The simulated world: deterministic per (seed, canonical arguments), consistent across APIs,
/// stateful where natural.
@Suite struct SimulationTests {
    @Test func sameSeedAndArgumentsGiveTheSameBytes() {
        for name in Fixtures.catalog.functions.map(\.name) {
            let arguments = Fixtures.exampleArguments(Fixtures.function(name))
            let a = Fixtures.call(name, arguments, world: World(seed: 9))
            let b = Fixtures.call(name, arguments, world: World(seed: 9))
            #expect(a.envelope.serialized() == b.envelope.serialized(), "\(name)")
        }
        // Argument order and 1.0 vs 1 do not matter: the arguments are canonical.
        let x = Fixtures.call("convert_for_currency_exchange", ["is_from": "USD", "to": "EUR", "amount": 100])
        let y = Fixtures.call("convert_for_currency_exchange", ["amount": 100.0, "to": "EUR", "is_from": "USD"])
        #expect(x.envelope.serialized() == y.envelope.serialized())
    }

    @Test func differentSeedsGiveDifferentWorlds() {
        let answers = Set(
            (0..<8).map { seed in
                Fixtures.call("current_weather_for_weather_hub", ["q": "Paris"], world: World(seed: UInt64(seed)))
                    .envelope.serialized()
            })
        #expect(answers.count > 4)
    }

    @Test func geocoderWeatherAndSearchAgreeOnACity() throws {
        let world = World(seed: 3)
        let geocode = Fixtures.call("geocode_for_geocoder", ["address": "Lisbon"], world: world).response["results"]?
            .arrayValue?.first
        let weather = Fixtures.call("current_weather_for_weather_hub", ["q": "Lisbon"], world: world).response[
            "location"]
        #expect(geocode?["lat"] == weather?["lat"])
        #expect(geocode?["lon"] == weather?["lon"])
        // Coordinates resolve to the same city everywhere.
        let lat = try #require(geocode?["lat"]?.doubleValue)
        let lon = try #require(geocode?["lon"]?.doubleValue)
        let reverse = Fixtures.call(
            "reverse_geocode_for_geocoder", ["lat": .double(lat), "lon": .double(lon)], world: world)
        #expect(reverse.response["nearest_city"]?["name"] == "Lisbon")
        let byCoordinates = Fixtures.call(
            "current_weather_for_weather_hub", ["q": .string("\(lat),\(lon)")], world: world)
        #expect(
            byCoordinates.response["current"]
                == Fixtures.call("current_weather_for_weather_hub", ["q": "Lisbon"], world: world).response["current"])
        // The encyclopedia quotes the geocoder's population.
        let population = try #require(geocode?["population"]?.intValue)
        let summary = Fixtures.call("article_summary_for_encyclopedia", ["title": "Lisbon"], world: world).response[
            "summary"]?.stringValue
        #expect(summary?.contains("\(population)") == true)
    }

    @Test func hotelsAgreeWithPlacesAndExchangeRates() throws {
        let world = World(seed: 5)
        let checkIn = world.today.adding(days: 10).iso
        let hotels = try #require(
            Fixtures.call(
                "search_hotels_for_hotel_booking", ["city": "Tokyo", "check_in": .string(checkIn)], world: world
            )
            .response["hotels"]?.arrayValue)
        let rate = try #require(
            Fixtures.call("convert_for_currency_exchange", ["is_from": "USD", "to": "JPY", "amount": 1], world: world)
                .response["rate"]?.doubleValue)
        for hotel in hotels {
            let usd = try #require(hotel["total_usd"]?.doubleValue)
            let local = try #require(hotel["total_local"]?.doubleValue)
            #expect(abs(local - usd * rate) < 0.01 + usd * 1e-6)
        }
        let places = try #require(
            Fixtures.call(
                "nearby_places_for_places_nearby", ["location": "Tokyo", "type": "hotel", "radius": 20000], world: world
            )
            .response["results"]?.arrayValue)
        let placeNames = Set(places.compactMap { $0["name"]?.stringValue })
        let hotelNames = Set(hotels.compactMap { $0["name"]?.stringValue })
        #expect(!placeNames.isDisjoint(with: hotelNames))
        // Place details agree with the listing.
        let first = try #require(places.first)
        let details = Fixtures.call("place_details_for_places_nearby", ["place_id": first["place_id"]!], world: world)
            .response
        #expect(details["name"] == first["name"])
        #expect(details["lat"] == first["lat"])
    }

    @Test func todoListAndBookingsKeepState() throws {
        var state = SimState()
        let world = World(seed: 11)
        #expect(
            Fixtures.call("add_task_for_todo_list", ["title": "buy milk"], world: world, state: &state).response[
                "task_id"] == 1)
        #expect(
            Fixtures.call("add_task_for_todo_list", ["title": "pay rent"], world: world, state: &state).response[
                "task_id"] == 2)
        #expect(Fixtures.call("complete_task_for_todo_list", ["task_id": 1], world: world, state: &state).status == .ok)
        let open = Fixtures.call("list_tasks_for_todo_list", ["status": "open"], world: world, state: &state)
        #expect(open.response["tasks"]?.arrayValue?.compactMap { $0["title"]?.stringValue } == ["pay rent"])
        #expect(Fixtures.call("delete_task_for_todo_list", ["task_id": 2], world: world, state: &state).status == .ok)
        #expect(
            Fixtures.call("delete_task_for_todo_list", ["task_id": 2], world: world, state: &state).status
                == .messageError)

        // Book the first available hotel, read it back, cancel it, cancel again.
        let checkIn = world.today.adding(days: 20).iso
        let hotels = try #require(
            Fixtures.call(
                "search_hotels_for_hotel_booking", ["city": "Rome", "check_in": .string(checkIn), "nights": 2],
                world: world, state: &state
            )
            .response["hotels"]?.arrayValue)
        let hotel = try #require(hotels.first { $0["available"] == true })
        let booked = Fixtures.call(
            "book_hotel_for_hotel_booking",
            ["hotel_id": hotel["hotel_id"]!, "check_in": .string(checkIn), "nights": 2, "guest_name": "Ada Lovelace"],
            world: world,
            state: &state)
        #expect(booked.status == .ok)
        #expect(booked.response["total_usd"] == hotel["total_usd"])
        let id = try #require(booked.response["booking_id"])
        #expect(
            Fixtures.call("get_booking_for_hotel_booking", ["booking_id": id], world: world, state: &state).response[
                "status"] == "confirmed")
        #expect(
            Fixtures.call("cancel_booking_for_hotel_booking", ["booking_id": id], world: world, state: &state).response[
                "status"] == "cancelled")
        #expect(
            Fixtures.call("cancel_booking_for_hotel_booking", ["booking_id": id], world: world, state: &state).status
                == .messageError)
        // A booking in the past is refused.
        let past = Fixtures.call(
            "book_hotel_for_hotel_booking",
            [
                "hotel_id": hotel["hotel_id"]!, "check_in": .string(world.today.adding(days: -1).iso), "nights": 1,
                "guest_name": "X",
            ],
            world: world, state: &state)
        #expect(past.status == .messageError)
    }

    @Test func calculatorsAreRight() {
        #expect(
            Fixtures.call("evaluate_for_math_calculator", ["expression": "2^10 - sqrt(16)"]).response["result"] == 1020)
        #expect(Fixtures.call("evaluate_for_math_calculator", ["expression": "2^3^2"]).response["result"] == 512)
        #expect(Fixtures.call("evaluate_for_math_calculator", ["expression": "(1+"]).status == .messageError)
        #expect(
            Fixtures.call("factorize_for_math_calculator", ["number": 360]).response["factors"] == [2, 2, 2, 3, 3, 5])
        #expect(
            Fixtures.call("solve_quadratic_for_math_calculator", ["a": 1, "b": -3, "c": 2]).response["roots"] == [2, 1])
        #expect(
            Fixtures.call("convert_temperature_for_unit_converter", ["value": 100, "from_unit": "C", "to_unit": "F"])
                .response["result"]?.doubleValue == 212)
        #expect(
            Fixtures.call("convert_length_for_unit_converter", ["value": 1, "from_unit": "miles", "to_unit": "km"])
                .response["result"] == 1.609344)
        #expect(
            Fixtures.call("day_of_week_for_date_calculator", ["date": "2000-01-01"]).response["weekday"] == "Saturday")
        #expect(
            Fixtures.call(
                "date_difference_for_date_calculator", ["start_date": "2024-01-01", "end_date": "2024-12-25"]
            ).response["days"] == 359)
        #expect(
            Fixtures.call("add_days_for_date_calculator", ["date": "2024-02-28", "days": 2]).response["result"]
                == "2024-03-01")
        #expect(
            Fixtures.call("translate_for_translator", ["text": "good morning", "target": "es"]).response["translation"]
                == "buenos días")
        #expect(
            Fixtures.call("detect_language_for_translator", ["text": "bonjour tout le monde"]).response["language"]
                == "fr")
        #expect(
            Fixtures.call("change_case_for_text_toolkit", ["text": "hello big world", "case": "camel"]).response[
                "result"] == "helloBigWorld")
        #expect(
            Fixtures.call("sentiment_for_text_toolkit", ["text": "I love this, it is great"]).response["sentiment"]
                == "positive")
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: -700_000, through: 2_900_000, by: 997) {
            let date = CivilDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(CivilDate(iso: date.iso) == date)
        }
        #expect(CivilDate(iso: "2023-02-29") == nil)
        #expect(CivilDate(iso: "2024-02-29") != nil)
        #expect(CivilDate(daysSinceEpoch: 0).weekday == "Thursday")
    }
}
