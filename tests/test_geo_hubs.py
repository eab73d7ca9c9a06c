"""Hub coverage on the real 2024 hubs list (hubs.json, read directly from ../shared)."""

import json

import pytest
from shapely.geometry import Point, shape

from lieux.geo.hubs import hub_departements, hubs_by_departement, region_codes, with_coverage
from tests.conftest import REFERENCE

HUBS_JSON = REFERENCE / "anct-cnum-api-conseiller-numerique" / "data" / "imports" / "hubs.json"


@pytest.fixture(scope="module")
def hubs():
    """hubs.json in the shape of the hubs-territoriaux table: nom, regions, departements (JSON text)."""
    if not HUBS_JSON.exists():
        pytest.skip(f"{HUBS_JSON} absent")
    return [{"id": str(i), "nom": h["name"], "regions": json.dumps(h.get("region_names", []), ensure_ascii=False),
             "departements": json.dumps(h.get("departements", []))} for i, h in enumerate(json.loads(HUBS_JSON.read_text()), 1)]


def test_971_and_976_have_two_hubs(hubs, geography):
    by_departement = hubs_by_departement(hubs, geography)
    assert by_departement["971"] == ["Hub UltraNumérique", "Mednum Antilles"]
    assert by_departement["976"] == ["Hub UltraNumérique", "Solidarnum"]
    assert by_departement["973"] == ["Guyaclic"]


def test_every_departement_has_a_hub_in_2024(hubs, geography):
    by_departement = hubs_by_departement(hubs, geography)
    assert set(geography.departement_shapes) <= set(by_departement)
    assert sum(len(v) > 1 for v in by_departement.values()) == 2


@pytest.mark.parametrize("nom, expected", [
    ("Francil-in", ["75", "77", "78", "91", "92", "93", "94", "95"]),
    ("Hub Corse", ["2A", "2B"]),
    ("Solidarnum", ["974", "976"]),
])
def test_hub_departements(hubs, geography, nom, expected):
    [hub] = [h for h in hubs if h["nom"] == nom]
    assert hub_departements(hub, geography) == expected


def test_region_names_are_matched_loosely(geography):
    assert region_codes(["Provence-Alpes-Côte d'Azur", "ILE DE FRANCE", "84"], geography) == ["93", "11", "84"]
    with pytest.raises(ValueError, match="inconnue"):
        region_codes(["Atlantide"], geography)


def test_coverage_area_is_the_union_of_departements(hubs, geography):
    rows = {r["nom"]: r for r in with_coverage(hubs, geography)}
    area = shape(json.loads(rows["Hub Bretagne"]["geometry"]))
    assert area.is_valid and area.contains(Point(-1.6778, 48.1173))        # Rennes
    assert not area.contains(Point(-1.5536, 47.2184))                      # Nantes is CONUMM's
    assert json.loads(rows["Hub Bretagne"]["departements_couverts"]) == ["22", "29", "35", "56"]
    antilles = shape(json.loads(rows["Mednum Antilles"]["geometry"]))
    assert antilles.contains(Point(-61.0588, 14.6161)) and antilles.contains(Point(-61.5331, 16.2411))  # Fort-de-France, Pointe-à-Pitre
