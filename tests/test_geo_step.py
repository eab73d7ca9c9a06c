"""The build's hook: hub rows of the hubs-territoriaux schema get their coverage, and each lieu its hub."""

import json
from types import SimpleNamespace

from lieux.geo import HUBS_SCHEMA, Prepared, step


def processed_with(rows_by_schema, source_id="liste", crs="EPSG:4326"):
    descriptor = SimpleNamespace(id=source_id, crs=crs)
    result = SimpleNamespace(rows=rows_by_schema, corrections=[])
    return [(SimpleNamespace(descriptor=descriptor), result)]


def test_step_wires_hubs_and_lieux(geography):
    hubs = [{"id": "1", "nom": "Hub UltraNumérique", "regions": "[]", "departements": '["971", "976"]'},
            {"id": "2", "nom": "Mednum Antilles", "regions": "[]", "departements": '["971", "972"]'},
            {"id": "3", "nom": "Hubik", "regions": '["Nouvelle-Aquitaine"]', "departements": "[]"}]
    lieux = [{"_source": "lieux", "_ligne": 2, "code_insee": "97105", "code_postal": "97100", "commune": "Basse-Terre",
              "latitude": 15.9931, "longitude": -61.7293},
             {"_source": "lieux", "_ligne": 3, "code_insee": "33063", "code_postal": "33000", "commune": "Bordeaux",
              "latitude": 44.8377, "longitude": -0.5845}]
    processed = processed_with({HUBS_SCHEMA: hubs}, "hubs-territoriaux") + processed_with({}, "lieux", "EPSG:4326")
    result = step(processed, lieux, Prepared(geography, {}, None))
    assert [r["_geo"]["hub"] for r in result.rows] == ["Hub UltraNumérique | Mednum Antilles", "Hubik"]
    enriched = processed[0][1].rows[HUBS_SCHEMA]
    assert json.loads(enriched[2]["departements_couverts"]) == ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"]
    assert json.loads(enriched[0]["geometry"])["type"] == "MultiPolygon"


def test_step_without_reference_keeps_hub_rows(geography):
    hubs = [{"id": "1", "nom": "Hub Corse", "regions": '["Corse"]', "departements": "[]"}]
    processed = processed_with({HUBS_SCHEMA: hubs}, "hubs-territoriaux")
    result = step(processed, [], Prepared(None, {}, "absent"))
    assert result.rows == [] and processed[0][1].rows[HUBS_SCHEMA] == hubs


def test_an_unknown_crs_stops_the_build_with_a_clear_message(geography):
    import pytest

    with pytest.raises(ValueError, match="système de coordonnées « EPSG:9999999 » inconnu"):
        step(processed_with({}, "liste", "EPSG:9999999"), [], Prepared(geography, {}, None))
