import Foundation
import TroupeCore

/// The simulated world of one episode: the fixed facts of `WorldData` plus everything drawn from
/// the world seed (today's date, weather, rates, prices, headlines, availability).
///
/// Invariant: every value is a pure function of (seed, the names it is about), drawn from a
/// generator derived from those names, never from a shared stream. So the answer to a call does
/// not depend on which calls came before it, and two APIs that talk about the same thing agree:
/// the geocoder and the weather service give a city the same coordinates, the hotel prices in
/// local currency use the exchange service's rates, the places and the hotels share names.
public struct World: Sendable {
    public let seed: UInt64
    /// The simulated "today" (UTC), between 2024-01-01 and 2025-12-31.
    public let today: CivilDate
    /// Minutes since midnight UTC of the simulated "now".
    public let minutesUTC: Int

    public init(seed: UInt64) {
        self.seed = seed
        var rng = SeededRNG(seed: seed, stream: "world")
        today = CivilDate(year: 2024, month: 1, day: 1)!.adding(days: Int(rng.below(731)))
        minutesUTC = Int(rng.below(1440))
    }

    /// A generator for the values about `parts` (a pure function of the seed and the parts).
    func rng(_ parts: String...) -> SeededRNG {
        SeededRNG(seed: seed ^ SeededRNG.fnv1a64(parts.joined(separator: "\u{1F}")))
    }

    /// Lowercase, without diacritics or surrounding spaces: how names are compared.
    static func fold(_ text: String) -> String {
        // Foundation's folding is slow; ASCII text (most queries) needs only lowercasing.
        let folded =
            text.utf8.allSatisfy { $0 < 0x80 }
            ? text.lowercased() : text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        return World.trimmed(folded)
    }

    /// `text` without leading and trailing white space (Foundation's `trimmingCharacters` goes
    /// through NSString and dominated the simulator's profile).
    static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = text.lastIndex(where: { !$0.isWhitespace })!
        return String(text[first...last])
    }

    /// The folded names of the cities, in `WorldData.cities` order.
    static let foldedCityNames = WorldData.cities.map { fold($0.name) }

    // MARK: Places

    /// The city a query names: `"Paris"`, `"paris, France"`, `"Paris,FR"`, or coordinates
    /// `"48.85,2.35"` (the nearest city).
    func city(_ query: String) -> WorldData.City? {
        let folded = World.fold(query)
        let parts = folded.split(separator: ",").map { World.trimmed(String($0)) }
        if parts.count == 2, let lat = Double(parts[0]), let lon = Double(parts[1]),
            (-90...90).contains(lat), (-180...180).contains(lon)
        {
            return nearestCity(latitude: lat, longitude: lon).city
        }
        guard let name = parts.first, !name.isEmpty else { return nil }
        let country = parts.count > 1 ? parts[1] : nil
        return WorldData.cities.indices.first { index in
            let city = WorldData.cities[index]
            guard World.foldedCityNames[index] == name else { return false }
            guard let country else { return true }
            return country == city.countryCode.lowercased()
                || country == World.fold(WorldData.countries[city.countryCode] ?? "")
        }.map { WorldData.cities[$0] }
    }

    func nearestCity(latitude: Double, longitude: Double) -> (city: WorldData.City, km: Double) {
        WorldData.cities.map { ($0, World.distanceKm(latitude, longitude, $0.latitude, $0.longitude)) }
            .min { $0.1 < $1.1 }!
    }

    /// Great-circle distance (haversine, Earth radius 6371 km).
    static func distanceKm(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let rad = Double.pi / 180
        let dLat = (lat2 - lat1) * rad
        let dLon = (lon2 - lon1) * rad
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 6371 * 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    }

    static func countryName(_ code: String) -> String { WorldData.countries[code] ?? code }

    // MARK: Money

    /// Units of `code` per US dollar on `date`: the base rate moved by at most ±3 % by the seed.
    func perUSD(_ code: String, on date: CivilDate) -> Double? {
        guard let currency = WorldData.currencies.first(where: { $0.code == code.uppercased() }) else { return nil }
        if currency.code == "USD" { return 1 }
        var r = rng("rate", currency.code, date.iso)
        return currency.perUSD * (1 + (r.double() - 0.5) * 0.06)
    }

    /// How many `to` one `from` buys on `date`.
    func rate(from: String, to: String, on date: CivilDate) -> Double? {
        guard let a = perUSD(from, on: date), let b = perUSD(to, on: date) else { return nil }
        return b / a
    }

    // MARK: Weather

    struct Weather {
        let temperatureC: Double
        let feelsLikeC: Double
        let humidity: Int
        let windKph: Double
        let condition: String
        let chanceOfRain: Int
        let highC: Double
        let lowC: Double
    }

    /// The weather of a city on a date: a seasonal mean from latitude and day of year, plus
    /// seeded day-to-day noise.
    func weather(_ city: WorldData.City, on date: CivilDate) -> Weather {
        var r = rng("weather", city.name, date.iso)
        let absLat = abs(city.latitude)
        let annualMean = 30 - 0.35 * absLat
        let amplitude = 0.16 * absLat
        let peakDay = city.latitude >= 0 ? 200.0 : 17.0
        let seasonal = cos(2 * Double.pi * (Double(date.dayOfYear) - peakDay) / 365.25)
        let mean = annualMean + amplitude * seasonal + (r.double() - 0.5) * 8
        let spread = 4 + r.double() * 6
        let rain = Int(r.below(100))
        let humidity = 35 + Int(r.below(60))
        let wind = (r.double() * 35 * 10).rounded() / 10
        let condition: String
        if rain > 75 {
            condition = mean < 1 ? "Snow" : (rain > 90 ? "Thunderstorm" : "Rain")
        } else if rain > 55 {
            condition = "Light rain"
        } else if rain > 35 {
            condition = "Overcast"
        } else if rain > 15 {
            condition = "Partly cloudy"
        } else {
            condition = "Sunny"
        }
        let now = mean + (r.double() - 0.5) * spread
        let feels = now - wind / 10 + (humidity > 80 && now > 25 ? 2 : 0)
        return Weather(
            temperatureC: World.round(now, 1), feelsLikeC: World.round(feels, 1), humidity: humidity,
            windKph: wind, condition: condition, chanceOfRain: rain, highC: World.round(mean + spread / 2, 1),
            lowC: World.round(mean - spread / 2, 1))
    }

    static func round(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    /// The current local time in a city as (date, minutes since local midnight).
    func localNow(_ city: WorldData.City) -> (date: CivilDate, minutes: Int) {
        let total = minutesUTC + city.utcOffsetMinutes
        let dayShift = Int((Double(total) / 1440).rounded(.down))
        return (today.adding(days: dayShift), total - dayShift * 1440)
    }

    static func clock(_ minutes: Int) -> String {
        let m = ((minutes % 1440) + 1440) % 1440
        let h = m / 60
        let mm = m % 60
        return (h < 10 ? "0" : "") + String(h) + ":" + (mm < 10 ? "0" : "") + String(mm)
    }

    static func offsetText(_ minutes: Int) -> String {
        let sign = minutes < 0 ? "-" : "+"
        let a = abs(minutes)
        return sign + (a / 60 < 10 ? "0" : "") + String(a / 60) + ":" + (a % 60 < 10 ? "0" : "") + String(a % 60)
    }

    // MARK: Generated names

    static let adjectives = [
        "Golden", "Blue", "Little", "Old", "Green", "Royal", "Silver", "Happy", "Hidden", "Corner",
    ]
    static let nouns = ["Oak", "Harbor", "Garden", "Lantern", "Olive", "Fig", "Mill", "Bridge", "Fox", "Rose"]

    /// The name of the `index`-th place of a type in a city; hotels share these names with the
    /// hotel booking service.
    func placeName(city: WorldData.City, type: String, index: Int) -> String {
        var r = rng("place", city.name, type, String(index))
        let adjective = r.element(of: World.adjectives)!
        let noun = r.element(of: World.nouns)!
        switch type {
        case "restaurant":
            return "\(adjective) \(noun) \(r.element(of: ["Kitchen", "Bistro", "Grill", "Trattoria", "Brasserie"])!)"
        case "cafe": return "\(noun) \(r.element(of: ["Café", "Coffee House", "Espresso Bar", "Bakery"])!)"
        case "museum":
            return
                "\(city.name) Museum of \(r.element(of: ["Art", "History", "Science", "Design", "Modern Art", "Natural History"])!)"
        case "park": return "\(noun) \(r.element(of: ["Park", "Gardens", "Green", "Square"])!)"
        case "hotel": return "\(r.element(of: ["Hotel", "Grand Hotel", "The"])!) \(adjective) \(noun)"
        default: return "\(noun) Pharmacy"
        }
    }
}
