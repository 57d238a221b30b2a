import TroupeCore

extension SimulatedBackend {
    static func unknownCurrency(_ code: String) -> ToolResponse {
        .message("Unknown currency code '\(code)'. Call List Currencies for the supported ISO 4217 codes.")
    }

    /// Rates from `base` to the codes in `symbols` (all when nil), or an error response.
    static func rates(
        _ world: World, base: String, symbols: String?, on date: CivilDate
    ) -> Result<JSONValue, ToolResponseError> {
        let baseCode = base.uppercased()
        guard world.perUSD(baseCode, on: date) != nil else { return .failure(ToolResponseError(unknownCurrency(base))) }
        let wanted =
            symbols.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() } }
            ?? WorldData.currencies.map(\.code)
        var rates = JSONObject()
        for code in wanted where code != baseCode {
            guard let rate = world.rate(from: baseCode, to: code, on: date) else {
                return .failure(ToolResponseError(unknownCurrency(code)))
            }
            rates[code] = .double(World.round(rate, 6))
        }
        return .success(["base": .string(baseCode), "date": .string(date.iso), "rates": .object(rates)])
    }

    static let financeHandlers: [String: SimHandler] = [
        "convert_for_currency_exchange": { world, args, _ in
            let from = args.string("from")!.uppercased()
            let to = args.string("to")!.uppercased()
            let amount = args.number("amount")!
            guard world.perUSD(from, on: world.today) != nil else { return unknownCurrency(from) }
            guard let rate = world.rate(from: from, to: to, on: world.today) else { return unknownCurrency(to) }
            return .ok([
                "from": .string(from), "to": .string(to), "amount": number(amount),
                "rate": .double(World.round(rate, 6)),
                "result": .double(World.round(amount * rate, 2)), "date": .string(world.today.iso),
            ])
        },
        "latest_rates_for_currency_exchange": { world, args, _ in
            switch rates(world, base: args.string("base")!, symbols: args.string("symbols"), on: world.today) {
            case .success(let value): return .ok(value)
            case .failure(let error): return error.response
            }
        },
        "historical_rates_for_currency_exchange": { world, args, _ in
            let day = date(args, "date")!
            guard day <= world.today else {
                return .message("No rates for \(day.iso): it is after today (\(world.today.iso)).")
            }
            guard day.year >= 1999 else { return .message("Rates start on 1999-01-04.") }
            switch rates(world, base: args.string("base")!, symbols: args.string("symbols"), on: day) {
            case .success(let value): return .ok(value)
            case .failure(let error): return error.response
            }
        },
        "list_currencies_for_currency_exchange": { _, _, _ in
            .ok([
                "currencies": .object(
                    JSONObject(uniqueKeysWithValues: WorldData.currencies.map { ($0.code, .string($0.name)) }))
            ])
        },
        "quote_for_stock_quotes": { world, args, _ in
            let symbol = args.string("symbol")!.uppercased()
            guard let company = WorldData.companies.first(where: { $0.symbol == symbol }) else {
                return unknownSymbol(symbol)
            }
            let price = stockPrice(world, company, world.today)
            let previous = stockPrice(world, company, world.today.adding(days: -1))
            var r = world.rng("volume", symbol, world.today.iso)
            return .ok([
                "symbol": .string(symbol), "name": .string(company.name), "price": .double(price),
                "change": .double(World.round(price - previous, 2)),
                "change_percent": .double(World.round((price - previous) / previous * 100, 2)),
                "volume": .number(Int(1_000_000 + r.below(60_000_000))), "currency": "USD",
                "exchange": .string(company.exchange), "date": .string(world.today.iso),
            ])
        },
        "company_profile_for_stock_quotes": { world, args, _ in
            let symbol = args.string("symbol")!.uppercased()
            guard let company = WorldData.companies.first(where: { $0.symbol == symbol }) else {
                return unknownSymbol(symbol)
            }
            return .ok([
                "symbol": .string(symbol), "name": .string(company.name), "sector": .string(company.sector),
                "exchange": .string(company.exchange), "headquarters": .string(company.headquarters),
                "employees": .number(company.employees),
                "description": .string(
                    "\(company.name) is a \(company.sector.lowercased()) company headquartered in \(company.headquarters), known for its \(company.product)."
                ),
            ])
        },
        "symbol_search_for_stock_quotes": { _, args, _ in
            let keywords = World.fold(args.string("keywords")!)
            let matches = WorldData.companies.filter {
                World.fold($0.name).contains(keywords) || $0.symbol.lowercased() == keywords
            }
            return .ok([
                "matches": .array(
                    matches.map {
                        ["symbol": .string($0.symbol), "name": .string($0.name), "exchange": .string($0.exchange)]
                    })
            ])
        },
    ]

    static func unknownSymbol(_ symbol: String) -> ToolResponse {
        .message("Unknown symbol '\(symbol)'. Use Symbol Search to find a ticker.")
    }

    /// A random walk around the base price, one seeded step per day from a fixed origin.
    static func stockPrice(_ world: World, _ company: WorldData.Company, _ date: CivilDate) -> Double {
        var r = world.rng("stock", company.symbol, date.iso)
        let dayFactor = 1 + (r.double() - 0.5) * 0.04
        var trend = world.rng("stock-trend", company.symbol)
        let drift = 1 + (trend.double() - 0.5) * 0.3
        return World.round(company.price * drift * dayFactor, 2)
    }

    static let calendarHandlers: [String: SimHandler] = [
        "today_for_date_calculator": { world, _, _ in
            .ok(["date": .string(world.today.iso), "weekday": .string(world.today.weekday), "timezone": "UTC"])
        },
        "add_days_for_date_calculator": { _, args, _ in
            let start = date(args, "date")!
            let days = args.int("days")!
            guard abs(days) <= 1_000_000 else { return .message("days must be within ±1000000.") }
            let result = start.adding(days: days)
            guard (1...9999).contains(result.year) else { return .message("The result is outside years 1-9999.") }
            return .ok([
                "start_date": .string(start.iso), "days": .number(days), "result": .string(result.iso),
                "weekday": .string(result.weekday),
            ])
        },
        "date_difference_for_date_calculator": { _, args, _ in
            let start = date(args, "start_date")!
            let end = date(args, "end_date")!
            let days = start.days(to: end)
            var months = (end.year - start.year) * 12 + end.month - start.month
            if days >= 0, end.day < start.day { months -= 1 }
            if days < 0, end.day > start.day { months += 1 }
            return .ok([
                "start_date": .string(start.iso), "end_date": .string(end.iso), "days": .number(days),
                "weeks": .double(World.round(Double(days) / 7, 2)), "whole_months": .number(months),
            ])
        },
        "day_of_week_for_date_calculator": { _, args, _ in
            let day = date(args, "date")!
            return .ok([
                "date": .string(day.iso), "weekday": .string(day.weekday), "day_of_year": .number(day.dayOfYear),
            ])
        },
    ]
}
