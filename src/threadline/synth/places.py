"""Places: Philippine cities where facilitators live, and the countries buyers live in.

Coordinates are city centres (WGS84, rounded); homes are scattered around them. The weights
favour the provinces where live-streamed abuse cases have clustered (Cebu, Pampanga,
Metro Manila), as in published case reviews.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    """A Philippine city: province, region, centre point and weight in the draw."""

    name: str
    province: str
    region: str
    lat: float
    lon: float
    weight: float


PH_CITIES: tuple[City, ...] = (
    City("Cebu City", "Cebu", "Central Visayas", 10.3157, 123.8854, 6),
    City("Lapu-Lapu City", "Cebu", "Central Visayas", 10.3103, 123.9494, 5),
    City("Mandaue City", "Cebu", "Central Visayas", 10.3236, 123.9223, 3),
    City("Cordova", "Cebu", "Central Visayas", 10.2526, 123.9490, 3),
    City("Talisay City", "Cebu", "Central Visayas", 10.2447, 123.8494, 2),
    City("Angeles City", "Pampanga", "Central Luzon", 15.1450, 120.5887, 5),
    City("Mabalacat", "Pampanga", "Central Luzon", 15.2216, 120.5740, 2),
    City("San Fernando", "Pampanga", "Central Luzon", 15.0286, 120.6898, 2),
    City("Taguig", "Metro Manila", "National Capital Region", 14.5176, 121.0509, 3),
    City("Quezon City", "Metro Manila", "National Capital Region", 14.6760, 121.0437, 4),
    City("Caloocan", "Metro Manila", "National Capital Region", 14.6507, 120.9676, 3),
    City("Pasay", "Metro Manila", "National Capital Region", 14.5378, 121.0014, 2),
    City("Antipolo", "Rizal", "Calabarzon", 14.5860, 121.1761, 2),
    City("Malolos", "Bulacan", "Central Luzon", 14.8527, 120.8160, 1),
    City("Cagayan de Oro", "Misamis Oriental", "Northern Mindanao", 8.4542, 124.6319, 2),
    City("Davao City", "Davao del Sur", "Davao Region", 7.1907, 125.4553, 2),
    City("Tagbilaran", "Bohol", "Central Visayas", 9.6496, 123.8547, 1),
    City("Tacloban", "Leyte", "Eastern Visayas", 11.2443, 125.0039, 1),
    City("Bacolod", "Negros Occidental", "Western Visayas", 10.6765, 122.9509, 2),
    City("Iloilo City", "Iloilo", "Western Visayas", 10.7202, 122.5621, 1),
    City("Dagupan", "Pangasinan", "Ilocos Region", 16.0433, 120.3333, 1),
    City("General Santos", "South Cotabato", "Soccsksargen", 6.1164, 125.1716, 1),
    City("Olongapo", "Zambales", "Central Luzon", 14.8386, 120.2842, 1),
    City("Dumaguete", "Negros Oriental", "Central Visayas", 9.3068, 123.3054, 1),
)


@dataclass(frozen=True)
class Country:
    """A country of the synthetic world: time zone, currency, cities and shares of people."""

    code: str
    name: str
    zone: str  # IANA zone of the main population centre
    currency: str
    per_usd: float  # units of the currency per US dollar (a round long-run figure)
    cities: tuple[str, ...]
    buyer_weight: float  # share of buyers from here
    diaspora_weight: float  # share of Filipino family remitters living here


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country(
            "US",
            "United States",
            "America/New_York",
            "USD",
            1.0,
            (
                "New York",
                "Los Angeles",
                "Chicago",
                "Houston",
                "Phoenix",
                "San Diego",
                "Dallas",
                "Seattle",
                "Denver",
                "Atlanta",
            ),
            30,
            25,
        ),
        Country(
            "GB",
            "United Kingdom",
            "Europe/London",
            "GBP",
            0.79,
            (
                "London",
                "Manchester",
                "Birmingham",
                "Leeds",
                "Glasgow",
                "Liverpool",
                "Bristol",
                "Sheffield",
            ),
            14,
            6,
        ),
        Country(
            "AU",
            "Australia",
            "Australia/Sydney",
            "AUD",
            1.5,
            ("Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"),
            12,
            5,
        ),
        Country(
            "CA",
            "Canada",
            "America/Toronto",
            "CAD",
            1.35,
            ("Toronto", "Vancouver", "Calgary", "Montreal", "Ottawa", "Edmonton"),
            7,
            8,
        ),
        Country(
            "SE",
            "Sweden",
            "Europe/Stockholm",
            "SEK",
            10.5,
            ("Stockholm", "Göteborg", "Malmö", "Uppsala"),
            5,
            0,
        ),
        Country(
            "NO",
            "Norway",
            "Europe/Oslo",
            "NOK",
            10.6,
            ("Oslo", "Bergen", "Trondheim", "Stavanger"),
            3,
            0,
        ),
        Country(
            "DK",
            "Denmark",
            "Europe/Copenhagen",
            "DKK",
            6.9,
            ("København", "Aarhus", "Odense"),
            3,
            0,
        ),
        Country(
            "FI",
            "Finland",
            "Europe/Helsinki",
            "EUR",
            0.92,
            ("Helsinki", "Espoo", "Tampere", "Oulu"),
            2,
            0,
        ),
        Country(
            "DE",
            "Germany",
            "Europe/Berlin",
            "EUR",
            0.92,
            ("Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main"),
            6,
            1,
        ),
        Country(
            "NL",
            "Netherlands",
            "Europe/Amsterdam",
            "EUR",
            0.92,
            ("Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven"),
            4,
            0,
        ),
        Country(
            "BE",
            "Belgium",
            "Europe/Brussels",
            "EUR",
            0.92,
            ("Brussel", "Antwerpen", "Gent", "Liège"),
            2,
            0,
        ),
        Country(
            "FR",
            "France",
            "Europe/Paris",
            "EUR",
            0.92,
            ("Paris", "Lyon", "Marseille", "Toulouse", "Nice"),
            2,
            0,
        ),
        Country(
            "CH",
            "Switzerland",
            "Europe/Zurich",
            "CHF",
            0.9,
            ("Zürich", "Genève", "Basel", "Bern"),
            2,
            0,
        ),
        Country(
            "AT",
            "Austria",
            "Europe/Vienna",
            "EUR",
            0.92,
            ("Wien", "Graz", "Linz", "Salzburg"),
            1,
            0,
        ),
        Country(
            "IE",
            "Ireland",
            "Europe/Dublin",
            "EUR",
            0.92,
            ("Dublin", "Cork", "Galway", "Limerick"),
            2,
            1,
        ),
        Country(
            "NZ",
            "New Zealand",
            "Pacific/Auckland",
            "NZD",
            1.63,
            ("Auckland", "Wellington", "Christchurch"),
            2,
            1,
        ),
        Country("JP", "Japan", "Asia/Tokyo", "JPY", 150.0, ("Tokyo", "Osaka", "Yokohama"), 1, 4),
        Country(
            "SA", "Saudi Arabia", "Asia/Riyadh", "SAR", 3.75, ("Riyadh", "Jeddah", "Dammam"), 0, 14
        ),
        Country(
            "AE",
            "United Arab Emirates",
            "Asia/Dubai",
            "AED",
            3.67,
            ("Dubai", "Abu Dhabi", "Sharjah"),
            0,
            10,
        ),
        Country("QA", "Qatar", "Asia/Qatar", "QAR", 3.64, ("Doha",), 0, 4),
        Country("KW", "Kuwait", "Asia/Kuwait", "KWD", 0.31, ("Kuwait City",), 0, 3),
        Country("HK", "Hong Kong", "Asia/Hong_Kong", "HKD", 7.8, ("Hong Kong",), 0, 6),
        Country("SG", "Singapore", "Asia/Singapore", "SGD", 1.35, ("Singapore",), 0, 5),
        Country("IT", "Italy", "Europe/Rome", "EUR", 0.92, ("Roma", "Milano"), 0, 4),
        Country(
            "PH", "Philippines", "Asia/Manila", "PHP", 56.0, tuple(c.name for c in PH_CITIES), 0, 0
        ),
    )
}
COUNTRY_CODES: tuple[str, ...] = tuple(COUNTRIES)
BUYER_COUNTRIES: tuple[str, ...] = tuple(c for c in COUNTRY_CODES if COUNTRIES[c].buyer_weight)
DIASPORA_COUNTRIES: tuple[str, ...] = tuple(
    c for c in COUNTRY_CODES if COUNTRIES[c].diaspora_weight
)


def minor_units(currency: str) -> int:
    """Decimal places written for an amount in the currency."""
    return 0 if currency == "JPY" else 2
