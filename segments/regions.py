"""Regions the shop's data does not record, read as lists of its cities or countries: "Scotland" /
"Scottish" -> the shop's Scottish cities, "Wales", "Northern Ireland", "England", "the EU" -> its EU countries.

A region is only as good as the table behind it: when the shop has cities this table cannot place, the
region may be missing some of them, so the parser asks (listing them) instead of answering.
"""

from __future__ import annotations

from dataclasses import dataclass

NATIONS: dict[str, tuple[str, ...]] = {
    "Scotland": ("Edinburgh", "Glasgow", "Aberdeen", "Dundee", "Inverness", "Stirling", "Perth", "Paisley",
                 "Falkirk", "Livingston", "Ayr", "Kilmarnock", "East Kilbride", "Hamilton", "Dunfermline",
                 "Kirkcaldy", "St Andrews", "Cumbernauld", "Motherwell", "Elgin", "Oban", "Fort William"),
    "Wales": ("Cardiff", "Swansea", "Newport", "Wrexham", "Aberystwyth", "Llandudno", "Bridgend", "Barry",
              "Merthyr Tydfil", "Caerphilly", "Port Talbot", "Neath", "Llanelli", "Rhyl", "Carmarthen",
              "Pontypridd", "St Davids"),
    "Northern Ireland": ("Belfast", "Derry", "Londonderry", "Lisburn", "Newry", "Armagh", "Craigavon",
                         "Ballymena", "Newtownabbey", "Enniskillen", "Omagh", "Coleraine", "Portadown"),
    "England": ("London", "Manchester", "Birmingham", "Leeds", "Liverpool", "Bristol", "Sheffield", "Newcastle",
                "Nottingham", "Leicester", "Brighton", "Southampton", "Portsmouth", "Plymouth", "Reading", "Oxford",
                "Cambridge", "York", "Coventry", "Bradford", "Hull", "Derby", "Stoke", "Stoke-on-Trent",
                "Wolverhampton", "Sunderland", "Norwich", "Exeter", "Bath", "Milton Keynes", "Luton", "Preston",
                "Blackpool", "Bournemouth", "Middlesbrough", "Peterborough", "Swindon", "Ipswich", "Gloucester",
                "Cheltenham", "Chester", "Lancaster", "Carlisle", "Durham", "Canterbury", "Salisbury", "Worcester",
                "Winchester", "Wakefield", "Bolton", "Stockport", "Huddersfield", "Northampton", "Colchester",
                "Chelmsford", "Oldham", "Warrington", "Watford", "Slough", "Basingstoke", "Guildford", "Maidstone",
                "Newcastle upon Tyne", "Kingston upon Hull", "Southend", "Southend-on-Sea", "Poole", "Harrogate",
                "Lincoln", "Hereford", "Truro", "Wigan", "Salford", "Sutton", "Croydon", "Bromley"),
}
OTHER_CITIES = (
    "Dublin", "Cork", "Galway", "Limerick", "Waterford", "Kilkenny", "Paris", "Lyon", "Marseille", "Toulouse",
    "Nice", "Nantes", "Bordeaux", "Lille", "Strasbourg", "Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt",
    "Stuttgart", "Dusseldorf", "Düsseldorf", "Leipzig", "Dresden", "Amsterdam", "Rotterdam", "The Hague",
    "Utrecht", "Eindhoven", "Madrid", "Barcelona", "Valencia", "Seville", "Bilbao", "Malaga", "Lisbon", "Porto",
    "Rome", "Milan", "Naples", "Turin", "Florence", "Brussels", "Antwerp", "Ghent", "Vienna", "Zurich", "Geneva",
    "Copenhagen", "Stockholm", "Oslo", "Helsinki", "Warsaw", "Krakow", "Prague", "Budapest", "Athens",
    "New York", "Los Angeles", "Chicago", "Houston", "Boston", "Seattle", "San Francisco", "Toronto", "Sydney",
    "Melbourne",
)
EU_COUNTRIES = ("Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Czech Republic", "Denmark",
                "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy", "Latvia",
                "Lithuania", "Luxembourg", "Malta", "Netherlands", "Poland", "Portugal", "Romania", "Slovakia",
                "Slovenia", "Spain", "Sweden")
REGION_WORDS: dict[str, str] = {
    "scotland": "Scotland", "scottish": "Scotland", "scots": "Scotland", "wales": "Wales", "welsh": "Wales",
    "northern ireland": "Northern Ireland", "northern irish": "Northern Ireland", "n ireland": "Northern Ireland",
    "england": "England", "english": "England",
    "eu": "EU", "the eu": "EU", "european union": "EU", "the european union": "EU",
}


@dataclass(frozen=True)
class Region:
    """A region read against one vocabulary: ``field`` (city or country), the ``values`` it covers, and the
    shop's ``unplaced`` values (not in the table: the region may miss some of them)."""

    name: str
    field: str
    values: tuple[str, ...]
    unplaced: tuple[str, ...] = ()


def regions(cities: tuple[str, ...], countries: tuple[str, ...]) -> dict[str, Region]:
    """Region phrase -> :class:`Region` for a shop's cities and countries (regions it has none of are left
    out, so the words stay unknown and the parser asks)."""
    known = {c.lower() for names in NATIONS.values() for c in names} | {c.lower() for c in OTHER_CITIES}
    unplaced = tuple(c for c in cities if c.lower() not in known)
    out: dict[str, Region] = {}
    for phrase, name in REGION_WORDS.items():
        if name == "EU":
            eu = {c.lower() for c in EU_COUNTRIES}
            values = tuple(c for c in countries if c.lower() in eu)
            if values:
                out[phrase] = Region(name, "country", values)
            continue
        table = {c.lower() for c in NATIONS[name]}
        values = tuple(c for c in cities if c.lower() in table)
        if values:
            out[phrase] = Region(name, "city", values, unplaced)
    return out
