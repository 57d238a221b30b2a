import Foundation
import TroupeCore

extension SimulatedBackend {
    static let weatherHandlers: [String: SimHandler] = [
        "current_weather_for_weather_hub": { world, args, _ in
            let q = args.string("q")!
            guard let city = world.city(q) else { return unknownCity(q) }
            guard let units = unitSystem(args.string("units")) else { return badUnits() }
            let local = world.localNow(city)
            let w = world.weather(city, on: local.date)
            return .ok([
                "location": cityObject(city),
                "localtime": .string("\(local.date.iso) \(World.clock(local.minutes))"),
                "current": [
                    "temp": .double(units.temperature(w.temperatureC)),
                    "feels_like": .double(units.temperature(w.feelsLikeC)),
                    "humidity": .number(w.humidity), "wind": .double(units.speed(w.windKph)),
                    "condition": .string(w.condition), "units": .string(units.label),
                ],
            ])
        },
        "get_7_day_forecast_for_weather_hub": { world, args, _ in
            let q = args.string("q")!
            guard let city = world.city(q) else { return unknownCity(q) }
            guard let units = unitSystem(args.string("units")) else { return badUnits() }
            let days = args.int("days") ?? 3
            guard (1...7).contains(days) else { return .message("days must be between 1 and 7, got \(days).") }
            let start = world.localNow(city).date
            let forecast: [JSONValue] = (0..<days).map { offset in
                let date = start.adding(days: offset)
                let w = world.weather(city, on: date)
                return [
                    "date": .string(date.iso), "weekday": .string(date.weekday),
                    "high": .double(units.temperature(w.highC)), "low": .double(units.temperature(w.lowC)),
                    "condition": .string(w.condition), "chance_of_rain": .number(w.chanceOfRain),
                ]
            }
            return .ok(["location": cityObject(city), "units": .string(units.label), "forecast": .array(forecast)])
        },
        "history_for_weather_hub": { world, args, _ in
            let q = args.string("q")!
            guard let city = world.city(q) else { return unknownCity(q) }
            let date = date(args, "date")!
            let age = date.days(to: world.today)
            guard age >= 1, age <= 365 else {
                return .message(
                    "History is available for the 365 days before today (\(world.today.iso)); \(date.iso) is outside.")
            }
            let w = world.weather(city, on: date)
            return .ok([
                "location": cityObject(city), "date": .string(date.iso), "high": .double(w.highC),
                "low": .double(w.lowC),
                "condition": .string(w.condition), "humidity": .number(w.humidity),
                "precipitation_mm": .double(w.chanceOfRain > 55 ? World.round(Double(w.chanceOfRain - 55) / 3, 1) : 0),
            ])
        },
        "air_quality_for_weather_hub": { world, args, _ in
            let q = args.string("q")!
            guard let city = world.city(q) else { return unknownCity(q) }
            var r = world.rng("air", city.name, world.today.iso)
            let busy = ["Delhi", "Mumbai", "Cairo", "Lagos", "Beijing", "Shanghai", "Bangkok"].contains(city.name)
            let base = 15 + Double(city.population) / 400_000 + (busy ? 90 : 0)
            let aqi = Int(base + r.double() * 40)
            let category: String
            switch aqi {
            case ..<51: category = "Good"
            case ..<101: category = "Moderate"
            case ..<151: category = "Unhealthy for Sensitive Groups"
            case ..<201: category = "Unhealthy"
            default: category = "Very Unhealthy"
            }
            return .ok([
                "location": cityObject(city), "aqi": .number(aqi), "category": .string(category),
                "pm2_5": .double(World.round(Double(aqi) * 0.42, 1)),
                "pm10": .double(World.round(Double(aqi) * 0.7, 1)),
                "o3": .double(World.round(20 + r.double() * 60, 1)),
                "no2": .double(World.round(5 + r.double() * 40, 1)),
            ])
        },
    ]

    struct UnitSystem {
        let imperial: Bool
        var label: String { imperial ? "imperial" : "metric" }
        func temperature(_ c: Double) -> Double { imperial ? World.round(c * 9 / 5 + 32, 1) : c }
        func speed(_ kph: Double) -> Double { imperial ? World.round(kph / 1.609344, 1) : kph }
    }

    static func unitSystem(_ text: String?) -> UnitSystem? {
        switch text.map(World.fold) {
        case nil, "metric": return UnitSystem(imperial: false)
        case "imperial": return UnitSystem(imperial: true)
        default: return nil
        }
    }

    static func badUnits() -> ToolResponse { .message("units must be 'metric' or 'imperial'.") }

    static let placeTypes = ["restaurant", "cafe", "museum", "park", "hotel", "pharmacy"]

    static let placeHandlers: [String: SimHandler] = [
        "geocode_for_geocoder": { world, args, _ in
            let address = args.string("address")!
            guard let city = world.city(address) else { return unknownCity(address) }
            var result = cityObject(city).objectValue!
            result["population"] = .number(city.population)
            result["utc_offset"] = .string(World.offsetText(city.utcOffsetMinutes))
            return .ok(["results": [.object(result)]])
        },
        "reverse_geocode_for_geocoder": { world, args, _ in
            let lat = args.number("lat")!
            let lon = args.number("lon")!
            guard (-90...90).contains(lat), (-180...180).contains(lon) else {
                return .message("lat must be within [-90, 90] and lon within [-180, 180].")
            }
            let nearest = world.nearestCity(latitude: lat, longitude: lon)
            return .ok(["nearest_city": cityObject(nearest.city), "distance_km": .double(World.round(nearest.km, 1))])
        },
        "distance_for_geocoder": { world, args, _ in
            let origin = args.string("origin")!
            let destination = args.string("destination")!
            guard let a = world.city(origin) else { return unknownCity(origin) }
            guard let b = world.city(destination) else { return unknownCity(destination) }
            let unit = World.fold(args.string("unit") ?? "km")
            guard unit == "km" || unit == "mi" else { return .message("unit must be 'km' or 'mi'.") }
            let km = World.distanceKm(a.latitude, a.longitude, b.latitude, b.longitude)
            return .ok([
                "origin": .string(a.name), "destination": .string(b.name),
                "distance": .double(World.round(unit == "km" ? km : km / 1.609344, 1)), "unit": .string(unit),
            ])
        },
        "nearby_places_for_places_nearby": { world, args, _ in
            let location = args.string("location")!
            guard let city = world.city(location) else { return unknownCity(location) }
            let type = World.fold(args.string("type")!)
            guard placeTypes.contains(type) else {
                return .message("type must be one of: \(placeTypes.joined(separator: ", ")).")
            }
            let radius = args.number("radius") ?? 2000
            guard (100...20000).contains(radius) else {
                return .message("radius must be between 100 and 20000 meters.")
            }
            let places = (0..<8).map { place(world, city, type, $0) }.filter { $0.distance <= radius }
                .sorted { $0.distance < $1.distance }
            return .ok([
                "location": .string(city.name), "type": .string(type),
                "results": .array(places.map { $0.summary }),
            ])
        },
        "place_details_for_places_nearby": { world, args, _ in
            let id = args.string("place_id")!
            let parts = id.split(separator: "_").map(String.init)
            guard parts.count >= 4, parts[0] == "pl", let index = Int(parts.last!), (0..<8).contains(index),
                placeTypes.contains(parts[parts.count - 2]),
                let city = WorldData.cities.first(where: {
                    $0.key == parts[1..<(parts.count - 2)].joined(separator: "_")
                })
            else { return .message("Unknown place_id '\(id)'. Use an id returned by Nearby Places.") }
            let p = place(world, city, parts[parts.count - 2], index)
            var r = world.rng("place-details", id)
            var details = p.summary.objectValue!
            details["address"] = .string("\(1 + r.below(200)) \(r.element(of: World.nouns)!) Street, \(city.name)")
            details["phone"] = .string("+\(100 + r.below(900)) \(1_000_000 + r.below(9_000_000))")
            details["opening_hours"] = .string(
                p.type == "park" ? "open 24 hours" : "\(7 + r.below(4)):00-\(18 + r.below(5)):00")
            return .ok(.object(details))
        },
        "current_time_for_world_clock": { world, args, _ in
            let name = args.string("city")!
            guard let city = world.city(name) else { return unknownCity(name) }
            let local = world.localNow(city)
            return .ok([
                "city": .string(city.name), "timezone": .string(city.timeZone),
                "utc_offset": .string(World.offsetText(city.utcOffsetMinutes)), "date": .string(local.date.iso),
                "time": .string(World.clock(local.minutes)), "weekday": .string(local.date.weekday),
            ])
        },
        "convert_time_for_world_clock": { world, args, _ in
            let time = args.string("time")!
            let parts = time.split(separator: ":")
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h),
                (0..<60).contains(m)
            else { return .message("time must be HH:MM in 24-hour form, got '\(time)'.") }
            let fromName = args.string("from_city")!
            let toName = args.string("to_city")!
            guard let from = world.city(fromName) else { return unknownCity(fromName) }
            guard let to = world.city(toName) else { return unknownCity(toName) }
            let minutes = h * 60 + m - from.utcOffsetMinutes + to.utcOffsetMinutes
            let dayShift = Int((Double(minutes) / 1440).rounded(.down))
            return .ok([
                "from": ["city": .string(from.name), "time": .string(World.clock(h * 60 + m))],
                "to": ["city": .string(to.name), "time": .string(World.clock(minutes))],
                "day_offset": .number(dayShift),
                "difference_hours": .double(Double(to.utcOffsetMinutes - from.utcOffsetMinutes) / 60),
            ])
        },
    ]

    struct Place {
        let id: String
        let name: String
        let type: String
        let distance: Double
        let rating: Double
        let lat: Double
        let lon: Double
        var summary: JSONValue {
            [
                "place_id": .string(id), "name": .string(name), "type": .string(type),
                "distance_m": .number(Int(distance)), "rating": .double(rating), "lat": .double(lat),
                "lon": .double(lon),
            ]
        }
    }

    static func place(_ world: World, _ city: WorldData.City, _ type: String, _ index: Int) -> Place {
        var r = world.rng("place-geo", city.name, type, String(index))
        let distance = Double(50 + r.below(9000))
        let bearing = r.double() * 2 * Double.pi
        let dLat = distance * cos(bearing) / 111_320
        let dLon = distance * sin(bearing) / (111_320 * max(0.1, cos(city.latitude * Double.pi / 180)))
        return Place(
            id: "pl_\(city.key)_\(type)_\(index)", name: world.placeName(city: city, type: type, index: index),
            type: type,
            distance: distance, rating: World.round(3 + r.double() * 2, 1), lat: World.round(city.latitude + dLat, 5),
            lon: World.round(city.longitude + dLon, 5))
    }
}
