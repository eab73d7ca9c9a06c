"""The geography step on fifteen raw hub and local lists it was never tuned on (../shared)."""

from collections import Counter

import pytest
import shapely

from lieux.geo.normalise import PRECISES, normalise
from tests.hub_lists import AIDANTS_CONNECT, INPUT, LISTS, rows_of

pytestmark = pytest.mark.skipif(not (INPUT.is_dir() and AIDANTS_CONNECT.is_dir()), reason=f"{INPUT} absent")


@pytest.fixture(scope="module")
def placed(geography):
    rows = [row for name, keys in LISTS.items() for row in rows_of(name, keys)]
    return normalise(rows, geography, {}), geography


def test_98_percent_of_kept_points_in_their_departement(placed):
    result, geography = placed
    kept = [r for r in result.rows if r["_geo"]["qualite_geo"] in PRECISES]
    inside = sum(bool(shapely.contains_xy(geography.departement_shapes[r["_geo"]["departement_code"]], r["longitude"], r["latitude"]))
                 for r in kept)
    assert len(kept) > 4000 and inside / len(kept) >= 0.98


@pytest.mark.parametrize("name, count", [("gironde", 347), ("hubik-gironde", 219)])
def test_gironde_latitudes_in_coord_x_are_swapped_back(placed, name, count):
    result, _ = placed
    gironde = [r for r in result.rows if r["_source"] == name]
    counts = Counter(r["_geo"]["qualite_geo"] for r in gironde)
    # every point is swapped back; the few that then lie kilometres from their commune go to its centre
    assert set(counts) <= {"corrigee-inversion", "centre_commune"} and counts["corrigee-inversion"] >= count - 3
    assert all("de la commune" in r["_geo"]["qualite_geo_motif"] for r in gironde if r["_geo"]["qualite_geo"] == "centre_commune")
    assert all(44 < r["latitude"] < 46 and -2 < r["longitude"] < 1 for r in gironde)


def test_decimal_commas_and_four_digit_codes(placed):
    result, _ = placed
    # siilab-hdf_export.csv: "Latitude": "49,912065"; espaces_numeriques_en_auvergne.csv: "Code Insee": "3190"
    counts = Counter(r["_geo"]["qualite_geo"] for r in result.rows if r["_source"] == "les-assembleurs")
    assert set(counts) == {"source", "centre_commune"} and counts["source"] >= 1240   # 9 points kilometres from their commune
    moulins = [r for r in result.rows if r["_source"] == "auvergne-epn" and r["code_insee"] == "03190"]
    assert moulins and all(r["_geo"]["departement_code"] == "03" for r in moulins)


def test_every_lieu_with_an_address_has_a_departement(placed):
    result, _ = placed
    # Only hinaura's blank rows (no address, no point) are left without one; validation rejects them upstream.
    assert {(r["_source"], r["commune"]) for r in result.rows if not r["_geo"]["departement_code"]} == {("hinaura", "")}


def test_ajaccio_cedex_is_in_corse_du_sud(placed):
    # corse.json: "ASEPT Corse chez MSA de la Corse, ..., 20705 AJACCIO CEDEX 9": a CEDEX code above 20200
    result, _ = placed
    [row] = [r for r in result.rows if r["_source"] == "corse" and r["code_postal"] == "20705"]
    assert (row["_geo"]["departement_code"], row["_geo"]["qualite_geo"]) == ("2A", "source")
