import TroupeCore

extension SimulatedBackend {
    static func movieID(_ index: Int) -> String { "tt" + pad(index + 1, 4) }
    static func artistID(_ index: Int) -> String { "ar" + pad(index + 1, 4) }
    static func recipeID(_ index: Int) -> String { "rc" + pad(index + 1, 4) }

    static func pad(_ value: Int, _ width: Int) -> String { CivilDate.zeroPadded(value, width) }

    static func movieSummary(_ world: World, _ index: Int) -> JSONValue {
        let movie = WorldData.movies[index]
        return [
            "movie_id": .string(movieID(index)), "title": .string(movie.title), "year": .number(movie.year),
            "director": .string(movie.director), "rating": .double(movieRating(world, index)),
        ]
    }

    /// The film's rating moved by at most ±0.1 by the seed.
    static func movieRating(_ world: World, _ index: Int) -> Double {
        var r = world.rng("movie-rating", WorldData.movies[index].title)
        return World.round(WorldData.movies[index].rating + (r.double() - 0.5) * 0.2, 1)
    }

    static let mediaHandlers: [String: SimHandler] = [
        "search_movies_for_movie_database": { world, args, _ in
            let title = World.fold(args.string("title")!)
            let year = args.int("year")
            let matches = WorldData.movies.indices.filter { index in
                World.fold(WorldData.movies[index].title).contains(title)
                    && (year == nil || WorldData.movies[index].year == year)
            }
            return .ok(["total": .number(matches.count), "results": .array(matches.map { movieSummary(world, $0) })])
        },
        "movie_details_for_movie_database": { world, args, _ in
            let id = args.string("movie_id")!
            guard let index = WorldData.movies.indices.first(where: { movieID($0) == id.lowercased() }) else {
                return .message("Unknown movie_id '\(id)'. Use Search Movies to find an id.")
            }
            let movie = WorldData.movies[index]
            var r = world.rng("movie-votes", movie.title)
            var details = movieSummary(world, index).objectValue!
            details["genres"] = .array(movie.genres.map { .string($0) })
            details["runtime_minutes"] = .number(movie.runtime)
            details["votes"] = .number(Int(200_000 + r.below(2_600_000)))
            return .ok(.object(details))
        },
        "movies_by_director_for_movie_database": { world, args, _ in
            let director = World.fold(args.string("director")!)
            let matches = WorldData.movies.indices.filter {
                World.fold(WorldData.movies[$0].director).contains(director)
            }
            .sorted { WorldData.movies[$0].year > WorldData.movies[$1].year }
            return .ok([
                "director": .string(args.string("director")!),
                "results": .array(matches.map { movieSummary(world, $0) }),
            ])
        },
        "top_rated_movies_for_movie_database": { world, args, _ in
            let genre = args.string("genre").map(World.fold)
            let limit = args.int("limit") ?? 10
            guard (1...20).contains(limit) else { return .message("limit must be between 1 and 20.") }
            let matches = WorldData.movies.indices.filter { index in
                genre == nil || WorldData.movies[index].genres.contains { World.fold($0) == genre }
            }.sorted { (movieRating(world, $0), $1) > (movieRating(world, $1), $0) }
            return .ok([
                "genre": genre.map { .string($0) } ?? "all",
                "results": .array(matches.prefix(limit).map { movieSummary(world, $0) }),
            ])
        },
        "search_artist_for_music_charts": { _, args, _ in
            let name = World.fold(args.string("name")!)
            let matches = WorldData.artists.indices.filter { World.fold(WorldData.artists[$0].name).contains(name) }
            return .ok([
                "results": .array(
                    matches.map { index in
                        let artist = WorldData.artists[index]
                        return [
                            "artist_id": .string(artistID(index)), "name": .string(artist.name),
                            "country": .string(artist.countryCode), "genre": .string(artist.genre),
                        ]
                    })
            ])
        },
        "artist_top_tracks_for_music_charts": { world, args, _ in
            let id = args.string("artist_id")!
            guard let index = WorldData.artists.indices.first(where: { artistID($0) == id.lowercased() }) else {
                return .message("Unknown artist_id '\(id)'. Use Search Artist to find an id.")
            }
            let limit = args.int("limit") ?? 5
            guard (1...10).contains(limit) else { return .message("limit must be between 1 and 10.") }
            let artist = WorldData.artists[index]
            let tracks = artist.tracks.prefix(limit).enumerated().map { rank, track -> JSONValue in
                var r = world.rng("track", artist.name, track)
                return [
                    "rank": .number(rank + 1), "title": .string(track),
                    "duration": .string("\(2 + r.below(3)):\(pad(Int(r.below(60)), 2))"),
                    "plays": .number(Int(50_000_000 + r.below(2_000_000_000) / UInt64(rank + 1))),
                ]
            }
            return .ok(["artist": .string(artist.name), "tracks": .array(tracks)])
        },
        "top_charts_for_music_charts": { world, args, _ in
            let country = args.string("country")!.uppercased()
            guard WorldData.countries[country] != nil else {
                return .message("Unknown country code '\(country)'. Use a two-letter ISO 3166 code such as US or FR.")
            }
            let limit = args.int("limit") ?? 10
            guard (1...20).contains(limit) else { return .message("limit must be between 1 and 20.") }
            var r = world.rng("charts", country, world.today.iso)
            // Every track gets a seeded score; local artists get a bonus, so charts differ by country.
            var entries: [(score: Double, artist: String, track: String)] = []
            for artist in WorldData.artists {
                for (position, track) in artist.tracks.enumerated() {
                    let local = artist.countryCode == country ? 0.6 : 0
                    entries.append((r.double() + local - Double(position) * 0.05, artist.name, track))
                }
            }
            entries.sort { ($0.score, $0.track) > ($1.score, $1.track) }
            return .ok([
                "country": .string(country),
                "week_of": .string(world.today.adding(days: -world.today.weekdayIndex).iso),
                "chart": .array(
                    entries.prefix(limit).enumerated().map { rank, entry in
                        ["position": .number(rank + 1), "title": .string(entry.track), "artist": .string(entry.artist)]
                    }),
            ])
        },
        "search_recipes_for_recipe_finder": { _, args, _ in
            let query = World.fold(args.string("query")!)
            let diet = args.string("diet").map(World.fold)
            if let diet, !["vegetarian", "vegan", "gluten-free"].contains(diet) {
                return .message("diet must be vegetarian, vegan or gluten-free.")
            }
            let matches = WorldData.recipes.indices.filter { index in
                let recipe = WorldData.recipes[index]
                let text = World.fold(
                    recipe.name + " " + recipe.cuisine + " " + recipe.ingredients.map(\.0).joined(separator: " "))
                let hit = query.split(separator: " ").allSatisfy { text.contains($0) }
                return hit && (diet == nil || recipe.diets.contains(diet!))
            }
            return .ok([
                "results": .array(
                    matches.map { index in
                        let recipe = WorldData.recipes[index]
                        return [
                            "recipe_id": .string(recipeID(index)), "name": .string(recipe.name),
                            "cuisine": .string(recipe.cuisine), "minutes": .number(recipe.minutes),
                        ]
                    })
            ])
        },
        "recipe_details_for_recipe_finder": { _, args, _ in
            let id = args.string("recipe_id")!
            guard let index = WorldData.recipes.indices.first(where: { recipeID($0) == id.lowercased() }) else {
                return .message("Unknown recipe_id '\(id)'. Use Search Recipes to find an id.")
            }
            let recipe = WorldData.recipes[index]
            let kcal = recipe.ingredients.reduce(0.0) { $0 + (WorldData.ingredients[$1.0]?.kcal ?? 0) * $1.1 / 100 }
            return .ok([
                "recipe_id": .string(recipeID(index)), "name": .string(recipe.name), "cuisine": .string(recipe.cuisine),
                "diets": .array(recipe.diets.map { .string($0) }), "minutes": .number(recipe.minutes),
                "servings": .number(recipe.servings),
                "ingredients": .array(recipe.ingredients.map { ["name": .string($0.0), "grams": number($0.1)] }),
                "steps": .array(recipe.steps.map { .string($0) }),
                "calories_per_serving": .number(Int((kcal / Double(recipe.servings)).rounded())),
            ])
        },
        "ingredient_nutrition_for_recipe_finder": { _, args, _ in
            var name = World.fold(args.string("ingredient")!)
            if WorldData.ingredients[name] == nil, name.hasSuffix("s") { name.removeLast() }
            if WorldData.ingredients[name] == nil, name.hasSuffix("e") { name.removeLast() }
            guard let facts = WorldData.ingredients[name] ?? WorldData.ingredients[name + "es"] else {
                return .message("No nutrition data for '\(args.string("ingredient")!)'.")
            }
            let grams = args.number("grams") ?? 100
            guard grams > 0, grams <= 100_000 else { return .message("grams must be between 0 and 100000.") }
            let f = grams / 100
            return .ok([
                "ingredient": .string(name), "grams": number(grams),
                "calories": .double(World.round(facts.kcal * f, 1)),
                "protein_g": .double(World.round(facts.protein * f, 1)),
                "fat_g": .double(World.round(facts.fat * f, 1)),
                "carbohydrates_g": .double(World.round(facts.carbs * f, 1)),
            ])
        },
    ]
}
