/// The fixed facts of the simulated world: real cities, currencies, companies, films, musicians,
/// recipes and ingredients, with approximate real values. Everything that changes (weather,
/// rates, prices, headlines, availability) is drawn from the world seed on top of these, so a
/// query written today ("the weather in Lisbon") has an answer in every world.
enum WorldData {
    struct City: Sendable {
        let name: String
        let countryCode: String
        let latitude: Double
        let longitude: Double
        /// Minutes east of UTC (standard time; the simulator has no daylight saving).
        let utcOffsetMinutes: Int
        let timeZone: String
        let population: Int
        let currency: String
        let language: String

        /// A lowercase ASCII key for ids (`sao_paulo`).
        var key: String { ToolBenchNames.standardize(World.fold(name)) }
    }

    static let cities: [City] = [
        City(
            name: "Paris", countryCode: "FR", latitude: 48.8566, longitude: 2.3522, utcOffsetMinutes: 60,
            timeZone: "Europe/Paris", population: 2_148_000, currency: "EUR", language: "fr"),
        City(
            name: "London", countryCode: "GB", latitude: 51.5074, longitude: -0.1278, utcOffsetMinutes: 0,
            timeZone: "Europe/London", population: 8_982_000, currency: "GBP", language: "en"),
        City(
            name: "Berlin", countryCode: "DE", latitude: 52.52, longitude: 13.405, utcOffsetMinutes: 60,
            timeZone: "Europe/Berlin", population: 3_645_000, currency: "EUR", language: "de"),
        City(
            name: "Madrid", countryCode: "ES", latitude: 40.4168, longitude: -3.7038, utcOffsetMinutes: 60,
            timeZone: "Europe/Madrid", population: 3_223_000, currency: "EUR", language: "es"),
        City(
            name: "Barcelona", countryCode: "ES", latitude: 41.3874, longitude: 2.1686, utcOffsetMinutes: 60,
            timeZone: "Europe/Madrid", population: 1_620_000, currency: "EUR", language: "es"),
        City(
            name: "Rome", countryCode: "IT", latitude: 41.9028, longitude: 12.4964, utcOffsetMinutes: 60,
            timeZone: "Europe/Rome", population: 2_873_000, currency: "EUR", language: "it"),
        City(
            name: "Lisbon", countryCode: "PT", latitude: 38.7223, longitude: -9.1393, utcOffsetMinutes: 0,
            timeZone: "Europe/Lisbon", population: 545_000, currency: "EUR", language: "pt"),
        City(
            name: "Amsterdam", countryCode: "NL", latitude: 52.3676, longitude: 4.9041, utcOffsetMinutes: 60,
            timeZone: "Europe/Amsterdam", population: 872_000, currency: "EUR", language: "nl"),
        City(
            name: "Vienna", countryCode: "AT", latitude: 48.2082, longitude: 16.3738, utcOffsetMinutes: 60,
            timeZone: "Europe/Vienna", population: 1_897_000, currency: "EUR", language: "de"),
        City(
            name: "Zurich", countryCode: "CH", latitude: 47.3769, longitude: 8.5417, utcOffsetMinutes: 60,
            timeZone: "Europe/Zurich", population: 421_000, currency: "CHF", language: "de"),
        City(
            name: "Stockholm", countryCode: "SE", latitude: 59.3293, longitude: 18.0686, utcOffsetMinutes: 60,
            timeZone: "Europe/Stockholm", population: 975_000, currency: "SEK", language: "sv"),
        City(
            name: "Oslo", countryCode: "NO", latitude: 59.9139, longitude: 10.7522, utcOffsetMinutes: 60,
            timeZone: "Europe/Oslo", population: 697_000, currency: "NOK", language: "no"),
        City(
            name: "Warsaw", countryCode: "PL", latitude: 52.2297, longitude: 21.0122, utcOffsetMinutes: 60,
            timeZone: "Europe/Warsaw", population: 1_790_000, currency: "PLN", language: "pl"),
        City(
            name: "Reykjavik", countryCode: "IS", latitude: 64.1466, longitude: -21.9426, utcOffsetMinutes: 0,
            timeZone: "Atlantic/Reykjavik", population: 131_000, currency: "ISK", language: "is"),
        City(
            name: "Istanbul", countryCode: "TR", latitude: 41.0082, longitude: 28.9784, utcOffsetMinutes: 180,
            timeZone: "Europe/Istanbul", population: 15_460_000, currency: "TRY", language: "tr"),
        City(
            name: "Cairo", countryCode: "EG", latitude: 30.0444, longitude: 31.2357, utcOffsetMinutes: 120,
            timeZone: "Africa/Cairo", population: 9_540_000, currency: "EGP", language: "ar"),
        City(
            name: "Nairobi", countryCode: "KE", latitude: -1.2921, longitude: 36.8219, utcOffsetMinutes: 180,
            timeZone: "Africa/Nairobi", population: 4_397_000, currency: "KES", language: "sw"),
        City(
            name: "Cape Town", countryCode: "ZA", latitude: -33.9249, longitude: 18.4241, utcOffsetMinutes: 120,
            timeZone: "Africa/Johannesburg", population: 4_618_000, currency: "ZAR", language: "en"),
        City(
            name: "Lagos", countryCode: "NG", latitude: 6.5244, longitude: 3.3792, utcOffsetMinutes: 60,
            timeZone: "Africa/Lagos", population: 15_390_000, currency: "NGN", language: "en"),
        City(
            name: "Dubai", countryCode: "AE", latitude: 25.2048, longitude: 55.2708, utcOffsetMinutes: 240,
            timeZone: "Asia/Dubai", population: 3_331_000, currency: "AED", language: "ar"),
        City(
            name: "Delhi", countryCode: "IN", latitude: 28.7041, longitude: 77.1025, utcOffsetMinutes: 330,
            timeZone: "Asia/Kolkata", population: 16_787_000, currency: "INR", language: "hi"),
        City(
            name: "Mumbai", countryCode: "IN", latitude: 19.076, longitude: 72.8777, utcOffsetMinutes: 330,
            timeZone: "Asia/Kolkata", population: 12_442_000, currency: "INR", language: "hi"),
        City(
            name: "Bangkok", countryCode: "TH", latitude: 13.7563, longitude: 100.5018, utcOffsetMinutes: 420,
            timeZone: "Asia/Bangkok", population: 10_539_000, currency: "THB", language: "th"),
        City(
            name: "Singapore", countryCode: "SG", latitude: 1.3521, longitude: 103.8198, utcOffsetMinutes: 480,
            timeZone: "Asia/Singapore", population: 5_686_000, currency: "SGD", language: "en"),
        City(
            name: "Hong Kong", countryCode: "HK", latitude: 22.3193, longitude: 114.1694, utcOffsetMinutes: 480,
            timeZone: "Asia/Hong_Kong", population: 7_482_000, currency: "HKD", language: "zh"),
        City(
            name: "Shanghai", countryCode: "CN", latitude: 31.2304, longitude: 121.4737, utcOffsetMinutes: 480,
            timeZone: "Asia/Shanghai", population: 24_870_000, currency: "CNY", language: "zh"),
        City(
            name: "Beijing", countryCode: "CN", latitude: 39.9042, longitude: 116.4074, utcOffsetMinutes: 480,
            timeZone: "Asia/Shanghai", population: 21_540_000, currency: "CNY", language: "zh"),
        City(
            name: "Seoul", countryCode: "KR", latitude: 37.5665, longitude: 126.978, utcOffsetMinutes: 540,
            timeZone: "Asia/Seoul", population: 9_776_000, currency: "KRW", language: "ko"),
        City(
            name: "Tokyo", countryCode: "JP", latitude: 35.6762, longitude: 139.6503, utcOffsetMinutes: 540,
            timeZone: "Asia/Tokyo", population: 13_960_000, currency: "JPY", language: "ja"),
        City(
            name: "Kyoto", countryCode: "JP", latitude: 35.0116, longitude: 135.7681, utcOffsetMinutes: 540,
            timeZone: "Asia/Tokyo", population: 1_464_000, currency: "JPY", language: "ja"),
        City(
            name: "Sydney", countryCode: "AU", latitude: -33.8688, longitude: 151.2093, utcOffsetMinutes: 600,
            timeZone: "Australia/Sydney", population: 5_312_000, currency: "AUD", language: "en"),
        City(
            name: "Melbourne", countryCode: "AU", latitude: -37.8136, longitude: 144.9631, utcOffsetMinutes: 600,
            timeZone: "Australia/Melbourne", population: 5_078_000, currency: "AUD", language: "en"),
        City(
            name: "Auckland", countryCode: "NZ", latitude: -36.8485, longitude: 174.7633, utcOffsetMinutes: 720,
            timeZone: "Pacific/Auckland", population: 1_657_000, currency: "NZD", language: "en"),
        City(
            name: "New York", countryCode: "US", latitude: 40.7128, longitude: -74.006, utcOffsetMinutes: -300,
            timeZone: "America/New_York", population: 8_336_000, currency: "USD", language: "en"),
        City(
            name: "Chicago", countryCode: "US", latitude: 41.8781, longitude: -87.6298, utcOffsetMinutes: -360,
            timeZone: "America/Chicago", population: 2_746_000, currency: "USD", language: "en"),
        City(
            name: "Los Angeles", countryCode: "US", latitude: 34.0522, longitude: -118.2437, utcOffsetMinutes: -480,
            timeZone: "America/Los_Angeles", population: 3_898_000, currency: "USD", language: "en"),
        City(
            name: "San Francisco", countryCode: "US", latitude: 37.7749, longitude: -122.4194, utcOffsetMinutes: -480,
            timeZone: "America/Los_Angeles", population: 815_000, currency: "USD", language: "en"),
        City(
            name: "Toronto", countryCode: "CA", latitude: 43.6532, longitude: -79.3832, utcOffsetMinutes: -300,
            timeZone: "America/Toronto", population: 2_794_000, currency: "CAD", language: "en"),
        City(
            name: "Vancouver", countryCode: "CA", latitude: 49.2827, longitude: -123.1207, utcOffsetMinutes: -480,
            timeZone: "America/Vancouver", population: 662_000, currency: "CAD", language: "en"),
        City(
            name: "Mexico City", countryCode: "MX", latitude: 19.4326, longitude: -99.1332, utcOffsetMinutes: -360,
            timeZone: "America/Mexico_City", population: 9_209_000, currency: "MXN", language: "es"),
        City(
            name: "São Paulo", countryCode: "BR", latitude: -23.5505, longitude: -46.6333, utcOffsetMinutes: -180,
            timeZone: "America/Sao_Paulo", population: 12_330_000, currency: "BRL", language: "pt"),
        City(
            name: "Buenos Aires", countryCode: "AR", latitude: -34.6037, longitude: -58.3816, utcOffsetMinutes: -180,
            timeZone: "America/Argentina/Buenos_Aires", population: 3_075_000, currency: "ARS", language: "es"),
    ]

    static let countries: [String: String] = [
        "FR": "France", "GB": "United Kingdom", "DE": "Germany", "ES": "Spain", "IT": "Italy", "PT": "Portugal",
        "NL": "Netherlands", "AT": "Austria", "CH": "Switzerland", "SE": "Sweden", "NO": "Norway", "PL": "Poland",
        "IS": "Iceland", "TR": "Turkey", "EG": "Egypt", "KE": "Kenya", "ZA": "South Africa", "NG": "Nigeria",
        "AE": "United Arab Emirates", "IN": "India", "TH": "Thailand", "SG": "Singapore", "HK": "Hong Kong",
        "CN": "China", "KR": "South Korea", "JP": "Japan", "AU": "Australia", "NZ": "New Zealand",
        "US": "United States", "CA": "Canada", "MX": "Mexico", "BR": "Brazil", "AR": "Argentina",
        "BE": "Belgium", "CO": "Colombia",
    ]

    /// Currency code, name, and units per US dollar (approximate, 2024).
    static let currencies: [(code: String, name: String, perUSD: Double)] = [
        ("USD", "United States Dollar", 1), ("EUR", "Euro", 0.92), ("GBP", "British Pound Sterling", 0.79),
        ("JPY", "Japanese Yen", 149.5), ("CHF", "Swiss Franc", 0.88), ("CAD", "Canadian Dollar", 1.36),
        ("AUD", "Australian Dollar", 1.52), ("NZD", "New Zealand Dollar", 1.64), ("CNY", "Chinese Yuan", 7.19),
        ("HKD", "Hong Kong Dollar", 7.82), ("SGD", "Singapore Dollar", 1.34), ("INR", "Indian Rupee", 83.1),
        ("KRW", "South Korean Won", 1330), ("SEK", "Swedish Krona", 10.5), ("NOK", "Norwegian Krone", 10.6),
        ("PLN", "Polish Zloty", 4.0), ("TRY", "Turkish Lira", 32.0), ("BRL", "Brazilian Real", 4.97),
        ("MXN", "Mexican Peso", 17.1), ("ZAR", "South African Rand", 18.7), ("AED", "UAE Dirham", 3.6725),
        ("THB", "Thai Baht", 35.8), ("EGP", "Egyptian Pound", 47.0), ("ARS", "Argentine Peso", 850),
        ("ISK", "Icelandic Krona", 137), ("KES", "Kenyan Shilling", 130), ("NGN", "Nigerian Naira", 1500),
    ]

    struct Company: Sendable {
        let symbol: String
        let name: String
        let sector: String
        let exchange: String
        let price: Double
        let headquarters: String
        let employees: Int
        let product: String
    }

    static let companies: [Company] = [
        Company(
            symbol: "AAPL", name: "Apple Inc.", sector: "Technology", exchange: "NASDAQ", price: 190,
            headquarters: "Cupertino, United States", employees: 161_000, product: "smartphone"),
        Company(
            symbol: "MSFT", name: "Microsoft Corporation", sector: "Technology", exchange: "NASDAQ", price: 410,
            headquarters: "Redmond, United States", employees: 221_000, product: "cloud platform"),
        Company(
            symbol: "GOOGL", name: "Alphabet Inc.", sector: "Communication Services", exchange: "NASDAQ", price: 150,
            headquarters: "Mountain View, United States", employees: 182_000, product: "search assistant"),
        Company(
            symbol: "AMZN", name: "Amazon.com Inc.", sector: "Consumer Cyclical", exchange: "NASDAQ", price: 180,
            headquarters: "Seattle, United States", employees: 1_525_000, product: "delivery drone"),
        Company(
            symbol: "TSLA", name: "Tesla Inc.", sector: "Consumer Cyclical", exchange: "NASDAQ", price: 200,
            headquarters: "Austin, United States", employees: 140_000, product: "electric car"),
        Company(
            symbol: "NVDA", name: "NVIDIA Corporation", sector: "Technology", exchange: "NASDAQ", price: 880,
            headquarters: "Santa Clara, United States", employees: 29_600, product: "graphics chip"),
        Company(
            symbol: "META", name: "Meta Platforms Inc.", sector: "Communication Services", exchange: "NASDAQ",
            price: 490, headquarters: "Menlo Park, United States", employees: 67_300, product: "VR headset"),
        Company(
            symbol: "NFLX", name: "Netflix Inc.", sector: "Communication Services", exchange: "NASDAQ", price: 610,
            headquarters: "Los Gatos, United States", employees: 13_000, product: "streaming plan"),
        Company(
            symbol: "DIS", name: "The Walt Disney Company", sector: "Communication Services", exchange: "NYSE",
            price: 112, headquarters: "Burbank, United States", employees: 225_000, product: "theme park"),
        Company(
            symbol: "KO", name: "The Coca-Cola Company", sector: "Consumer Defensive", exchange: "NYSE", price: 60,
            headquarters: "Atlanta, United States", employees: 79_100, product: "soft drink"),
        Company(
            symbol: "NKE", name: "Nike Inc.", sector: "Consumer Cyclical", exchange: "NYSE", price: 95,
            headquarters: "Beaverton, United States", employees: 83_700, product: "running shoe"),
        Company(
            symbol: "JPM", name: "JPMorgan Chase & Co.", sector: "Financial Services", exchange: "NYSE", price: 195,
            headquarters: "New York, United States", employees: 309_926, product: "banking app"),
        Company(
            symbol: "F", name: "Ford Motor Company", sector: "Consumer Cyclical", exchange: "NYSE", price: 12,
            headquarters: "Dearborn, United States", employees: 177_000, product: "pickup truck"),
        Company(
            symbol: "GM", name: "General Motors Company", sector: "Consumer Cyclical", exchange: "NYSE", price: 45,
            headquarters: "Detroit, United States", employees: 163_000, product: "electric SUV"),
        Company(
            symbol: "TM", name: "Toyota Motor Corporation", sector: "Consumer Cyclical", exchange: "NYSE", price: 230,
            headquarters: "Toyota City, Japan", employees: 375_000, product: "hybrid car"),
        Company(
            symbol: "SONY", name: "Sony Group Corporation", sector: "Technology", exchange: "NYSE", price: 85,
            headquarters: "Tokyo, Japan", employees: 113_000, product: "game console"),
        Company(
            symbol: "SAP", name: "SAP SE", sector: "Technology", exchange: "NYSE", price: 190,
            headquarters: "Walldorf, Germany", employees: 107_000, product: "business software"),
    ]

    struct Movie: Sendable {
        let title: String
        let year: Int
        let director: String
        let genres: [String]
        let runtime: Int
        let rating: Double
    }

    static let movies: [Movie] = [
        Movie(
            title: "The Shawshank Redemption", year: 1994, director: "Frank Darabont", genres: ["Drama"], runtime: 142,
            rating: 9.3),
        Movie(
            title: "The Godfather", year: 1972, director: "Francis Ford Coppola", genres: ["Crime", "Drama"],
            runtime: 175, rating: 9.2),
        Movie(
            title: "The Dark Knight", year: 2008, director: "Christopher Nolan", genres: ["Action", "Crime", "Drama"],
            runtime: 152, rating: 9.0),
        Movie(
            title: "Inception", year: 2010, director: "Christopher Nolan", genres: ["Action", "Science Fiction"],
            runtime: 148, rating: 8.8),
        Movie(
            title: "Interstellar", year: 2014, director: "Christopher Nolan",
            genres: ["Adventure", "Drama", "Science Fiction"], runtime: 169, rating: 8.7),
        Movie(
            title: "Dunkirk", year: 2017, director: "Christopher Nolan", genres: ["Action", "Drama", "History"],
            runtime: 106, rating: 7.8),
        Movie(
            title: "Oppenheimer", year: 2023, director: "Christopher Nolan", genres: ["Biography", "Drama", "History"],
            runtime: 180, rating: 8.3),
        Movie(
            title: "Pulp Fiction", year: 1994, director: "Quentin Tarantino", genres: ["Crime", "Drama"], runtime: 154,
            rating: 8.9),
        Movie(
            title: "Kill Bill: Vol. 1", year: 2003, director: "Quentin Tarantino", genres: ["Action", "Crime"],
            runtime: 111, rating: 8.2),
        Movie(
            title: "Django Unchained", year: 2012, director: "Quentin Tarantino", genres: ["Drama", "Western"],
            runtime: 165, rating: 8.5),
        Movie(
            title: "Spirited Away", year: 2001, director: "Hayao Miyazaki", genres: ["Animation", "Fantasy"],
            runtime: 125, rating: 8.6),
        Movie(
            title: "My Neighbor Totoro", year: 1988, director: "Hayao Miyazaki", genres: ["Animation", "Family"],
            runtime: 86, rating: 8.1),
        Movie(
            title: "Princess Mononoke", year: 1997, director: "Hayao Miyazaki", genres: ["Animation", "Fantasy"],
            runtime: 134, rating: 8.3),
        Movie(
            title: "Parasite", year: 2019, director: "Bong Joon-ho", genres: ["Comedy", "Drama", "Thriller"],
            runtime: 132, rating: 8.5),
        Movie(
            title: "The Matrix", year: 1999, director: "The Wachowskis", genres: ["Action", "Science Fiction"],
            runtime: 136, rating: 8.7),
        Movie(
            title: "Jurassic Park", year: 1993, director: "Steven Spielberg", genres: ["Adventure", "Science Fiction"],
            runtime: 127, rating: 8.2),
        Movie(
            title: "Schindler's List", year: 1993, director: "Steven Spielberg",
            genres: ["Biography", "Drama", "History"], runtime: 195, rating: 9.0),
        Movie(
            title: "Jaws", year: 1975, director: "Steven Spielberg", genres: ["Adventure", "Thriller"], runtime: 124,
            rating: 8.1),
        Movie(
            title: "Titanic", year: 1997, director: "James Cameron", genres: ["Drama", "Romance"], runtime: 194,
            rating: 7.9),
        Movie(
            title: "Avatar", year: 2009, director: "James Cameron", genres: ["Action", "Adventure", "Science Fiction"],
            runtime: 162, rating: 7.9),
        Movie(
            title: "The Terminator", year: 1984, director: "James Cameron", genres: ["Action", "Science Fiction"],
            runtime: 107, rating: 8.1),
        Movie(
            title: "Amélie", year: 2001, director: "Jean-Pierre Jeunet", genres: ["Comedy", "Romance"], runtime: 122,
            rating: 8.3),
        Movie(
            title: "La La Land", year: 2016, director: "Damien Chazelle", genres: ["Comedy", "Drama", "Music"],
            runtime: 128, rating: 8.0),
        Movie(
            title: "Whiplash", year: 2014, director: "Damien Chazelle", genres: ["Drama", "Music"], runtime: 106,
            rating: 8.5),
        Movie(
            title: "Gladiator", year: 2000, director: "Ridley Scott", genres: ["Action", "Adventure", "Drama"],
            runtime: 155, rating: 8.5),
        Movie(
            title: "Alien", year: 1979, director: "Ridley Scott", genres: ["Horror", "Science Fiction"], runtime: 117,
            rating: 8.5),
        Movie(
            title: "The Grand Budapest Hotel", year: 2014, director: "Wes Anderson", genres: ["Adventure", "Comedy"],
            runtime: 99, rating: 8.1),
        Movie(
            title: "Get Out", year: 2017, director: "Jordan Peele", genres: ["Horror", "Thriller"], runtime: 104,
            rating: 7.7),
        Movie(title: "Roma", year: 2018, director: "Alfonso Cuarón", genres: ["Drama"], runtime: 135, rating: 7.7),
        Movie(
            title: "Gravity", year: 2013, director: "Alfonso Cuarón", genres: ["Drama", "Science Fiction", "Thriller"],
            runtime: 91, rating: 7.7),
    ]

    struct Artist: Sendable {
        let name: String
        let countryCode: String
        let genre: String
        let tracks: [String]
    }

    static let artists: [Artist] = [
        Artist(
            name: "Adele", countryCode: "GB", genre: "Pop",
            tracks: ["Hello", "Rolling in the Deep", "Someone Like You", "Easy on Me", "Skyfall"]),
        Artist(
            name: "Taylor Swift", countryCode: "US", genre: "Pop",
            tracks: ["Shake It Off", "Blank Space", "Anti-Hero", "Love Story", "Cruel Summer"]),
        Artist(
            name: "Ed Sheeran", countryCode: "GB", genre: "Pop",
            tracks: ["Shape of You", "Perfect", "Thinking Out Loud", "Bad Habits"]),
        Artist(
            name: "Beyoncé", countryCode: "US", genre: "R&B",
            tracks: ["Halo", "Crazy in Love", "Single Ladies", "Cuff It"]),
        Artist(
            name: "Drake", countryCode: "CA", genre: "Hip Hop",
            tracks: ["God's Plan", "Hotline Bling", "One Dance", "In My Feelings"]),
        Artist(
            name: "The Weeknd", countryCode: "CA", genre: "R&B",
            tracks: ["Blinding Lights", "Starboy", "Save Your Tears", "The Hills"]),
        Artist(
            name: "BTS", countryCode: "KR", genre: "K-Pop",
            tracks: ["Dynamite", "Butter", "Boy With Luv", "Permission to Dance"]),
        Artist(
            name: "Bad Bunny", countryCode: "US", genre: "Latin",
            tracks: ["Tití Me Preguntó", "Dakiti", "Me Porto Bonito", "Callaíta"]),
        Artist(
            name: "Shakira", countryCode: "CO", genre: "Latin",
            tracks: ["Hips Don't Lie", "Waka Waka", "Whenever, Wherever", "She Wolf"]),
        Artist(
            name: "Coldplay", countryCode: "GB", genre: "Rock",
            tracks: ["Yellow", "Viva la Vida", "Fix You", "The Scientist", "Paradise"]),
        Artist(
            name: "Daft Punk", countryCode: "FR", genre: "Electronic",
            tracks: ["Get Lucky", "One More Time", "Around the World", "Harder, Better, Faster, Stronger"]),
        Artist(
            name: "Stromae", countryCode: "BE", genre: "Electronic",
            tracks: ["Alors on danse", "Papaoutai", "Formidable", "Santé"]),
        Artist(
            name: "Rammstein", countryCode: "DE", genre: "Metal", tracks: ["Du hast", "Sonne", "Engel", "Deutschland"]),
        Artist(
            name: "Måneskin", countryCode: "IT", genre: "Rock",
            tracks: ["Beggin'", "Zitti e buoni", "I Wanna Be Your Slave", "Supermodel"]),
        Artist(
            name: "Rosalía", countryCode: "ES", genre: "Flamenco Pop",
            tracks: ["Despechá", "Malamente", "Con Altura", "Saoko"]),
        Artist(
            name: "Billie Eilish", countryCode: "US", genre: "Pop",
            tracks: ["bad guy", "Happier Than Ever", "What Was I Made For?", "lovely"]),
    ]

    /// Calories, protein, fat and carbohydrates per 100 g.
    static let ingredients: [String: (kcal: Double, protein: Double, fat: Double, carbs: Double)] = [
        "rice": (130, 2.7, 0.3, 28), "pasta": (158, 5.8, 0.9, 31), "spaghetti": (158, 5.8, 0.9, 31),
        "tomato": (18, 0.9, 0.2, 3.9), "onion": (40, 1.1, 0.1, 9.3), "garlic": (149, 6.4, 0.5, 33),
        "olive oil": (884, 0, 100, 0), "butter": (717, 0.9, 81, 0.1), "egg": (143, 12.6, 9.5, 0.7),
        "chicken breast": (165, 31, 3.6, 0), "beef": (250, 26, 15, 0), "salmon": (208, 20, 13, 0),
        "tofu": (76, 8, 4.8, 1.9), "potato": (77, 2, 0.1, 17), "carrot": (41, 0.9, 0.2, 9.6),
        "spinach": (23, 2.9, 0.4, 3.6), "parmesan": (431, 38, 29, 4.1), "mozzarella": (280, 28, 17, 3.1),
        "feta": (264, 14, 21, 4.1), "milk": (42, 3.4, 1, 5), "flour": (364, 10, 1, 76), "sugar": (387, 0, 0, 100),
        "basil": (23, 3.2, 0.6, 2.7), "lemon": (29, 1.1, 0.3, 9.3), "avocado": (160, 2, 15, 8.5),
        "chickpeas": (164, 8.9, 2.6, 27), "lentils": (116, 9, 0.4, 20), "coconut milk": (230, 2.3, 24, 6),
        "bell pepper": (31, 1, 0.3, 6), "mushroom": (22, 3.1, 0.3, 3.3), "black beans": (132, 8.9, 0.5, 24),
        "tortilla": (218, 5.7, 2.9, 44), "bacon": (541, 37, 42, 1.4), "cream": (340, 2.8, 36, 2.8),
        "banana": (89, 1.1, 0.3, 23), "oats": (389, 17, 7, 66), "soy sauce": (53, 8, 0.6, 4.9),
        "ginger": (80, 1.8, 0.8, 18), "cucumber": (15, 0.7, 0.1, 3.6), "lettuce": (15, 1.4, 0.2, 2.9),
        "bread": (265, 9, 3.2, 49), "apple": (52, 0.3, 0.2, 14), "noodles": (138, 4.5, 2.1, 25),
        "shrimp": (99, 24, 0.3, 0.2), "peanuts": (567, 26, 49, 16),
    ]

    struct Recipe: Sendable {
        let name: String
        let cuisine: String
        let diets: [String]
        let minutes: Int
        let servings: Int
        let ingredients: [(String, Double)]
        let steps: [String]
    }

    static let recipes: [Recipe] = [
        Recipe(
            name: "Spaghetti Carbonara", cuisine: "Italian", diets: [], minutes: 25, servings: 2,
            ingredients: [("spaghetti", 200), ("bacon", 100), ("egg", 100), ("parmesan", 50)],
            steps: [
                "Boil the spaghetti.", "Fry the bacon.", "Whisk eggs with parmesan.", "Toss everything off the heat.",
            ]),
        Recipe(
            name: "Margherita Pizza", cuisine: "Italian", diets: ["vegetarian"], minutes: 90, servings: 4,
            ingredients: [("flour", 300), ("tomato", 200), ("mozzarella", 200), ("basil", 10), ("olive oil", 20)],
            steps: ["Make and rest the dough.", "Spread tomato.", "Add mozzarella.", "Bake hot and top with basil."]),
        Recipe(
            name: "Pasta al Pomodoro", cuisine: "Italian", diets: ["vegetarian", "vegan"], minutes: 30, servings: 2,
            ingredients: [("pasta", 200), ("tomato", 400), ("garlic", 10), ("basil", 10), ("olive oil", 30)],
            steps: ["Cook garlic in oil.", "Simmer the tomatoes.", "Toss with pasta and basil."]),
        Recipe(
            name: "Chicken Curry", cuisine: "Indian", diets: ["gluten-free"], minutes: 45, servings: 4,
            ingredients: [
                ("chicken breast", 500), ("onion", 150), ("coconut milk", 400), ("tomato", 200), ("garlic", 15),
                ("ginger", 15), ("rice", 300),
            ],
            steps: [
                "Brown the onion, garlic and ginger.", "Add chicken and tomato.", "Simmer in coconut milk.",
                "Serve with rice.",
            ]),
        Recipe(
            name: "Chana Masala", cuisine: "Indian", diets: ["vegetarian", "vegan", "gluten-free"], minutes: 40,
            servings: 4,
            ingredients: [("chickpeas", 500), ("onion", 150), ("tomato", 300), ("garlic", 15), ("ginger", 15)],
            steps: ["Fry onion, garlic and ginger.", "Add tomato and spices.", "Simmer the chickpeas."]),
        Recipe(
            name: "Pad Thai", cuisine: "Thai", diets: [], minutes: 30, servings: 2,
            ingredients: [("noodles", 200), ("shrimp", 200), ("egg", 100), ("soy sauce", 30), ("peanuts", 30)],
            steps: ["Soak the noodles.", "Stir-fry shrimp.", "Add egg and noodles.", "Season and top with peanuts."]),
        Recipe(
            name: "Guacamole", cuisine: "Mexican", diets: ["vegetarian", "vegan", "gluten-free"], minutes: 10,
            servings: 4, ingredients: [("avocado", 400), ("tomato", 100), ("onion", 50), ("lemon", 30)],
            steps: ["Mash the avocados.", "Stir in tomato, onion and lemon juice."]),
        Recipe(
            name: "Beef Tacos", cuisine: "Mexican", diets: [], minutes: 25, servings: 4,
            ingredients: [("beef", 400), ("tortilla", 300), ("tomato", 100), ("lettuce", 100)],
            steps: ["Brown the beef.", "Warm the tortillas.", "Fill with beef, tomato and lettuce."]),
        Recipe(
            name: "Black Bean Burrito Bowl", cuisine: "Mexican", diets: ["vegetarian", "vegan", "gluten-free"],
            minutes: 30, servings: 2,
            ingredients: [("black beans", 300), ("rice", 200), ("bell pepper", 150), ("avocado", 150)],
            steps: ["Cook the rice.", "Warm the beans.", "Roast the peppers.", "Assemble the bowls."]),
        Recipe(
            name: "Salmon Teriyaki", cuisine: "Japanese", diets: [], minutes: 25, servings: 2,
            ingredients: [("salmon", 300), ("soy sauce", 40), ("sugar", 20), ("ginger", 10), ("rice", 200)],
            steps: ["Make the teriyaki sauce.", "Sear the salmon.", "Glaze and serve with rice."]),
        Recipe(
            name: "Tofu Stir-Fry", cuisine: "Chinese", diets: ["vegetarian", "vegan"], minutes: 20, servings: 2,
            ingredients: [
                ("tofu", 300), ("bell pepper", 150), ("mushroom", 150), ("soy sauce", 30), ("garlic", 10),
                ("rice", 200),
            ],
            steps: ["Press and cube the tofu.", "Stir-fry the vegetables.", "Add tofu and sauce.", "Serve over rice."]),
        Recipe(
            name: "Mushroom Risotto", cuisine: "Italian", diets: ["vegetarian", "gluten-free"], minutes: 40,
            servings: 4,
            ingredients: [("rice", 300), ("mushroom", 300), ("onion", 100), ("parmesan", 60), ("butter", 40)],
            steps: [
                "Sweat the onion.", "Toast the rice.", "Add stock slowly.", "Fold in mushrooms, butter and parmesan.",
            ]),
        Recipe(
            name: "Greek Salad", cuisine: "Greek", diets: ["vegetarian", "gluten-free"], minutes: 15, servings: 2,
            ingredients: [("tomato", 300), ("cucumber", 200), ("onion", 50), ("feta", 150), ("olive oil", 30)],
            steps: ["Chop the vegetables.", "Top with feta.", "Dress with olive oil."]),
        Recipe(
            name: "French Omelette", cuisine: "French", diets: ["vegetarian", "gluten-free"], minutes: 10, servings: 1,
            ingredients: [("egg", 150), ("butter", 15)],
            steps: ["Beat the eggs.", "Cook gently in butter, stirring.", "Roll onto a plate."]),
        Recipe(
            name: "Lentil Soup", cuisine: "Middle Eastern", diets: ["vegetarian", "vegan", "gluten-free"], minutes: 45,
            servings: 4,
            ingredients: [
                ("lentils", 400), ("carrot", 150), ("onion", 150), ("garlic", 10), ("olive oil", 20), ("lemon", 30),
            ],
            steps: [
                "Soften onion, carrot and garlic.", "Add lentils and water.", "Simmer and blend.", "Finish with lemon.",
            ]),
        Recipe(
            name: "Banana Oat Pancakes", cuisine: "American", diets: ["vegetarian"], minutes: 20, servings: 2,
            ingredients: [("banana", 200), ("oats", 100), ("egg", 100), ("milk", 100)],
            steps: ["Blend everything.", "Cook small pancakes in a pan."]),
        Recipe(
            name: "Apple Pie", cuisine: "American", diets: ["vegetarian"], minutes: 90, servings: 8,
            ingredients: [("apple", 1000), ("flour", 300), ("butter", 200), ("sugar", 150)],
            steps: ["Make the pastry.", "Slice and sugar the apples.", "Fill, cover and bake."]),
        Recipe(
            name: "Potato Gratin", cuisine: "French", diets: ["vegetarian", "gluten-free"], minutes: 75, servings: 6,
            ingredients: [("potato", 1000), ("cream", 400), ("milk", 200), ("garlic", 10), ("parmesan", 100)],
            steps: ["Slice the potatoes thinly.", "Layer with cream, milk and garlic.", "Top with cheese and bake."]),
        Recipe(
            name: "Chicken Caesar Salad", cuisine: "American", diets: [], minutes: 20, servings: 2,
            ingredients: [
                ("chicken breast", 300), ("lettuce", 200), ("parmesan", 40), ("bread", 80), ("olive oil", 30),
                ("lemon", 20),
            ],
            steps: ["Grill the chicken.", "Toast the croutons.", "Toss lettuce with dressing, chicken and parmesan."]),
        Recipe(
            name: "Creamy Spinach Pasta", cuisine: "Italian", diets: ["vegetarian"], minutes: 25, servings: 2,
            ingredients: [("pasta", 200), ("spinach", 200), ("cream", 150), ("garlic", 10), ("parmesan", 40)],
            steps: ["Cook the pasta.", "Wilt spinach with garlic.", "Stir in cream and parmesan."]),
    ]

    /// Supported languages of the translator.
    static let languages: [(code: String, name: String)] = [
        ("en", "English"), ("es", "Spanish"), ("fr", "French"), ("de", "German"), ("it", "Italian"),
    ]

    /// English phrase or word → Spanish, French, German, Italian. Phrases are matched first.
    static let lexicon: [(en: String, es: String, fr: String, de: String, it: String)] = [
        ("good morning", "buenos días", "bonjour", "guten Morgen", "buongiorno"),
        ("good night", "buenas noches", "bonne nuit", "gute Nacht", "buona notte"),
        ("thank you", "gracias", "merci", "danke", "grazie"),
        ("how are you", "cómo estás", "comment ça va", "wie geht es dir", "come stai"),
        ("see you tomorrow", "hasta mañana", "à demain", "bis morgen", "a domani"),
        ("where is", "dónde está", "où est", "wo ist", "dov'è"),
        ("i love you", "te quiero", "je t'aime", "ich liebe dich", "ti amo"),
        ("hello", "hola", "bonjour", "hallo", "ciao"),
        ("goodbye", "adiós", "au revoir", "auf Wiedersehen", "arrivederci"),
        ("please", "por favor", "s'il vous plaît", "bitte", "per favore"), ("yes", "sí", "oui", "ja", "sì"),
        ("no", "no", "non", "nein", "no"), ("the", "el", "le", "der", "il"), ("a", "un", "un", "ein", "un"),
        ("and", "y", "et", "und", "e"), ("is", "es", "est", "ist", "è"), ("i", "yo", "je", "ich", "io"),
        ("you", "tú", "tu", "du", "tu"), ("we", "nosotros", "nous", "wir", "noi"), ("my", "mi", "mon", "mein", "mio"),
        ("friend", "amigo", "ami", "Freund", "amico"), ("house", "casa", "maison", "Haus", "casa"),
        ("cat", "gato", "chat", "Katze", "gatto"), ("dog", "perro", "chien", "Hund", "cane"),
        ("water", "agua", "eau", "Wasser", "acqua"), ("bread", "pan", "pain", "Brot", "pane"),
        ("wine", "vino", "vin", "Wein", "vino"), ("coffee", "café", "café", "Kaffee", "caffè"),
        ("book", "libro", "livre", "Buch", "libro"), ("city", "ciudad", "ville", "Stadt", "città"),
        ("station", "estación", "gare", "Bahnhof", "stazione"), ("train", "tren", "train", "Zug", "treno"),
        ("airport", "aeropuerto", "aéroport", "Flughafen", "aeroporto"),
        ("hotel", "hotel", "hôtel", "Hotel", "albergo"),
        ("restaurant", "restaurante", "restaurant", "Restaurant", "ristorante"),
        ("beach", "playa", "plage", "Strand", "spiaggia"),
        ("today", "hoy", "aujourd'hui", "heute", "oggi"), ("tomorrow", "mañana", "demain", "morgen", "domani"),
        ("weather", "tiempo", "météo", "Wetter", "tempo"), ("beautiful", "hermoso", "beau", "schön", "bello"),
        ("big", "grande", "grand", "groß", "grande"), ("small", "pequeño", "petit", "klein", "piccolo"),
        ("good", "bueno", "bon", "gut", "buono"), ("bad", "malo", "mauvais", "schlecht", "cattivo"),
        ("love", "amor", "amour", "Liebe", "amore"), ("music", "música", "musique", "Musik", "musica"),
        ("food", "comida", "nourriture", "Essen", "cibo"), ("red", "rojo", "rouge", "rot", "rosso"),
        ("blue", "azul", "bleu", "blau", "blu"), ("green", "verde", "vert", "grün", "verde"),
        ("one", "uno", "un", "eins", "uno"), ("two", "dos", "deux", "zwei", "due"),
        ("three", "tres", "trois", "drei", "tre"),
        ("where", "dónde", "où", "wo", "dove"), ("what", "qué", "quoi", "was", "che cosa"),
        ("time", "hora", "heure", "Zeit", "ora"),
        ("thanks", "gracias", "merci", "danke", "grazie"), ("world", "mundo", "monde", "Welt", "mondo"),
        ("everyone", "todos", "tout le monde", "alle", "tutti"), ("very", "muy", "très", "sehr", "molto"),
        ("happy", "feliz", "heureux", "glücklich", "felice"),
        ("birthday", "cumpleaños", "anniversaire", "Geburtstag", "compleanno"),
    ]

    /// Frequent words of each language, for detection.
    static let stopwords: [String: Set<String>] = [
        "en": [
            "the", "and", "is", "of", "to", "in", "it", "you", "that", "was", "for", "on", "are", "with", "this",
            "hello", "good", "morning", "thank", "please", "where", "my", "i",
        ],
        "es": [
            "el", "la", "de", "que", "y", "en", "los", "es", "por", "las", "una", "hola", "gracias", "buenos", "días",
            "dónde", "está", "mi", "muy", "yo",
        ],
        "fr": [
            "le", "la", "les", "de", "et", "est", "un", "une", "je", "tu", "nous", "bonjour", "merci", "où", "tout",
            "monde", "très", "vous", "pas", "ça",
        ],
        "de": [
            "der", "die", "das", "und", "ist", "ich", "nicht", "ein", "eine", "zu", "mit", "guten", "morgen", "danke",
            "wo", "bitte", "sehr", "wir", "du", "hallo",
        ],
        "it": [
            "il", "lo", "la", "di", "che", "è", "e", "un", "una", "sono", "ciao", "grazie", "buongiorno", "dove",
            "molto", "io", "per", "non", "mio", "tutti",
        ],
    ]

    static let positiveWords: Set<String> = [
        "good", "great", "excellent", "love", "loved", "amazing", "wonderful", "happy", "fantastic", "best", "nice",
        "perfect", "enjoy", "enjoyed", "beautiful", "brilliant", "awesome", "pleased", "delightful", "recommend",
        "fast", "friendly", "helpful", "like", "liked",
    ]
    static let negativeWords: Set<String> = [
        "bad", "terrible", "awful", "hate", "hated", "poor", "worst", "horrible", "sad", "disappointing",
        "disappointed", "slow", "broken", "rude", "boring", "angry", "dirty", "expensive", "never", "problem",
        "annoying", "useless", "fail", "failed", "late",
    ]
    static let englishStopwords: Set<String> = [
        "the", "a", "an", "and", "or", "of", "to", "in", "on", "at", "for", "with", "is", "are", "was", "were",
        "be", "it", "this", "that", "as", "by", "from", "but", "not", "its", "has", "have", "had", "will", "can",
        "i", "you", "we", "they", "he", "she", "my", "our", "their", "his", "her", "so", "if", "than", "then",
        "there", "about", "into", "also", "more", "most", "very",
    ]
}
