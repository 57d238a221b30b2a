#!/usr/bin/env python3
"""Writes the tools-v0 evaluation set: eval/questions.jsonl and eval/possible_answer.jsonl.

Every API of the built-in catalog gets 15 queries (STE's count per API) written from templates
and fixed entity lists, with gold calls in BFCL's possible-answer format: each parameter maps to
the list of acceptable values, and "" in the list means the parameter may be left out. A few
parallel queries (two calls in one turn) follow. The output is deterministic; run it again after
changing templates and commit both files:

    python3 envs/tools/scripts/make_eval_set.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "eval")

CITIES = [("Paris", "France"), ("Tokyo", "Japan"), ("London", "United Kingdom"), ("New York", "United States"),
          ("Sydney", "Australia"), ("Berlin", "Germany"), ("Cairo", "Egypt"), ("Toronto", "Canada"),
          ("Mumbai", "India"), ("Lisbon", "Portugal"), ("Seoul", "South Korea"), ("Mexico City", "Mexico"),
          ("Nairobi", "Kenya"), ("Rome", "Italy"), ("Singapore", "Singapore"), ("Buenos Aires", "Argentina"),
          ("Stockholm", "Sweden"), ("Dubai", "United Arab Emirates"), ("Vancouver", "Canada"), ("Bangkok", "Thailand")]
DATES = ["2024-03-15", "2024-07-04", "2023-12-25", "2024-01-01", "2024-11-28", "2025-02-14", "2024-05-20",
         "2023-10-31", "2024-08-09", "2025-01-06", "2024-09-30", "2024-06-21", "2023-04-01", "2024-02-29", "2025-03-03"]
CURRENCIES = [("USD", "US dollars"), ("EUR", "euros"), ("GBP", "British pounds"), ("JPY", "Japanese yen"),
              ("CHF", "Swiss francs"), ("CAD", "Canadian dollars"), ("AUD", "Australian dollars"), ("INR", "Indian rupees"),
              ("CNY", "Chinese yuan"), ("MXN", "Mexican pesos"), ("BRL", "Brazilian reais"), ("KRW", "South Korean won"),
              ("SEK", "Swedish kronor"), ("ZAR", "South African rand"), ("THB", "Thai baht")]
COMPANIES = [("AAPL", "Apple"), ("MSFT", "Microsoft"), ("GOOGL", "Alphabet"), ("AMZN", "Amazon"), ("TSLA", "Tesla"),
             ("NVDA", "NVIDIA"), ("META", "Meta"), ("NFLX", "Netflix"), ("DIS", "Disney"), ("KO", "Coca-Cola"),
             ("NKE", "Nike"), ("JPM", "JPMorgan Chase"), ("F", "Ford"), ("TM", "Toyota"), ("SONY", "Sony")]
MOVIES = ["Inception", "The Godfather", "Parasite", "Spirited Away", "The Matrix", "Titanic", "Gladiator", "Interstellar",
          "Pulp Fiction", "Jurassic Park", "Whiplash", "Alien", "Amélie", "Get Out", "La La Land"]
DIRECTORS = ["Christopher Nolan", "Quentin Tarantino", "Hayao Miyazaki", "Steven Spielberg", "James Cameron", "Ridley Scott",
             "Damien Chazelle", "Alfonso Cuarón", "Bong Joon-ho", "Wes Anderson", "Jordan Peele", "Francis Ford Coppola",
             "Frank Darabont", "Jean-Pierre Jeunet", "The Wachowskis"]
GENRES = ["Drama", "Science Fiction", "Comedy", "Action", "Animation", "Horror", "Thriller", "Crime", "Adventure",
          "Fantasy", "History", "Romance", "Music", "Biography", "Western"]
ARTISTS = ["Adele", "Taylor Swift", "Ed Sheeran", "Beyoncé", "Drake", "The Weeknd", "BTS", "Bad Bunny", "Shakira",
           "Coldplay", "Daft Punk", "Stromae", "Rammstein", "Måneskin", "Billie Eilish"]
COUNTRIES = [("US", "the United States"), ("GB", "the UK"), ("FR", "France"), ("DE", "Germany"), ("JP", "Japan"),
             ("IN", "India"), ("BR", "Brazil"), ("CA", "Canada"), ("AU", "Australia"), ("ES", "Spain"), ("IT", "Italy"),
             ("KR", "South Korea"), ("MX", "Mexico"), ("SE", "Sweden"), ("ZA", "South Africa")]
DISHES = ["pasta", "curry", "salad", "tacos", "risotto", "soup", "pizza", "stir-fry", "pancakes", "omelette", "salmon",
          "chickpeas", "avocado", "tofu", "apple"]
INGREDIENTS = ["rice", "egg", "salmon", "avocado", "banana", "oats", "tofu", "spinach", "potato", "chickpeas", "butter",
               "lentils", "beef", "mushroom", "peanuts"]
KEYWORDS = ["Tesla", "Apple", "marathon", "Netflix", "quantum computing", "Paris", "Tokyo", "Toyota", "vaccination",
            "battery storage", "Sony", "Coldplay", "Nike", "air quality", "Amazon"]
TEXTS = ["I absolutely love this new phone, the camera is amazing", "The delivery was late and the box was broken",
         "The meeting is scheduled for Monday at ten", "What a wonderful and friendly hotel staff",
         "This is the worst customer service I have ever had", "The report covers sales in Europe and Asia",
         "Our team enjoyed the excellent dinner last night", "The train was slow, dirty and expensive",
         "Climate change affects farming, water supply and public health",
         "The museum opens at nine and closes at six", "I am not happy with the update, it is useless",
         "Great value, fast shipping, would recommend", "The new policy changes how employees book travel",
         "Honestly the movie was boring and too long", "Machine learning models need data, compute and careful evaluation"]
PHRASES = [("good morning", "es"), ("thank you", "fr"), ("where is the train station", "de"), ("hello", "it"),
           ("good night", "es"), ("see you tomorrow", "fr"), ("happy birthday", "it"), ("i love you", "de"),
           ("the cat and the dog", "es"), ("where is the airport", "it"), ("good food and good wine", "fr"),
           ("how are you", "de"), ("the beautiful city", "it"), ("thank you very much", "es"), ("the big house", "fr")]
LANG_NAMES = {"es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "en": "English"}
FOREIGN = ["bonjour tout le monde", "buenos días, mi amigo", "guten Morgen, wie geht es dir", "ciao, grazie mille",
           "où est la gare", "dónde está el hotel", "danke, das ist sehr gut", "buongiorno a tutti",
           "je suis très heureux", "hola, gracias por todo", "wo ist der Bahnhof bitte", "io sono molto felice",
           "hello, how are you today", "nous allons à la plage", "la comida es muy buena"]


def city_values(i):
    name, country = CITIES[i % len(CITIES)]
    return name, [name, f"{name}, {country}"]


def opt(*values):
    return [""] + list(values)


QUERIES = {}


def add(function, question, gold, category="simple"):
    QUERIES.setdefault(function, []).append((question, gold, category))


def per_api(function, make):
    for i in range(15):
        question, params = make(i)
        add(function, question, [{function: params}])


# Weather Hub
per_api("current_weather_for_weather_hub", lambda i: (
    [f"What's the weather like in {city_values(i)[0]} right now?",
     f"Is it hot in {city_values(i)[0]} at the moment? Give me the temperature in Fahrenheit.",
     f"Current conditions in {city_values(i)[0]}, please."][i % 3],
    {"q": city_values(i)[1], "units": ["imperial"] if i % 3 == 1 else opt("metric")}))
per_api("get_7_day_forecast_for_weather_hub", lambda i: (
    [f"Will it rain in {city_values(i + 3)[0]} over the next {2 + i % 6} days?",
     f"Give me the {2 + i % 6}-day forecast for {city_values(i + 3)[0]}.",
     f"I'm travelling to {city_values(i + 3)[0]}; what will the weather be for the next {2 + i % 6} days?"][i % 3],
    {"q": city_values(i + 3)[1], "days": [2 + i % 6], "units": opt("metric")}))
per_api("history_for_weather_hub", lambda i: (
    [f"What was the weather in {city_values(i + 5)[0]} on {DATES[i]}?",
     f"How warm was it in {city_values(i + 5)[0]} on {DATES[i]}?",
     f"Look up the observed weather for {city_values(i + 5)[0]} for the date {DATES[i]}."][i % 3],
    {"q": city_values(i + 5)[1], "date": [DATES[i]]}))
per_api("air_quality_for_weather_hub", lambda i: (
    [f"How is the air quality in {city_values(i + 7)[0]} today?",
     f"Is it safe to go jogging in {city_values(i + 7)[0]} given the pollution level?",
     f"What's the AQI in {city_values(i + 7)[0]}?"][i % 3],
    {"q": city_values(i + 7)[1]}))

# Search
SEARCHES = ["Eiffel Tower height", "population of Tokyo", "who directed Inception", "Apple headquarters",
            "best pizza recipe", "Taylor Swift songs", "currency of Brazil", "Tesla employees",
            "Spirited Away director", "Cape Town time zone", "Coca-Cola headquarters", "Daft Punk",
            "mushroom risotto", "Sony game console", "Stockholm population"]
per_api("search_for_web_search", lambda i: (
    [f"Search the web for \"{SEARCHES[i]}\".", f"Can you look up {SEARCHES[i]} online?",
     f"Find me the top 3 web results about {SEARCHES[i]}."][i % 3],
    {"q": [SEARCHES[i]], "num": [3] if i % 3 == 2 else opt(5)}))
PREFIXES = ["weather in", "things to do in", "Inception", "Adele", "Tesla", "weather in Par", "Tokyo", "things to do in R",
            "Coldplay", "Apple", "Netflix", "Sydney", "The Matrix", "Berlin", "Nike"]
per_api("autocomplete_for_web_search", lambda i: (
    [f"Suggest completions for the search \"{PREFIXES[i]}\".", f"What do people usually search after typing '{PREFIXES[i]}'?",
     f"Autocomplete the query \"{PREFIXES[i]}\"."][i % 3],
    {"q": [PREFIXES[i]]}))
TOPICS = ["Kyoto", "Tesla", "Inception", "Adele", "Reykjavik", "Nike", "Guacamole", "Oslo", "Parasite", "Shakira",
          "Warsaw", "Netflix", "Greek Salad", "Auckland", "Rammstein"]
per_api("search_articles_for_encyclopedia", lambda i: (
    [f"Which encyclopedia articles mention {TOPICS[i]}?", f"Find encyclopedia articles about {TOPICS[i]}.",
     f"List up to 3 encyclopedia entries related to {TOPICS[i]}."][i % 3],
    {"query": [TOPICS[i]], "limit": [3] if i % 3 == 2 else opt(5)}))
per_api("article_summary_for_encyclopedia", lambda i: (
    [f"Give me the encyclopedia summary of {TOPICS[(i + 4) % 15]}.", f"What does the encyclopedia say about {TOPICS[(i + 4) % 15]}?",
     f"Summarize the article titled \"{TOPICS[(i + 4) % 15]}\"."][i % 3],
    {"title": [TOPICS[(i + 4) % 15]]}))

# Currency Exchange
AMOUNTS = [100, 250, 1000, 50, 75.5, 20, 5000, 12, 300, 42, 1500, 99.99, 8, 640, 10000]
per_api("convert_for_currency_exchange", lambda i: (
    [f"How much is {AMOUNTS[i]} {CURRENCIES[i][1]} in {CURRENCIES[(i + 1) % 15][1]}?",
     f"Convert {AMOUNTS[i]} {CURRENCIES[i][0]} to {CURRENCIES[(i + 1) % 15][0]}.",
     f"I have {AMOUNTS[i]} {CURRENCIES[i][1]}; what would I get in {CURRENCIES[(i + 1) % 15][1]}?"][i % 3],
    {"is_from": [CURRENCIES[i][0]], "to": [CURRENCIES[(i + 1) % 15][0]], "amount": [AMOUNTS[i]]}))
per_api("latest_rates_for_currency_exchange", lambda i: (
    [f"Show today's exchange rates for {CURRENCIES[i][1]}.",
     f"What are the latest rates from {CURRENCIES[i][0]} to {CURRENCIES[(i + 2) % 15][0]} and {CURRENCIES[(i + 3) % 15][0]}?",
     f"Give me the current {CURRENCIES[i][0]} exchange rates."][i % 3],
    {"base": [CURRENCIES[i][0]],
     **({"symbols": [f"{CURRENCIES[(i + 2) % 15][0]},{CURRENCIES[(i + 3) % 15][0]}",
                     f"{CURRENCIES[(i + 2) % 15][0]}, {CURRENCIES[(i + 3) % 15][0]}"]} if i % 3 == 1 else {"symbols": [""]})}))
per_api("historical_rates_for_currency_exchange", lambda i: (
    [f"What were the {CURRENCIES[i][0]} exchange rates on {DATES[i]}?",
     f"How many {CURRENCIES[(i + 4) % 15][1]} did one {CURRENCIES[i][0]} buy on {DATES[i]}?",
     f"Look up historical {CURRENCIES[i][1]} rates for {DATES[i]}."][i % 3],
    {"date": [DATES[i]], "base": [CURRENCIES[i][0]],
     "symbols": opt(CURRENCIES[(i + 4) % 15][0]) if i % 3 == 1 else [""]}))
per_api("list_currencies_for_currency_exchange", lambda i: (
    ["Which currencies can you convert between?", "List all supported currency codes.",
     "What currencies does the exchange service know?", "Show me every currency code you support and its name.",
     "Is the Icelandic krona among the supported currencies?", "Give me the list of available currencies.",
     "Which ISO currency codes are supported?", "Can you list the currencies available for conversion?",
     "Do you support the Kenyan shilling? Show me the currency list.", "What currency codes can I use?",
     "Print the names of all supported currencies.", "Which currencies are in your exchange rate database?",
     "List the currencies, please.", "Tell me all the currencies the converter handles.",
     "Does the service cover the Thai baht? List the currencies."][i], {}))

# Stocks
per_api("quote_for_stock_quotes", lambda i: (
    [f"What's {COMPANIES[i][1]}'s stock price right now?", f"Get me a quote for {COMPANIES[i][0]}.",
     f"How is {COMPANIES[i][0]} trading today?"][i % 3], {"symbol": [COMPANIES[i][0]]}))
per_api("company_profile_for_stock_quotes", lambda i: (
    [f"Where is {COMPANIES[(i + 5) % 15][1]} (ticker {COMPANIES[(i + 5) % 15][0]}) headquartered?",
     f"Show the company profile for {COMPANIES[(i + 5) % 15][0]}.",
     f"How many employees does {COMPANIES[(i + 5) % 15][0]} have?"][i % 3], {"symbol": [COMPANIES[(i + 5) % 15][0]]}))
KEYS = ["motor", "Apple", "Coca", "Netflix", "Toyota", "Microsoft", "Disney", "Nike", "JPMorgan", "Sony", "Meta",
        "NVIDIA", "Amazon", "Tesla", "SAP"]
per_api("symbol_search_for_stock_quotes", lambda i: (
    [f"What is the ticker symbol of {KEYS[i]}?", f"Search stock symbols for companies matching '{KEYS[i]}'.",
     f"Find the stock symbol for {KEYS[i]}."][i % 3], {"keywords": [KEYS[i]]}))

# Dates
per_api("today_for_date_calculator", lambda i: (
    ["What's today's date?", "Which day of the week is it today?", "Tell me the current date.", "What date is it?",
     "Is today a weekday?", "Give me today's date in ISO format.", "What is the date today in UTC?",
     "I lost track of time, what day is it?", "Today's date please.", "What's the date right now?",
     "Can you tell me today's date and weekday?", "Which date is today?", "What day is it today?",
     "Get the current date.", "Return today's date."][i], {}))
DAYS = [30, 90, 7, -14, 100, 45, 365, -30, 60, 10, 180, -7, 21, 1000, 3]
per_api("add_days_for_date_calculator", lambda i: (
    [f"What date is {DAYS[i]} days after {DATES[i]}?", f"Add {DAYS[i]} days to {DATES[i]}.",
     f"If I start on {DATES[i]}, what's the date {DAYS[i]} days later?"][i % 3] if DAYS[i] > 0 else
    f"What date was {-DAYS[i]} days before {DATES[i]}?",
    {"date": [DATES[i]], "days": [DAYS[i]]}))
per_api("date_difference_for_date_calculator", lambda i: (
    [f"How many days are there between {DATES[i]} and {DATES[(i + 4) % 15]}?",
     f"Count the days from {DATES[i]} to {DATES[(i + 4) % 15]}.",
     f"How long is it from {DATES[i]} until {DATES[(i + 4) % 15]}?"][i % 3],
    {"start_date": [DATES[i]], "end_date": [DATES[(i + 4) % 15]]}))
BIRTHDAYS = ["1990-05-17", "2000-01-01", "1969-07-20", "1989-11-09", "2001-09-11", "1994-12-25", "2012-12-21",
             "1985-03-08", "1977-08-16", "2020-02-29", "1999-12-31", "2008-08-08", "1955-10-28", "2016-06-23", "1961-04-12"]
per_api("day_of_week_for_date_calculator", lambda i: (
    [f"What day of the week was {BIRTHDAYS[i]}?", f"Which weekday did {BIRTHDAYS[i]} fall on?",
     f"Was {BIRTHDAYS[i]} a weekend?"][i % 3], {"date": [BIRTHDAYS[i]]}))

# World Clock
per_api("current_time_for_world_clock", lambda i: (
    [f"What time is it in {city_values(i + 2)[0]}?", f"Tell me the local time in {city_values(i + 2)[0]}.",
     f"Is it night in {city_values(i + 2)[0]} right now?"][i % 3], {"city": city_values(i + 2)[1]}))
TIMES = ["09:00", "14:30", "18:00", "07:15", "12:00", "22:45", "06:00", "16:20", "10:30", "20:00", "08:45", "13:00",
         "23:30", "05:00", "11:11"]
per_api("convert_time_for_world_clock", lambda i: (
    [f"If it's {TIMES[i]} in {city_values(i)[0]}, what time is it in {city_values(i + 9)[0]}?",
     f"Convert {TIMES[i]} {city_values(i)[0]} time to {city_values(i + 9)[0]} time.",
     f"My call is at {TIMES[i]} in {city_values(i)[0]}; when is that in {city_values(i + 9)[0]}?"][i % 3],
    {"time": [TIMES[i]], "from_city": city_values(i)[1], "to_city": city_values(i + 9)[1]}))

# Units
LENGTHS = [(10, "km", "mi", "kilometers", "miles"), (6, "ft", "m", "feet", "meters"), (100, "m", "yd", "meters", "yards"),
           (26.2, "mi", "km", "miles", "kilometers"), (12, "in", "cm", "inches", "centimeters"),
           (5, "km", "m", "kilometers", "meters"), (3, "mi", "ft", "miles", "feet"), (250, "cm", "in", "centimeters", "inches"),
           (1, "nmi", "km", "nautical miles", "kilometers"), (42, "mm", "in", "millimeters", "inches"),
           (8848, "m", "ft", "meters", "feet"), (400, "m", "mi", "meters", "miles"), (15, "yd", "m", "yards", "meters"),
           (2.5, "km", "ft", "kilometers", "feet"), (70, "in", "m", "inches", "meters")]
MASSES = [(5, "lb", "kg", "pounds", "kilograms"), (70, "kg", "lb", "kilograms", "pounds"), (250, "g", "oz", "grams", "ounces"),
          (12, "oz", "g", "ounces", "grams"), (1, "t", "lb", "tonne", "pounds"), (11, "st", "kg", "stone", "kilograms"),
          (500, "mg", "g", "milligrams", "grams"), (2.2, "kg", "g", "kilograms", "grams"), (16, "oz", "lb", "ounces", "pounds"),
          (180, "lb", "st", "pounds", "stone"), (3, "kg", "oz", "kilograms", "ounces"), (750, "g", "lb", "grams", "pounds"),
          (0.5, "lb", "g", "pounds", "grams"), (90, "kg", "st", "kilograms", "stone"), (1000, "g", "kg", "grams", "kilograms")]
VOLUMES = [(2, "cup", "ml", "cups", "milliliters"), (1, "gal", "l", "gallon", "liters"), (500, "ml", "floz", "milliliters", "fluid ounces"),
           (3, "tbsp", "ml", "tablespoons", "milliliters"), (2, "l", "qt", "liters", "quarts"), (1, "pt", "ml", "pint", "milliliters"),
           (4, "tsp", "tbsp", "teaspoons", "tablespoons"), (12, "floz", "cup", "fluid ounces", "cups"), (5, "gal", "l", "gallons", "liters"),
           (250, "ml", "cup", "milliliters", "cups"), (1.5, "l", "pt", "liters", "pints"), (6, "cup", "l", "cups", "liters"),
           (2, "qt", "gal", "quarts", "gallons"), (330, "ml", "floz", "milliliters", "fluid ounces"), (10, "l", "gal", "liters", "gallons")]
TEMPS = [(100, "F", "C", "Fahrenheit", "Celsius"), (37, "C", "F", "Celsius", "Fahrenheit"), (0, "C", "K", "Celsius", "Kelvin"),
         (300, "K", "C", "Kelvin", "Celsius"), (72, "F", "C", "Fahrenheit", "Celsius"), (-40, "C", "F", "Celsius", "Fahrenheit"),
         (451, "F", "C", "Fahrenheit", "Celsius"), (25, "C", "F", "Celsius", "Fahrenheit"), (212, "F", "K", "Fahrenheit", "Kelvin"),
         (-10, "C", "F", "Celsius", "Fahrenheit"), (350, "F", "C", "Fahrenheit", "Celsius"), (20, "C", "K", "Celsius", "Kelvin"),
         (98.6, "F", "C", "Fahrenheit", "Celsius"), (180, "C", "F", "Celsius", "Fahrenheit"), (0, "K", "C", "Kelvin", "Celsius")]


def conversion(function, table):
    per_api(function, lambda i: (
        [f"Convert {table[i][0]} {table[i][3]} to {table[i][4]}.", f"How many {table[i][4]} is {table[i][0]} {table[i][3]}?",
         f"What is {table[i][0]} {table[i][1]} in {table[i][2]}?"][i % 3],
        {"value": [table[i][0]], "from_unit": [table[i][1], table[i][3]], "to_unit": [table[i][2], table[i][4]]}))


conversion("convert_length_for_unit_converter", LENGTHS)
conversion("convert_mass_for_unit_converter", MASSES)
conversion("convert_volume_for_unit_converter", VOLUMES)
conversion("convert_temperature_for_unit_converter", TEMPS)

# Math
EXPRESSIONS = ["2^10 - sqrt(16)", "(15 + 27) * 3", "17 % 5", "sqrt(144) + 3^3", "1000 / 8", "3.5 * 4 - 2",
               "abs(-42) + 8", "log(1000)", "2 * pi * 3", "(100 - 37) / 7", "12 * 12 * 12", "sin(0) + cos(0)",
               "5^3 - 4^3", "ln(e^2)", "999 + 1 - 500"]
per_api("evaluate_for_math_calculator", lambda i: (
    [f"Calculate {EXPRESSIONS[i]}.", f"What is {EXPRESSIONS[i]}?", f"Evaluate the expression {EXPRESSIONS[i]} for me."][i % 3],
    {"expression": [EXPRESSIONS[i], EXPRESSIONS[i].replace(" ", "")]}))
QUADS = [(1, -3, 2), (1, 2, 1), (2, -4, -6), (1, 0, -9), (1, 1, 1), (3, 6, 3), (1, -5, 6), (2, 3, -2), (1, 0, 4),
         (4, -4, 1), (1, 7, 10), (5, 0, -20), (1, -1, -12), (2, 2, 5), (1, -8, 16)]
per_api("solve_quadratic_for_math_calculator", lambda i: (
    [f"Solve {QUADS[i][0]}x^2 + {QUADS[i][1]}x + {QUADS[i][2]} = 0.",
     f"Find the roots of the quadratic with a={QUADS[i][0]}, b={QUADS[i][1]}, c={QUADS[i][2]}.",
     f"What x satisfies {QUADS[i][0]}x² + ({QUADS[i][1]})x + ({QUADS[i][2]}) = 0?"][i % 3],
    {"a": [QUADS[i][0]], "b": [QUADS[i][1]], "c": [QUADS[i][2]]}))
NUMBERS = ["3, 1, 4, 1, 5, 9, 2, 6", "10, 20, 30, 40", "2.5, 3.5, 7", "100, 250, 75, 300, 125", "1, 1, 2, 3, 5, 8, 13",
           "42", "7, 7, 7, 7", "15, 22, 9, 31, 18, 27", "0.1, 0.2, 0.3", "5, 10", "12, 15, 11, 19, 14, 13", "1000, 2000, 1500",
           "-3, 4, -5, 6", "60, 72, 85, 91, 78", "8, 16, 24, 32, 40"]
per_api("statistics_for_math_calculator", lambda i: (
    [f"What is the mean and median of {NUMBERS[i]}?", f"Compute summary statistics for these numbers: {NUMBERS[i]}.",
     f"Find the standard deviation of {NUMBERS[i]}."][i % 3],
    {"numbers": [NUMBERS[i], NUMBERS[i].replace(" ", "")]}))
FACTOR = [360, 97, 1001, 1024, 2024, 999999, 123456, 7919, 600851475143, 84, 65536, 1000000007, 30030, 4096, 9973]
per_api("factorize_for_math_calculator", lambda i: (
    [f"Factorize {FACTOR[i]}.", f"What are the prime factors of {FACTOR[i]}?", f"Is {FACTOR[i]} a prime number?"][i % 3],
    {"number": [FACTOR[i]]}))

# Geocoder
per_api("geocode_for_geocoder", lambda i: (
    [f"What are the coordinates of {city_values(i + 4)[0]}?", f"Geocode {city_values(i + 4)[0]}.",
     f"Find the latitude and longitude of {city_values(i + 4)[0]}."][i % 3], {"address": city_values(i + 4)[1]}))
COORDS = [(48.85, 2.35), (35.68, 139.65), (40.71, -74.0), (-33.87, 151.21), (51.5, -0.12), (52.52, 13.4), (30.04, 31.24),
          (19.43, -99.13), (-1.29, 36.82), (55.75, 37.62), (1.35, 103.82), (-23.55, -46.63), (64.15, -21.94), (37.57, 126.98),
          (41.9, 12.5)]
per_api("reverse_geocode_for_geocoder", lambda i: (
    [f"Which city is at latitude {COORDS[i][0]}, longitude {COORDS[i][1]}?", f"Reverse geocode {COORDS[i][0]}, {COORDS[i][1]}.",
     f"I'm at ({COORDS[i][0]}, {COORDS[i][1]}). What's the nearest city?"][i % 3],
    {"lat": [COORDS[i][0]], "lon": [COORDS[i][1]]}))
per_api("distance_for_geocoder", lambda i: (
    [f"How far is {city_values(i)[0]} from {city_values(i + 7)[0]}?",
     f"What's the distance in miles between {city_values(i)[0]} and {city_values(i + 7)[0]}?",
     f"Distance from {city_values(i)[0]} to {city_values(i + 7)[0]} in kilometers?"][i % 3],
    {"origin": city_values(i)[1], "destination": city_values(i + 7)[1],
     "unit": ["mi"] if i % 3 == 1 else (["km"] if i % 3 == 2 else opt("km"))}))

# Places
PLACE_TYPES = ["restaurant", "cafe", "museum", "park", "hotel", "pharmacy"]
PLACE_WORDS = {"restaurant": "restaurants", "cafe": "cafes", "museum": "museums", "park": "parks", "hotel": "hotels",
               "pharmacy": "pharmacies"}
per_api("nearby_places_for_places_nearby", lambda i: (
    [f"Find {PLACE_WORDS[PLACE_TYPES[i % 6]]} near the center of {city_values(i + 1)[0]}.",
     f"Are there any {PLACE_WORDS[PLACE_TYPES[i % 6]]} within 1000 meters in {city_values(i + 1)[0]}?",
     f"Show me {PLACE_WORDS[PLACE_TYPES[i % 6]]} in {city_values(i + 1)[0]}."][i % 3],
    {"location": city_values(i + 1)[1], "type": [PLACE_TYPES[i % 6]], "radius": [1000] if i % 3 == 1 else opt(2000)}))
PLACE_CITIES = ["paris", "tokyo", "london", "new_york", "sydney", "berlin", "cairo", "toronto", "mumbai", "lisbon",
                "seoul", "mexico_city", "nairobi", "rome", "singapore"]
per_api("place_details_for_places_nearby", lambda i: (
    [f"Give me the address and opening hours of place pl_{PLACE_CITIES[i]}_{PLACE_TYPES[i % 6]}_{i % 8}.",
     f"What's the phone number of pl_{PLACE_CITIES[i]}_{PLACE_TYPES[i % 6]}_{i % 8}?",
     f"Show details for the place with id pl_{PLACE_CITIES[i]}_{PLACE_TYPES[i % 6]}_{i % 8}."][i % 3],
    {"place_id": [f"pl_{PLACE_CITIES[i]}_{PLACE_TYPES[i % 6]}_{i % 8}"]}))

# Movies
per_api("search_movies_for_movie_database", lambda i: (
    [f"Find the movie {MOVIES[i]}.", f"Search the film database for \"{MOVIES[i]}\".",
     f"Look up {MOVIES[i]} in the movie database."][i % 3], {"title": [MOVIES[i]], "year": [""]}))
per_api("movie_details_for_movie_database", lambda i: (
    [f"Show the full details of movie tt{i + 1:04d}.", f"How long is the film with id tt{i + 1:04d}?",
     f"What genres is movie tt{i + 1:04d}?"][i % 3], {"movie_id": [f"tt{i + 1:04d}"]}))
per_api("movies_by_director_for_movie_database", lambda i: (
    [f"Which films did {DIRECTORS[i]} direct?", f"List movies directed by {DIRECTORS[i]}.",
     f"What is the newest film by {DIRECTORS[i]}?"][i % 3], {"director": [DIRECTORS[i]]}))
per_api("top_rated_movies_for_movie_database", lambda i: (
    [f"What are the top rated {GENRES[i].lower()} movies?", f"Give me the 5 best {GENRES[i]} films.",
     "What are the highest rated movies of all time?" if i == 2 else f"Recommend the best-rated {GENRES[i]} movies."][i % 3],
    {**({"genre": opt()} if i == 2 else {"genre": [GENRES[i]]}), "limit": [5] if i % 3 == 1 else opt(10)}))

# Music
per_api("search_artist_for_music_charts", lambda i: (
    [f"Find the artist {ARTISTS[i]}.", f"What is the artist id of {ARTISTS[i]}?", f"Search for the musician {ARTISTS[i]}."][i % 3],
    {"name": [ARTISTS[i]]}))
per_api("artist_top_tracks_for_music_charts", lambda i: (
    [f"What are the top tracks of artist ar{i + 1:04d}?", f"Show the 3 most played songs of artist id ar{i + 1:04d}.",
     f"List popular songs by artist ar{i + 1:04d}."][i % 3],
    {"artist_id": [f"ar{i + 1:04d}"], "limit": [3] if i % 3 == 1 else opt(5)}))
per_api("top_charts_for_music_charts", lambda i: (
    [f"What's topping the charts in {COUNTRIES[i][1]} this week?", f"Show the top 5 songs in {COUNTRIES[i][1]}.",
     f"Get this week's music chart for country code {COUNTRIES[i][0]}."][i % 3],
    {"country": [COUNTRIES[i][0]], "limit": [5] if i % 3 == 1 else opt(10)}))

# Recipes
DIETS = ["vegetarian", "vegan", "gluten-free"]
per_api("search_recipes_for_recipe_finder", lambda i: (
    [f"Find me a recipe for {DISHES[i]}.", f"I need a {DIETS[i % 3]} recipe with {DISHES[i]}.",
     f"What can I cook with {DISHES[i]}?"][i % 3],
    {"query": [DISHES[i]], "diet": [DIETS[i % 3]] if i % 3 == 1 else [""]}))
per_api("recipe_details_for_recipe_finder", lambda i: (
    [f"Show me the ingredients of recipe rc{i + 1:04d}.", f"How many calories per serving does recipe rc{i + 1:04d} have?",
     f"Give me the steps for recipe rc{i + 1:04d}."][i % 3], {"recipe_id": [f"rc{i + 1:04d}"]}))
GRAMS = [200, 50, 150, 100, 120, 40, 250, 300, 500, 80, 30, 60, 180, 75, 25]
per_api("ingredient_nutrition_for_recipe_finder", lambda i: (
    [f"How many calories are in {GRAMS[i]} grams of {INGREDIENTS[i]}?", f"Nutrition facts for {INGREDIENTS[i]} per 100 g?",
     f"How much protein does {GRAMS[i]} g of {INGREDIENTS[i]} have?"][i % 3],
    {"ingredient": [INGREDIENTS[i]], "grams": opt(100) if i % 3 == 1 else [GRAMS[i]]}))

# News
NEWS_CATEGORIES = ["business", "technology", "sports", "entertainment", "science", "health"]
per_api("top_headlines_for_news_feed", lambda i: (
    [f"What are today's top headlines in {COUNTRIES[i][1]}?", f"Show me the top {NEWS_CATEGORIES[i % 6]} news in {COUNTRIES[i][1]}.",
     f"Any big news in {COUNTRIES[i][1]} today?"][i % 3],
    {"country": [COUNTRIES[i][0]], "category": [NEWS_CATEGORIES[i % 6]] if i % 3 == 1 else [""]}))
per_api("search_news_for_news_feed", lambda i: (
    [f"Find recent news about {KEYWORDS[i]}.", f"Search news mentioning {KEYWORDS[i]} since {DATES[i]}.",
     f"What's in the news about {KEYWORDS[i]}?"][i % 3],
    {"q": [KEYWORDS[i]], "from_date": [DATES[i]] if i % 3 == 1 else [""]}))

# Translator
per_api("translate_for_translator", lambda i: (
    [f"Translate \"{PHRASES[i][0]}\" into {LANG_NAMES[PHRASES[i][1]]}.", f"How do you say '{PHRASES[i][0]}' in {LANG_NAMES[PHRASES[i][1]]}?",
     f"Translate from English to {LANG_NAMES[PHRASES[i][1]]}: {PHRASES[i][0]}"][i % 3],
    {"text": [PHRASES[i][0]], "target": [PHRASES[i][1]], "source": ["en"] if i % 3 == 2 else opt("en")}))
per_api("detect_language_for_translator", lambda i: (
    [f"What language is this: \"{FOREIGN[i]}\"?", f"Detect the language of '{FOREIGN[i]}'.",
     f"Which language is \"{FOREIGN[i]}\" written in?"][i % 3], {"text": [FOREIGN[i]]}))
per_api("supported_languages_for_translator", lambda i: (
    ["Which languages can you translate?", "List the supported translation languages.", "Can you translate into German? Show the language list.",
     "What language codes does the translator accept?", "Which languages are available?", "Do you support Italian translation?",
     "Show all translation languages.", "What are the supported languages and their codes?", "Is Spanish supported by the translator?",
     "Give me the translator's language list.", "Which target languages can I use?", "List languages you can translate from.",
     "Tell me the languages the translation service covers.", "Can the translator handle French?",
     "What languages does the translation API support?"][i], {}))

# Text Toolkit
per_api("word_count_for_text_toolkit", lambda i: (
    [f"How many words are in: \"{TEXTS[i]}\"?", f"Count the characters and words of '{TEXTS[i]}'.",
     f"How long would it take to read \"{TEXTS[i]}\"?"][i % 3], {"text": [TEXTS[i]]}))
per_api("sentiment_for_text_toolkit", lambda i: (
    [f"Is this review positive or negative: \"{TEXTS[(i + 3) % 15]}\"?", f"Analyze the sentiment of '{TEXTS[(i + 3) % 15]}'.",
     f"What's the tone of this message: {TEXTS[(i + 3) % 15]}"][i % 3], {"text": [TEXTS[(i + 3) % 15]]}))
CASES = ["upper", "lower", "title", "snake", "camel"]
CASE_WORDS = {"upper": "upper case", "lower": "lower case", "title": "title case", "snake": "snake_case", "camel": "camelCase"}
SHORT = ["hello world", "user account settings", "The Quick Brown Fox", "max retry count", "good morning everyone",
         "annual sales report", "ERROR LOG FILE", "first name", "total order amount", "Welcome To The Jungle",
         "api response time", "happy new year", "shipping address line", "DATA SCIENCE TEAM", "last login date"]
per_api("change_case_for_text_toolkit", lambda i: (
    [f"Convert \"{SHORT[i]}\" to {CASE_WORDS[CASES[i % 5]]}.", f"Rewrite '{SHORT[i]}' in {CASE_WORDS[CASES[i % 5]]}.",
     f"Change the case of \"{SHORT[i]}\" to {CASES[i % 5]}."][i % 3], {"text": [SHORT[i]], "case": [CASES[i % 5]]}))
per_api("extract_keywords_for_text_toolkit", lambda i: (
    [f"Extract the keywords from: \"{TEXTS[(i + 7) % 15]}\"", f"What are the 3 main keywords of '{TEXTS[(i + 7) % 15]}'?",
     f"Pull out the important words in this text: {TEXTS[(i + 7) % 15]}"][i % 3],
    {"text": [TEXTS[(i + 7) % 15]], "limit": [3] if i % 3 == 1 else opt(5)}))

# Hotels
STAY = ["2026-03-10", "2026-04-02", "2026-05-15", "2026-06-01", "2026-07-20", "2026-08-08", "2026-09-12", "2026-10-03",
        "2026-11-11", "2026-12-24", "2026-02-14", "2026-03-28", "2026-05-01", "2026-06-18", "2026-09-30"]
GUESTS = ["Alice Martin", "Bob Chen", "Carla Rossi", "David Okafor", "Emma Schmidt", "Farid Haddad", "Grace Kim",
          "Hugo Lefebvre", "Ines Garcia", "Jonas Berg", "Keiko Tanaka", "Liam Walsh", "Maya Patel", "Noah Silva", "Olga Nowak"]
per_api("search_hotels_for_hotel_booking", lambda i: (
    [f"Find hotels in {city_values(i + 6)[0]} for {1 + i % 5} nights from {STAY[i]}.",
     f"Are there hotel rooms in {city_values(i + 6)[0]} on {STAY[i]}?",
     f"I need a hotel in {city_values(i + 6)[0]} checking in {STAY[i]} for {1 + i % 5} nights."][i % 3],
    {"city": city_values(i + 6)[1], "check_in": [STAY[i]], "nights": opt(1) if i % 3 == 1 else [1 + i % 5]}))
per_api("book_hotel_for_hotel_booking", lambda i: (
    [f"Book hotel htl_{PLACE_CITIES[i]}_{i % 6} for {GUESTS[i]}, {1 + i % 4} nights from {STAY[i]}.",
     f"Please reserve htl_{PLACE_CITIES[i]}_{i % 6} under the name {GUESTS[i]}: check-in {STAY[i]}, {1 + i % 4} nights.",
     f"Make a booking at hotel htl_{PLACE_CITIES[i]}_{i % 6} for guest {GUESTS[i]} arriving {STAY[i]} for {1 + i % 4} nights."][i % 3],
    {"hotel_id": [f"htl_{PLACE_CITIES[i]}_{i % 6}"], "check_in": [STAY[i]], "nights": [1 + i % 4], "guest_name": [GUESTS[i]]}))
BOOKINGS = [f"BK{(482913 + 7919 * k) % 900000 + 100000}{k % 3 + 1}" for k in range(15)]
per_api("get_booking_for_hotel_booking", lambda i: (
    [f"Show me booking {BOOKINGS[i]}.", f"What are the details of my reservation {BOOKINGS[i]}?",
     f"Check the status of booking {BOOKINGS[i]}."][i % 3], {"booking_id": [BOOKINGS[i]]}))
per_api("cancel_booking_for_hotel_booking", lambda i: (
    [f"Cancel booking {BOOKINGS[(i + 5) % 15]}.", f"I need to cancel my reservation {BOOKINGS[(i + 5) % 15]}.",
     f"Please call off booking {BOOKINGS[(i + 5) % 15]}."][i % 3], {"booking_id": [BOOKINGS[(i + 5) % 15]]}))

# Todo
TODOS = ["buy milk", "call the dentist", "renew passport", "pay rent", "book flights to Lisbon", "water the plants",
         "finish the quarterly report", "send birthday card to mom", "fix the bike", "prepare slides for Monday",
         "cancel gym membership", "back up the laptop", "return library books", "schedule car service", "write thank-you notes"]
per_api("add_task_for_todo_list", lambda i: (
    [f"Add \"{TODOS[i]}\" to my todo list.", f"Remind me to {TODOS[i]} by {STAY[i]}.", f"New task: {TODOS[i]}."][i % 3],
    {"title": [TODOS[i]], "due_date": [STAY[i]] if i % 3 == 1 else [""]}))
STATUSES = ["open", "done", "all"]
per_api("list_tasks_for_todo_list", lambda i: (
    ["What's on my todo list?", "Which tasks have I not finished yet?", "Show the tasks I've completed.",
     "List all my tasks.", "What do I still need to do?", "Show my finished tasks.", "Print my todo list.",
     "Which tasks are still open?", "What have I already done?", "Show every task, done or not.",
     "Any open tasks left?", "List completed todos.", "Give me my full task list.", "What's pending on my list?",
     "Which todos are marked done?"][i],
    {"status": [["", "all"], ["open"], ["done"], ["", "all"], ["open"], ["done"], ["", "all"], ["open"], ["done"],
                ["", "all"], ["open"], ["done"], ["", "all"], ["open"], ["done"]][i]}))
per_api("complete_task_for_todo_list", lambda i: (
    [f"Mark task {i + 1} as done.", f"I finished task number {i + 1}.", f"Complete todo {i + 1}."][i % 3], {"task_id": [i + 1]}))
per_api("delete_task_for_todo_list", lambda i: (
    [f"Delete task {i + 2}.", f"Remove task number {i + 2} from my list.", f"Get rid of todo {i + 2}."][i % 3],
    {"task_id": [i + 2]}))

# Parallel queries: two calls in one turn.
for i in range(10):
    a, b = city_values(i), city_values(i + 10)
    add("current_weather_for_weather_hub",
        f"Compare the current weather in {a[0]} and {b[0]}.",
        [{"current_weather_for_weather_hub": {"q": a[1], "units": opt("metric")}},
         {"current_weather_for_weather_hub": {"q": b[1], "units": opt("metric")}}], "parallel")
for i in range(5):
    add("quote_for_stock_quotes",
        f"What are the stock prices of {COMPANIES[i][1]} and {COMPANIES[i + 5][1]}?",
        [{"quote_for_stock_quotes": {"symbol": [COMPANIES[i][0]]}},
         {"quote_for_stock_quotes": {"symbol": [COMPANIES[i + 5][0]]}}], "parallel")


def main():
    os.makedirs(OUT, exist_ok=True)
    questions, answers = [], []
    for function in sorted(QUERIES):
        for n, (question, gold, category) in enumerate(QUERIES[function]):
            qid = f"{function}_{n}"
            names = sorted({next(iter(call)) for call in gold})
            questions.append({"id": qid, "question": question, "functions": names, "test_category": category})
            answers.append({"id": qid, "ground_truth": gold})
    for name, rows in (("questions.jsonl", questions), ("possible_answer.jsonl", answers)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(questions)} queries over {len(QUERIES)} APIs")


if __name__ == "__main__":
    main()
