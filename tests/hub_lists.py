"""The raw hub lists of ../shared (mednum-cli inputs) as rows of the standard, the way a descriptor would map them.

Decimal commas are read and 4-digit postcodes padded (what lieux.transforms does upstream), so the
geography step can be measured alone on lists it was never tuned on (tests/test_geo_hub_lists.py,
bench/geo_hub_lists.py).
"""

from __future__ import annotations

import json
import re

from tests.conftest import REFERENCE

INPUT = REFERENCE / "cartographie-nationale-mednum-cli" / "assets" / "input"

# list -> (commune, postcode, insee, latitude, longitude): keys of each raw list (postcode may be found in an address)
LISTS = {
    "aix-en-provence": ("commune", "code_postal", "code_insee", "latitude", "longitude"),
    "angers": ("commune", "code_postal", None, "LAT", "LNG"),
    "corse": (None, "Adresse", None, "lat", "long"),
    "etapes-numerique": ("Commune", "Code postal", "Code INSEE", "latitude", "longitude"),
    "fibre-64": ("Ville", "Codepostal", None, "latitude", "longitude"),
    "gironde": ("Commune", "Adresse postale", None, "Coord. Y", "Coord. X"),   # as mapped by name: X holds latitudes
    "hub-lo": ("c_city", "c_postcode", None, "c_lat_coor1", "c_long_coor1"),
    "la-creuse": ("commune", "code_postal", None, "latitude", "longitude"),
}


def number(value):
    if value in (None, "", "null"):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def code(value, length=5):
    if value in (None, ""):
        return None
    value = str(value).strip()
    return value.zfill(length) if value.isdigit() and len(value) == length - 1 else value


def rows_of(name, keys):
    commune, cp, insee, lat, lon = keys
    records = json.loads((INPUT / name / f"{name}.json").read_text(encoding="utf-8"))
    for i, r in enumerate(records, 2):
        postcode = code(r.get(cp)) if cp else None
        if postcode and not re.fullmatch(r"\d{5}", postcode):  # "Mairie de Corscia 20224 CORSCIA"
            m = re.findall(r"\b(\d{5})\b", postcode)
            postcode = m[-1] if m else None
        yield {"_source": name, "_ligne": i, "commune": r.get(commune) if commune else None, "code_postal": postcode,
               "code_insee": code(r.get(insee)) if insee else None, "latitude": number(r.get(lat)), "longitude": number(r.get(lon))}
