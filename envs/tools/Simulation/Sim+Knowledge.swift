import TroupeCore

extension SimulatedBackend {
    /// An encyclopedia article (and web page) about one entity of the world.
    struct Article {
        let title: String
        let summary: String
        let url: String
    }

    /// One article per city, company, film, artist and recipe, written from the same facts the
    /// other APIs serve, so that search agrees with the geocoder, the stock service and the rest.
    /// They use fixed facts only, so they are built once, with their words for ranking.
    static let articles: [Article] = makeArticles()
    static let articleWords: [(title: Set<String>, body: Set<String>)] = articles.map {
        (Set(words(World.fold($0.title))), Set(words(World.fold($0.summary))))
    }

    static func makeArticles() -> [Article] {
        var list: [Article] = []
        for city in WorldData.cities {
            list.append(
                Article(
                    title: city.name,
                    summary:
                        "\(city.name) is a city in \(World.countryName(city.countryCode)) with a population of about \(city.population). It lies at latitude \(city.latitude) and longitude \(city.longitude), in the \(city.timeZone) time zone, and its currency is the \(currencyName(city.currency)).",
                    url: "https://en.encyclopedia.example/wiki/\(city.key)"))
        }
        for company in WorldData.companies {
            list.append(
                Article(
                    title: company.name,
                    summary:
                        "\(company.name) (\(company.exchange): \(company.symbol)) is a \(company.sector.lowercased()) company headquartered in \(company.headquarters). It employs about \(company.employees) people and is known for its \(company.product).",
                    url: "https://en.encyclopedia.example/wiki/\(ToolBenchNames.standardize(company.name))"))
        }
        for movie in WorldData.movies {
            list.append(
                Article(
                    title: movie.title,
                    summary:
                        "\(movie.title) is a \(movie.year) \(movie.genres.joined(separator: " and ").lowercased()) film directed by \(movie.director). It runs \(movie.runtime) minutes.",
                    url: "https://en.encyclopedia.example/wiki/\(ToolBenchNames.standardize(World.fold(movie.title)))"))
        }
        for artist in WorldData.artists {
            list.append(
                Article(
                    title: artist.name,
                    summary:
                        "\(artist.name) is a \(artist.genre) act from \(World.countryName(artist.countryCode)), known for songs such as \(artist.tracks.prefix(3).joined(separator: ", ")).",
                    url: "https://en.encyclopedia.example/wiki/\(ToolBenchNames.standardize(World.fold(artist.name)))"))
        }
        for recipe in WorldData.recipes {
            list.append(
                Article(
                    title: recipe.name,
                    summary:
                        "\(recipe.name) is a \(recipe.cuisine) dish made with \(recipe.ingredients.map(\.0).joined(separator: ", ")). It takes about \(recipe.minutes) minutes to prepare.",
                    url: "https://en.encyclopedia.example/wiki/\(ToolBenchNames.standardize(recipe.name))"))
        }
        return list
    }

    static func currencyName(_ code: String) -> String {
        WorldData.currencies.first { $0.code == code }?.name ?? code
    }

    /// Articles ranked by how many query words they contain (title words count double).
    static func rank(query: String) -> [Article] {
        let terms = Set(words(World.fold(query))).subtracting(WorldData.englishStopwords)
        guard !terms.isEmpty else { return [] }
        let scored = articles.enumerated().compactMap { index, article -> (Int, Int, Article)? in
            let (title, body) = articleWords[index]
            let score = terms.reduce(0) { $0 + (title.contains($1) ? 2 : 0) + (body.contains($1) ? 1 : 0) }
            return score > 0 ? (score, index, article) : nil
        }
        return scored.sorted { ($0.0, -$0.1) > ($1.0, -$1.1) }.map(\.2)
    }

    // MARK: News

    struct NewsItem {
        let title: String
        let category: String
        let country: String
        let date: CivilDate
        let source: String
    }

    /// The countries whose headlines Search News looks through.
    static let newsDesks = ["US", "GB", "IN"]
    static let newsSources = ["Daily Ledger", "The Morning Post", "Global Wire", "Metro Times", "The Observer Network"]
    static let newsCategories = ["business", "technology", "sports", "entertainment", "science", "health"]

    /// The headlines of one day in one country, drawn from the seed.
    static func headlines(_ world: World, country: String, date: CivilDate) -> [NewsItem] {
        var r = world.rng("news", country, date.iso)
        let local = WorldData.cities.filter { $0.countryCode == country }
        let cities = local.isEmpty ? WorldData.cities : local
        return (0..<8).map { _ in
            let category = r.element(of: newsCategories)!
            let city = r.element(of: cities)!.name
            let company = r.element(of: WorldData.companies)!
            let title: String
            switch category {
            case "business":
                let pct = World.round(0.5 + r.double() * 6, 1)
                title =
                    r.chance(0.5)
                    ? "\(company.name) shares \(r.chance(0.5) ? "rise" : "fall") \(pct)% as investors weigh quarterly results"
                    : "\(currencyName(r.element(of: WorldData.currencies)!.code)) \(r.chance(0.5) ? "strengthens" : "weakens") against the US dollar"
            case "technology":
                title =
                    r.chance(0.5)
                    ? "\(company.name) unveils a new \(company.product)" : "Start-ups in \(city) attract record funding"
            case "sports":
                title =
                    r.chance(0.5)
                    ? "\(city) to host the international marathon"
                    : "Fans celebrate in \(city) after a dramatic cup final"
            case "entertainment":
                title =
                    r.chance(0.5)
                    ? "\(r.element(of: WorldData.movies)!.title) returns to cinemas for a special anniversary screening"
                    : "\(r.element(of: WorldData.artists)!.name) announces a world tour with a stop in \(city)"
            case "science":
                title =
                    "Researchers in \(city) report progress on \(r.element(of: ["battery storage", "fusion energy", "gene therapy", "climate models", "quantum computing"])!)"
            default:
                title =
                    "\(city) launches a city-wide campaign on \(r.element(of: ["healthy eating", "air quality", "sleep", "vaccination", "mental health"])!)"
            }
            return NewsItem(
                title: title, category: category, country: country, date: date, source: r.element(of: newsSources)!)
        }
    }

    static func newsObject(_ item: NewsItem) -> JSONValue {
        [
            "title": .string(item.title), "source": .string(item.source), "category": .string(item.category),
            "country": .string(item.country), "published_at": .string(item.date.iso),
            "url": .string(
                "https://news.example/\(item.date.iso)/\(ToolBenchNames.standardize(World.fold(item.title)))"),
        ]
    }

    static let knowledgeHandlers: [String: SimHandler] = [
        "search_for_web_search": { _, args, _ in
            let q = args.string("q")!
            let num = args.int("num") ?? 5
            guard (1...10).contains(num) else { return .message("num must be between 1 and 10.") }
            let hits = rank(query: q).prefix(num)
            return .ok([
                "query": .string(q),
                "results": .array(
                    hits.map { ["title": .string($0.title), "url": .string($0.url), "snippet": .string($0.summary)] }),
            ])
        },
        "autocomplete_for_web_search": { _, args, _ in
            let prefix = World.fold(args.string("q")!)
            var phrases: [String] = []
            for city in WorldData.cities {
                phrases += ["weather in \(city.name)", "things to do in \(city.name)", "\(city.name) population"]
            }
            for movie in WorldData.movies { phrases.append("\(movie.title) cast") }
            for artist in WorldData.artists { phrases.append("\(artist.name) songs") }
            for company in WorldData.companies { phrases.append("\(company.name) stock price") }
            let matches = phrases.filter { World.fold($0).hasPrefix(prefix) }.prefix(8)
            return .ok(["query": .string(args.string("q")!), "suggestions": .array(matches.map { .string($0) })])
        },
        "search_articles_for_encyclopedia": { _, args, _ in
            let limit = args.int("limit") ?? 5
            guard (1...20).contains(limit) else { return .message("limit must be between 1 and 20.") }
            let hits = rank(query: args.string("query")!).prefix(limit)
            return .ok(["results": .array(hits.map { .string($0.title) })])
        },
        "article_summary_for_encyclopedia": { _, args, _ in
            let title = args.string("title")!
            guard let article = articles.first(where: { World.fold($0.title) == World.fold(title) }) else {
                return .message("No article titled '\(title)'. Use Search Articles to find titles.")
            }
            return .ok([
                "title": .string(article.title), "summary": .string(article.summary), "url": .string(article.url),
            ])
        },
        "top_headlines_for_news_feed": { world, args, _ in
            let country = args.string("country")!.uppercased()
            guard WorldData.countries[country] != nil else {
                return .message("Unknown country code '\(country)'. Use a two-letter ISO 3166 code such as GB.")
            }
            let category = args.string("category").map(World.fold)
            if let category, !newsCategories.contains(category) {
                return .message("category must be one of: \(newsCategories.joined(separator: ", ")).")
            }
            let items = headlines(world, country: country, date: world.today).filter {
                category == nil || $0.category == category
            }
            return .ok(["country": .string(country), "articles": .array(items.map(newsObject))])
        },
        "search_news_for_news_feed": { world, args, _ in
            let q = World.fold(args.string("q")!)
            guard !q.isEmpty else { return .message("q must not be empty.") }
            let from = date(args, "from_date") ?? world.today.adding(days: -29)
            var found: [NewsItem] = []
            for back in 0..<30 {
                let day = world.today.adding(days: -back)
                guard day >= from else { break }
                for country in newsDesks {
                    found += headlines(world, country: country, date: day).filter { World.fold($0.title).contains(q) }
                }
            }
            return .ok([
                "query": .string(args.string("q")!), "total": .number(found.count),
                "articles": .array(found.prefix(10).map(newsObject)),
            ])
        },
    ]
}
