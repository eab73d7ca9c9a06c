"""Properties of the placement, whatever the coordinates a source gives."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lieux.geo import QUALITES
from lieux.geo.areas import DepartementLocator
from lieux.geo.normalise import PRECISES, place

ADDRESSES = [
    {"code_insee": "33063", "code_postal": "33000", "commune": "Bordeaux"},
    {"code_insee": None, "code_postal": "97470", "commune": "Saint-Benoît"},
    {"code_insee": "2A004", "code_postal": "20000", "commune": "Ajaccio"},
    {"code_insee": None, "code_postal": "75015", "commune": "PARIS 15"},
    {"code_insee": None, "code_postal": "99999", "commune": "Atlantide"},
]
coordinate = st.one_of(
    st.none(), st.just(0.0), st.floats(-200, 200), st.floats(-1e7, 1e7),
    st.sampled_from([44.8377, -0.5845, 55.6493, -21.09189, 41.9192, 8.7369, 416822.6, 6421821.2]),
)


@pytest.fixture(scope="module")
def locator(geography):
    return DepartementLocator(geography.departement_shapes)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=st.sampled_from(ADDRESSES), lat=coordinate, lon=coordinate, crs=st.sampled_from(["EPSG:4326", "EPSG:2154", "EPSG:2975"]))
def test_a_placed_point_is_in_france_or_absent(geography, locator, address, lat, lon, crs):
    row = {**address, "latitude": lat, "longitude": lon}
    p = place(row, geography, locator, crs)
    q = p.geo["qualite_geo"]
    assert q in QUALITES and p.geo["qualite_geo_motif"]
    new_lat, new_lon = p.values.get("latitude", lat), p.values.get("longitude", lon)
    if q == "absente":
        assert new_lat is None and new_lon is None
    else:
        assert new_lat is not None and new_lon is not None and (new_lat, new_lon) != (0, 0)
        assert locator.locate(new_lon, new_lat) is not None
    if q in PRECISES:
        assert locator.contains(p.geo["departement_code"], new_lon, new_lat)
    if address["commune"] != "Atlantide":
        assert p.geo["departement_code"]
