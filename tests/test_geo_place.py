"""Placing one lieu: which point is kept, corrected or replaced, and the qualite_geo it gets.

These cases check points against their département (the geography without commune outlines, as when the contours
file is absent or a commune has none); tests/test_geo_communes.py checks them against their commune.
"""

import dataclasses

import pytest

from lieux.geo.areas import DepartementLocator
from lieux.geo.normalise import normalise, place, place_without_reference

BORDEAUX = {"code_insee": "33063", "code_postal": "33000", "commune": "Bordeaux"}   # cnfs.json record 999


@pytest.fixture(scope="module")
def locator(geography):
    return DepartementLocator(geography.departement_shapes)


@pytest.fixture(scope="module")
def departements_only(geography):
    return dataclasses.replace(geography, outlines=None)


def lieu(lat, lon, **address):
    return {**(address or BORDEAUX), "latitude": lat, "longitude": lon, "_source": "test", "_ligne": 2}


@pytest.mark.parametrize("row, crs, qualite, lat, lon, words", [
    (lieu(44.8377, -0.5845), "EPSG:4326", "source", 44.8377, -0.5845, "dans son département"),
    (lieu(-0.5845, 44.8377), "EPSG:4326", "corrigee-inversion", 44.8377, -0.5845, "inversées"),
    (lieu(6421821.2, 416822.6), "EPSG:2154", "source", 44.8377, -0.5845, "Lambert-93"),
    (lieu(416822.6, 6421821.2), "EPSG:2154", "corrigee-inversion", 44.8377, -0.5845, "inversés"),          # Gironde's Coord. X / Y
    (lieu(6421821.2, 416822.6), "EPSG:4326", "corrigee-projection", 44.8377, -0.5845, "non déclarées"),
    (lieu(0, 0), "EPSG:4326", "centre_commune", 44.85756, -0.5734, "nulles"),
    (lieu(None, None), "EPSG:4326", "centre_commune", 44.85756, -0.5734, "absentes"),
    (lieu(43.52609, 5.41423), "EPSG:4326", "centre_commune", 44.85756, -0.5734, "km"),          # Marseille, 500 km away
    (lieu(44.4836, -1.0752), "EPSG:4326", "hors_departement", 44.4836, -1.0752, "40"),            # Sanguinet, Landes, next door
    (lieu(-21.09189, 55.6493, code_insee="97410", code_postal="97470", commune="Saint-Benoît"), "EPSG:2975", "corrigee-projection",
     -21.09189, 55.6493, "WGS84"),    # WGS84 values in a list declared in the Réunion projection
    (lieu(543449.1, 357799.4, code_insee="97309", code_postal="97354", commune="Remire-Montjoly"), "EPSG:2972", "source",
     4.9154, -52.2825, "UTM 22N"),
    (lieu(0, 0, code_insee=None, code_postal="99999", commune="Atlantide"), "EPSG:4326", "absente", None, None, "aucun point"),
])
def test_place(departements_only, locator, row, crs, qualite, lat, lon, words):
    p = place(row, departements_only, locator, crs)
    assert p.geo["qualite_geo"] == qualite, p.geo
    assert words in p.geo["qualite_geo_motif"]
    got_lat, got_lon = p.values.get("latitude", row["latitude"]), p.values.get("longitude", row["longitude"])
    assert got_lat == (pytest.approx(lat, abs=1e-4) if lat is not None else None)
    assert got_lon == (pytest.approx(lon, abs=1e-4) if lon is not None else None)


def test_place_gives_departement_and_region_names(geography, locator):
    p = place(lieu(-21.09189, 55.6493, code_insee="04174", code_postal="97470", commune="Saint-Benoît"), geography, locator, "EPSG:4326")
    assert p.geo | {"qualite_geo_motif": None} == {
        "departement_code": "974", "departement_nom": "La Réunion", "region_code": "04", "region_nom": "La Réunion",
        "qualite_geo": "source", "qualite_geo_motif": None}
    assert p.values["code_insee"] == "97410"


def test_unknown_address_takes_the_departement_of_its_point(departements_only, locator):
    p = place(lieu(42.70, 9.45, code_insee=None, code_postal="99999", commune="Atlantide"), departements_only, locator, "EPSG:4326")
    assert (p.geo["departement_code"], p.geo["qualite_geo"]) == ("2B", "source")


@pytest.mark.parametrize("row, qualite, cleared", [
    (lieu(44.8377, -0.5845), "non_verifiee", False),
    (lieu(0, 0), "absente", True),
    (lieu(95.0, 400.0), "absente", True),
    (lieu(None, None), "absente", False),
])
def test_without_reference(row, qualite, cleared):
    p = place_without_reference(row, "EPSG:4326")
    assert p.geo["qualite_geo"] == qualite and p.geo["departement_code"] == "33"
    assert ("latitude" in p.values and p.values["latitude"] is None) is cleared


def test_every_change_is_a_correction(geography):
    rows = [lieu(-0.5845, 44.8377), lieu(44.8377, -0.5845), lieu(0, 0)]
    result = normalise(rows, geography, {"test": "EPSG:4326"})
    changed = {(c.ligne, c.champ, c.valeur_source, c.valeur_retenue) for c in result.corrections}
    assert changed == {(2, "latitude", -0.5845, 44.8377), (2, "longitude", 44.8377, -0.5845),
                       (2, "latitude", 0, 44.85756), (2, "longitude", 0, -0.5734)}
    assert result.summary["test"]["corrigee-inversion"] == 1 and result.summary["test"]["source"] == 1
    assert result.summary["test"]["centre_commune"] == 1
    assert rows[0]["latitude"] == -0.5845, "the input rows are not modified"
