"""A small offline gazetteer: common city / country names → standard UTC offset (hours).

Why: a profile's claimed location is compared with the inferred operator offset. Only standard
(winter) offsets are listed; ``DST`` names the places that add an hour in summer, so a difference of
one hour there is not a mismatch.
"""

from __future__ import annotations

import functools
import re

__all__ = ["DST", "OFFSETS", "claimed_offset"]

OFFSETS: dict[str, float] = {
    # Russia and neighbours
    "russia": 3, "россия": 3, "moscow": 3, "москва": 3, "st petersburg": 3, "saint petersburg": 3,
    "st. petersburg": 3, "petersburg": 3, "санкт-петербург": 3, "питер": 3, "spb": 3,
    "novosibirsk": 7, "yekaterinburg": 5, "vladivostok": 10, "kazan": 3, "sochi": 3,
    "ukraine": 2, "kyiv": 2, "kiev": 2, "киев": 2, "kharkiv": 2, "odessa": 2, "odesa": 2,
    "belarus": 3, "minsk": 3, "crimea": 3, "donetsk": 3,
    # Europe
    "uk": 0, "united kingdom": 0, "england": 0, "london": 0, "manchester": 0, "scotland": 0,
    "ireland": 0, "dublin": 0, "portugal": 0, "lisbon": 0,
    "france": 1, "paris": 1, "germany": 1, "berlin": 1, "deutschland": 1, "munich": 1,
    "italy": 1, "rome": 1, "milan": 1, "spain": 1, "madrid": 1, "barcelona": 1,
    "netherlands": 1, "amsterdam": 1, "belgium": 1, "brussels": 1, "poland": 1, "warsaw": 1,
    "sweden": 1, "stockholm": 1, "norway": 1, "oslo": 1, "denmark": 1, "copenhagen": 1,
    "austria": 1, "vienna": 1, "switzerland": 1, "zurich": 1, "geneva": 1, "prague": 1,
    "hungary": 1, "budapest": 1, "serbia": 1, "belgrade": 1, "albania": 1, "tirana": 1,
    "croatia": 1, "zagreb": 1, "greece": 2, "athens": 2, "romania": 2, "bucharest": 2,
    "bulgaria": 2, "sofia": 2, "finland": 2, "helsinki": 2, "estonia": 2, "tallinn": 2,
    "latvia": 2, "riga": 2, "lithuania": 2, "vilnius": 2, "turkey": 3, "istanbul": 3, "ankara": 3,
    # Middle East and Africa
    "israel": 2, "tel aviv": 2, "jerusalem": 2, "egypt": 2, "cairo": 2, "lebanon": 2, "beirut": 2,
    "syria": 2, "damascus": 2, "saudi arabia": 3, "riyadh": 3, "iraq": 3, "baghdad": 3,
    "qatar": 3, "doha": 3, "kuwait": 3, "iran": 3.5, "tehran": 3.5, "uae": 4, "dubai": 4,
    "abu dhabi": 4, "oman": 4, "nigeria": 1, "lagos": 1, "abuja": 1, "kenya": 3, "nairobi": 3,
    "south africa": 2, "johannesburg": 2, "cape town": 2, "ghana": 0, "accra": 0,
    "ethiopia": 3, "addis ababa": 3, "morocco": 1, "algeria": 1,
    # Asia and Pacific
    "pakistan": 5, "karachi": 5, "lahore": 5, "islamabad": 5, "india": 5.5, "delhi": 5.5,
    "new delhi": 5.5, "mumbai": 5.5, "bangalore": 5.5, "bangladesh": 6, "dhaka": 6,
    "thailand": 7, "bangkok": 7, "vietnam": 7, "hanoi": 7, "indonesia": 7, "jakarta": 7,
    "china": 8, "beijing": 8, "shanghai": 8, "hong kong": 8, "taiwan": 8, "taipei": 8,
    "singapore": 8, "malaysia": 8, "kuala lumpur": 8, "philippines": 8, "manila": 8,
    "japan": 9, "tokyo": 9, "osaka": 9, "korea": 9, "seoul": 9, "south korea": 9,
    "australia": 10, "sydney": 10, "melbourne": 10, "brisbane": 10, "perth": 8,
    "new zealand": 12, "auckland": 12,
    # Americas
    "usa": -5, "united states": -5, "us": -5, "america": -5,
    "new york": -5, "nyc": -5, "ny": -5, "washington": -5, "dc": -5, "boston": -5,
    "philadelphia": -5, "atlanta": -5, "miami": -5, "florida": -5, "georgia": -5,
    "virginia": -5, "ohio": -5, "michigan": -5, "detroit": -5, "north carolina": -5,
    "pennsylvania": -5, "new jersey": -5, "baltimore": -5, "toronto": -5, "montreal": -5,
    "chicago": -6, "texas": -6, "houston": -6, "dallas": -6, "austin": -6, "san antonio": -6,
    "new orleans": -6, "louisiana": -6, "tennessee": -6, "nashville": -6, "memphis": -6,
    "minnesota": -6, "wisconsin": -6, "missouri": -6, "st. louis": -6, "alabama": -6,
    "kansas": -6, "oklahoma": -6, "mexico": -6, "mexico city": -6,
    "denver": -7, "colorado": -7, "arizona": -7, "phoenix": -7, "utah": -7, "salt lake city": -7,
    "california": -8, "los angeles": -8, "la": -8, "san francisco": -8, "seattle": -8,
    "portland": -8, "oregon": -8, "las vegas": -8, "nevada": -8, "san diego": -8, "vancouver": -8,
    "canada": -5, "brazil": -3, "são paulo": -3, "sao paulo": -3, "rio de janeiro": -3,
    "argentina": -3, "buenos aires": -3, "chile": -4, "santiago": -4, "colombia": -5,
    "bogota": -5, "bogotá": -5, "peru": -5, "lima": -5, "venezuela": -4, "caracas": -4,
}

#: Places whose clocks move forward one hour in (their) summer.
_NO_DST = {"ghana", "accra", "nigeria", "lagos", "abuja", "egypt", "cairo", "south africa",
           "johannesburg", "cape town", "morocco", "algeria", "arizona", "phoenix", "mexico",
           "mexico city", "colombia", "bogota", "bogotá", "peru", "lima"}
DST: frozenset[str] = frozenset(
    {k for k, v in OFFSETS.items() if v in (0, 1, 2, -5, -6, -7, -8) and k not in _NO_DST}
    | {"sydney", "melbourne", "new zealand", "auckland", "chile", "santiago", "iran", "tehran"}
)

_SPLIT = re.compile(r"[,/|;•·\-–—()]+")


@functools.lru_cache(maxsize=1 << 16)  # a pure function of the text; each cluster asks again for its members
def claimed_offset(location: str | None) -> tuple[float | None, str | None]:
    """The standard UTC offset of a free-text profile location, and the name that matched.

    The whole string is tried first, then its comma-separated parts from the last (usually the
    country) to the first; then any known multi-word name inside it. Unknown → ``(None, None)``.
    """
    if not location:
        return None, None
    s = " ".join(location.lower().replace("#", " ").split())
    if s in OFFSETS:
        return OFFSETS[s], s
    parts = [p.strip(" .") for p in _SPLIT.split(s) if p.strip(" .")]
    for p in reversed(parts):
        if p in OFFSETS:
            return OFFSETS[p], p
    for name in sorted(OFFSETS, key=len, reverse=True):
        if len(name) > 3 and re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", s):
            return OFFSETS[name], name
    return None, None
