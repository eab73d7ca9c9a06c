"""Projections to WGS84 and the candidate points tried for a misplaced lieu."""

import pytest

from lieux.geo.areas import DepartementLocator
from lieux.geo.coordinates import candidates, is_wgs84, is_zero, to_wgs84

# Real lieux of the reference lists (cnfs.json), projected by hand into each legal system.
CASES = [
    # crs, x, y, département, WGS84 (lon, lat) of the lieu
    ("EPSG:2154", 416822.6, 6421821.2, "33", (-0.5845, 44.8377)),      # Bordeaux
    ("EPSG:5490", 635968.4, 1768587.6, "971", (-61.7293, 15.9931)),    # Basse-Terre
    ("EPSG:2972", 357799.4, 543449.1, "973", (-52.2825, 4.9154)),      # Remire-Montjoly
    ("EPSG:2975", 359699.8, 7667087.4, "974", (55.6493, -21.09189)),   # Saint-Benoît
    ("EPSG:4471", 525071.7, 8586949.6, "976", (45.231, -12.7821)),     # Mamoudzou
]


@pytest.fixture(scope="module")
def locator(geography):
    return DepartementLocator(geography.departement_shapes)


@pytest.mark.parametrize("crs, x, y, departement, expected", CASES)
def test_to_wgs84_lands_in_the_departement(locator, crs, x, y, departement, expected):
    lon, lat = to_wgs84(x, y, crs)
    assert lon == pytest.approx(expected[0], abs=1e-4) and lat == pytest.approx(expected[1], abs=1e-4)
    assert locator.locate(lon, lat) == departement


@pytest.mark.parametrize("crs, x, y, departement, expected", CASES)
def test_undeclared_projection_is_a_candidate(locator, crs, x, y, departement, expected):
    """A list declared in WGS84 that holds projected values: the right projection is among the candidates."""
    found = [c for c in candidates(x, y, "EPSG:4326", departement) if locator.contains(departement, c.lon, c.lat)]
    assert found and found[0].corrige and "non déclarées" in found[0].motif


def test_swapped_latitude_longitude_is_the_second_candidate():
    first, second = candidates(44.8377, -0.5845, "EPSG:4326", "33")[:2]
    assert (first.lon, first.lat) == (44.8377, -0.5845) and first.motif is None
    assert (second.lon, second.lat) == (-0.5845, 44.8377) and "inversées" in second.motif


@pytest.mark.parametrize("lon, lat, expected", [(0, 0, True), (0.0, 45.1, True), (2.35, 48.85, False)])
def test_is_zero(lon, lat, expected):
    assert is_zero(lon, lat) is expected


@pytest.mark.parametrize("lon, lat, expected", [(2.35, 48.85, True), (416822.6, 6421821.2, False), (10, 95, False), (-181, 0, False)])
def test_is_wgs84(lon, lat, expected):
    assert is_wgs84(lon, lat) is expected


@pytest.mark.parametrize("lon, lat, expected", [
    (-0.5845, 44.8377, "33"),     # Bordeaux
    (9.45, 42.70, "2B"),          # Bastia
    (8.74, 41.93, "2A"),          # Ajaccio
    (-56.18, 46.78, "975"),       # Saint-Pierre (no polygon: bounds)
    (-1.5, 46.0, None),           # the Atlantic, off Vendée
    (0, 0, None),
    (4.9678, 46.4414, "01"),      # where a Guyane lieu was geocoded (cnfs.json, Saint-Georges)
])
def test_locate(locator, lon, lat, expected):
    assert locator.locate(lon, lat) == expected


def test_tolerance_keeps_a_point_just_outside_the_polygon(locator):
    # Paris's westernmost vertex is (2.22422, 48.85352): 0.005° (~370 m) beyond it is within the tolerance, 0.05° is not.
    assert locator.contains("75", 2.22422 - 0.005, 48.85352)
    assert not locator.contains("75", 2.22422 - 0.05, 48.85352)



def test_overseas_point_in_a_list_declared_in_lambert_93(locator):
    # Saint-Benoît (974) in UTM 40S, in a list whose descriptor says EPSG:2154
    found = [c for c in candidates(359699.8, 7667087.4, "EPSG:2154", "974") if locator.contains("974", c.lon, c.lat)]
    assert found and "UTM 40S" in found[0].motif and found[0].corrige
