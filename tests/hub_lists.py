"""Raw hub and local lists of ../shared as rows of the standard, the way a descriptor would map them.

Decimal commas are read and 4-digit codes padded (what lieux.transforms does upstream), so that the
geography step can be measured alone on lists it was never tuned on (tests/test_geo_hub_lists.py,
bench/geo_hub_lists.py). Coordinates are mapped by their column's name: "Coord. X" / "X" to longitude.
"""

from __future__ import annotations

import csv
import json
import re

from tests.conftest import REFERENCE

MEDNUM_CLI = REFERENCE / "cartographie-nationale-mednum-cli" / "assets" / "input"
AIDANTS_CONNECT = REFERENCE / "aidants-connect-carto" / "data"
INPUT = MEDNUM_CLI

# list -> (file, commune, postcode (or an address holding it), insee, latitude, longitude)
LISTS = {
    "aix-en-provence": (MEDNUM_CLI / "aix-en-provence/aix-en-provence.json", "commune", "code_postal", "code_insee", "latitude", "longitude"),
    "angers": (MEDNUM_CLI / "angers/angers.json", "commune", "code_postal", None, "LAT", "LNG"),
    "corse": (MEDNUM_CLI / "corse/corse.json", None, "Adresse", None, "lat", "long"),
    "etapes-numerique": (MEDNUM_CLI / "etapes-numerique/etapes-numerique.json", "Commune", "Code postal", "Code INSEE", "latitude", "longitude"),
    "fibre-64": (MEDNUM_CLI / "fibre-64/fibre-64.json", "Ville", "Codepostal", None, "latitude", "longitude"),
    "gironde": (MEDNUM_CLI / "gironde/gironde.json", "Commune", "Adresse postale", None, "Coord. Y", "Coord. X"),  # X holds latitudes
    "hub-lo": (MEDNUM_CLI / "hub-lo/hub-lo.json", "c_city", "c_postcode", None, "c_lat_coor1", "c_long_coor1"),
    "la-creuse": (MEDNUM_CLI / "la-creuse/la-creuse.json", "commune", "code_postal", None, "latitude", "longitude"),
    "mednum-bfc": (AIDANTS_CONNECT / "hub/hub_mednum_bfc/2020-07-09_BFC-TERNUM_export.csv", "ville", "code_postal", None, "lat", "lon"),
    "les-assembleurs": (AIDANTS_CONNECT / "hub/hub_les_assembleurs/siilab-hdf_export.csv", "Commune", "CP", None, "Latitude", "Longitude"),
    "hinaura": (AIDANTS_CONNECT / "hub/hub_hinaura/092020_test_bdd_Hinaura.csv", "Ville", "Code postal", None, "bf_latitude *", "bf_longitude *"),
    "hubik-gironde": (AIDANTS_CONNECT / "hub/hub_hubik/gironde/Cartographies departements - Gironde.csv", "Commune", "Adresse postale", None, "Coord. Y", "Coord. X"),
    "france-services-2020": (AIDANTS_CONNECT / "national/france_services/france_services_cget-carto.csv", "COMMUNE", "code_postal", "insee_com", "latitude", "longitude"),
    "auvergne-epn": (AIDANTS_CONNECT / "region/region_auvergne/espaces_numeriques/espaces_numeriques_en_auvergne.csv", "Commune", "Code postal", "Code Insee", "Latitude", "Longitude"),
    "corse-epn": (AIDANTS_CONNECT / "region/region_corse/epn/carte-des-epn-de-corse.csv", "commune", "code_post", None, "Y", "X"),
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


def read_records(path):
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    return list(csv.DictReader(text.splitlines(), delimiter=";" if first.count(";") > first.count(",") else ","))


def rows_of(name, spec):
    path, commune, cp, insee, lat, lon = spec
    for i, r in enumerate(read_records(path), 2):
        postcode = code(r.get(cp)) if cp else None
        if postcode and not re.fullmatch(r"\d{5}", postcode):  # "Mairie de Corscia 20224 CORSCIA"
            found = re.findall(r"\b(\d{5})\b", postcode)
            postcode = found[-1] if found else None
        yield {"_source": name, "_ligne": i, "commune": r.get(commune) if commune else None, "code_postal": postcode,
               "code_insee": code(r.get(insee)) if insee else None, "latitude": number(r.get(lat)), "longitude": number(r.get(lon))}
