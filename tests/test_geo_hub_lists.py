"""The geography step on eight raw hub lists it was never tuned on (mednum-cli inputs in ../shared)."""

from collections import Counter

import pytest
import shapely

from lieux.geo.normalise import normalise
from tests.hub_lists import INPUT, LISTS, rows_of

pytestmark = pytest.mark.skipif(not INPUT.is_dir(), reason=f"{INPUT} absent")


@pytest.fixture(scope="module")
def placed(geography):
    rows = [row for name, keys in LISTS.items() for row in rows_of(name, keys)]
    return normalise(rows, geography, {}), geography


def test_98_percent_of_kept_points_in_their_departement(placed):
    result, geography = placed
    kept = [r for r in result.rows if r["_geo"]["qualite_geo"] in ("source", "corrigee")]
    inside = sum(bool(shapely.contains_xy(geography.departement_shapes[r["_geo"]["departement_code"]], r["longitude"], r["latitude"]))
                 for r in kept)
    assert len(kept) > 1200 and inside / len(kept) >= 0.98


def test_gironde_latitudes_in_coord_x_are_swapped_back(placed):
    result, _ = placed
    gironde = [r for r in result.rows if r["_source"] == "gironde"]
    assert Counter(r["_geo"]["qualite_geo"] for r in gironde) == {"corrigee": 347}
    assert all(44 < r["latitude"] < 46 and -2 < r["longitude"] < 1 for r in gironde)


def test_every_lieu_has_a_departement(placed):
    result, _ = placed
    assert [r["_ligne"] for r in result.rows if not r["_geo"]["departement_code"]] == []


def test_ajaccio_cedex_is_in_corse_du_sud(placed):
    # corse.json: "ASEPT Corse chez MSA de la Corse, ..., 20705 AJACCIO CEDEX 9": a CEDEX code above 20200
    result, _ = placed
    [row] = [r for r in result.rows if r["_source"] == "corse" and r["code_postal"] == "20705"]
    assert (row["_geo"]["departement_code"], row["_geo"]["qualite_geo"]) == ("2A", "source")
