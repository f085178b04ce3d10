"""Countries the generator uses: currency, name locale, cities, region and population weight.

The 21 APEC economies carry most of the population (``weight``); the others appear as
home countries of migrants, trade partners, travel destinations and conflict areas.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    currency: str
    locale: str
    region: str
    weight: float  # share of the resident population (0 = not a residence country)
    cities: tuple[str, ...]
    airport: str


_C = Country
COUNTRIES: tuple[Country, ...] = (
    # APEC economies
    _C("US", "USD", "en", "north_america", 14, ("New York", "Los Angeles", "Chicago", "Houston", "Seattle", "Miami"), "JFK"),
    _C("CA", "CAD", "en", "north_america", 4, ("Toronto", "Vancouver", "Montreal", "Calgary"), "YYZ"),
    _C("MX", "MXN", "es", "latin_america", 5, ("Mexico City", "Guadalajara", "Monterrey", "Tijuana"), "MEX"),
    _C("CL", "CLP", "es", "latin_america", 2, ("Santiago", "Valparaiso", "Concepcion"), "SCL"),
    _C("PE", "PEN", "es", "latin_america", 2, ("Lima", "Arequipa", "Trujillo"), "LIM"),
    _C("AU", "AUD", "en", "oceania", 6, ("Sydney", "Melbourne", "Brisbane", "Perth"), "SYD"),
    _C("NZ", "NZD", "en", "oceania", 2, ("Auckland", "Wellington", "Christchurch"), "AKL"),
    _C("PG", "PGK", "en", "oceania", 1, ("Port Moresby", "Lae"), "POM"),
    _C("CN", "CNY", "zh", "east_asia", 8, ("Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Chengdu"), "PVG"),
    _C("HK", "HKD", "zh", "east_asia", 4, ("Hong Kong",), "HKG"),
    _C("TW", "TWD", "zh", "east_asia", 3, ("Taipei", "Kaohsiung", "Taichung"), "TPE"),
    _C("JP", "JPY", "ja", "east_asia", 5, ("Tokyo", "Osaka", "Nagoya", "Fukuoka"), "NRT"),
    _C("KR", "KRW", "ko", "east_asia", 4, ("Seoul", "Busan", "Incheon"), "ICN"),
    _C("RU", "RUB", "ru", "europe", 3, ("Moscow", "Saint Petersburg", "Vladivostok", "Novosibirsk"), "SVO"),
    _C("SG", "SGD", "sg", "southeast_asia", 8, ("Singapore",), "SIN"),
    _C("MY", "MYR", "ms", "southeast_asia", 5, ("Kuala Lumpur", "Penang", "Johor Bahru", "Kota Kinabalu"), "KUL"),
    _C("BN", "BND", "ms", "southeast_asia", 1, ("Bandar Seri Begawan",), "BWN"),
    _C("ID", "IDR", "id", "southeast_asia", 5, ("Jakarta", "Surabaya", "Medan", "Bandung"), "CGK"),
    _C("PH", "PHP", "fil", "southeast_asia", 5, ("Manila", "Cebu", "Davao", "Quezon City"), "MNL"),
    _C("TH", "THB", "th", "southeast_asia", 4, ("Bangkok", "Chiang Mai", "Phuket", "Hat Yai"), "BKK"),
    _C("VN", "VND", "vi", "southeast_asia", 3, ("Ho Chi Minh City", "Hanoi", "Da Nang"), "SGN"),
    # others seen in real flows
    _C("GB", "GBP", "en", "europe", 0, ("London", "Manchester", "Birmingham"), "LHR"),
    _C("DE", "EUR", "en", "europe", 0, ("Frankfurt", "Hamburg", "Berlin"), "FRA"),
    _C("NL", "EUR", "en", "europe", 0, ("Rotterdam", "Amsterdam"), "AMS"),
    _C("CH", "CHF", "en", "europe", 0, ("Zurich", "Geneva"), "ZRH"),
    _C("AE", "AED", "ar", "middle_east", 0, ("Dubai", "Abu Dhabi", "Sharjah"), "DXB"),
    _C("SA", "SAR", "ar", "middle_east", 0, ("Riyadh", "Jeddah"), "RUH"),
    _C("QA", "QAR", "ar", "middle_east", 0, ("Doha",), "DOH"),
    _C("IN", "INR", "in", "south_asia", 0, ("Mumbai", "Delhi", "Chennai", "Kochi"), "BOM"),
    _C("BD", "BDT", "in", "south_asia", 0, ("Dhaka", "Chittagong"), "DAC"),
    _C("LK", "LKR", "in", "south_asia", 0, ("Colombo",), "CMB"),
    _C("NP", "NPR", "in", "south_asia", 0, ("Kathmandu", "Pokhara"), "KTM"),
    _C("PK", "PKR", "ps", "south_asia", 0, ("Karachi", "Lahore", "Peshawar", "Quetta"), "KHI"),
    _C("AF", "AFN", "ps", "south_asia", 0, ("Kabul", "Kandahar", "Herat", "Jalalabad"), "KBL"),
    _C("TR", "TRY", "tr", "middle_east", 0, ("Istanbul", "Gaziantep", "Ankara", "Sanliurfa"), "IST"),
    _C("JO", "JOD", "ar", "middle_east", 0, ("Amman", "Irbid", "Zarqa"), "AMM"),
    _C("LB", "USD", "ar", "middle_east", 0, ("Beirut", "Tripoli"), "BEY"),
    _C("SY", "SYP", "ar", "middle_east", 0, ("Damascus", "Aleppo", "Idlib"), "DAM"),
    _C("IQ", "IQD", "ar", "middle_east", 0, ("Baghdad", "Erbil", "Mosul", "Basra"), "BGW"),
    _C("YE", "YER", "ar", "middle_east", 0, ("Sanaa", "Aden", "Marib"), "ADE"),
    _C("PS", "ILS", "ar", "middle_east", 0, ("Gaza", "Ramallah", "Hebron"), "AMM"),
    _C("EG", "EGP", "ar", "africa", 0, ("Cairo", "Alexandria"), "CAI"),
    _C("SO", "SOS", "so", "africa", 0, ("Mogadishu", "Hargeisa", "Kismayo"), "MGQ"),
    _C("KE", "KES", "so", "africa", 0, ("Nairobi", "Mombasa", "Garissa"), "NBO"),
    _C("ET", "ETB", "so", "africa", 0, ("Addis Ababa", "Dire Dawa"), "ADD"),
    _C("DJ", "DJF", "so", "africa", 0, ("Djibouti",), "JIB"),
    _C("NG", "NGN", "en", "africa", 0, ("Lagos", "Abuja", "Maiduguri", "Kano"), "LOS"),
    _C("ML", "XOF", "ar", "africa", 0, ("Bamako", "Gao", "Timbuktu"), "BKO"),
    _C("NE", "XOF", "ar", "africa", 0, ("Niamey", "Agadez"), "NIM"),
    _C("BF", "XOF", "ar", "africa", 0, ("Ouagadougou",), "OUA"),
    _C("SD", "SDG", "ar", "africa", 0, ("Khartoum", "Port Sudan"), "PZU"),
    _C("LY", "LYD", "ar", "africa", 0, ("Tripoli", "Benghazi"), "MJI"),
    _C("MM", "MMK", "en", "southeast_asia", 0, ("Yangon", "Mandalay"), "RGN"),
    _C("LA", "LAK", "en", "southeast_asia", 0, ("Vientiane",), "VTE"),
    _C("ZA", "ZAR", "en", "africa", 0, ("Johannesburg", "Cape Town"), "JNB"),
    _C("MZ", "MZN", "en", "africa", 0, ("Maputo", "Pemba"), "MPM"),
    _C("TD", "XAF", "ar", "africa", 0, ("N'Djamena",), "NDJ"),
    _C("MR", "MRU", "ar", "africa", 0, ("Nouakchott",), "NKC"),
    _C("TJ", "TJS", "ru", "south_asia", 0, ("Dushanbe",), "DYU"),
    _C("CD", "CDF", "en", "africa", 0, ("Kinshasa", "Goma"), "FIH"),
    _C("IR", "IRR", "ps", "middle_east", 0, ("Tehran", "Mashhad"), "IKA"),
    _C("KP", "KPW", "ko", "east_asia", 0, ("Pyongyang",), "FNJ"),
    _C("SS", "SSP", "en", "africa", 0, ("Juba",), "JUB"),
    _C("DZ", "DZD", "ar", "africa", 0, ("Algiers",), "ALG"),
    _C("VE", "VES", "es", "latin_america", 0, ("Caracas",), "CCS"),
    _C("HT", "HTG", "en", "latin_america", 0, ("Port-au-Prince",), "PAP"),
    _C("BG", "BGN", "en", "europe", 0, ("Sofia",), "SOF"),
)
BY_CODE: dict[str, Country] = {c.code: c for c in COUNTRIES}
APEC: tuple[str, ...] = tuple(c.code for c in COUNTRIES if c.weight > 0)

#: Home countries of migrant workers and their share among migrants (remittance corridors).
MIGRANT_HOMES: dict[str, float] = {
    "PH": 18, "MX": 14, "IN": 12, "VN": 8, "ID": 7, "CN": 6, "BD": 5, "PK": 5, "NP": 4,
    "LK": 3, "KE": 2, "NG": 3, "SO": 2, "AF": 2, "YE": 1.5, "SY": 1.5, "JO": 1, "LB": 1,
    "ET": 1.5, "MM": 1.5, "TH": 2,
}
#: Residence countries that attract migrants (and their weight).
MIGRANT_HOSTS: dict[str, float] = {
    "US": 30, "CA": 10, "AU": 10, "SG": 12, "HK": 8, "JP": 6, "KR": 6, "NZ": 4, "MY": 8, "TW": 6,
}
