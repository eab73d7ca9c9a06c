"""The Datasette site on the demo database: tables, facets, column descriptions from the schemas, map, demo label."""

import json

import pytest

from lieux import schemas


@pytest.mark.asyncio
async def test_lieux_table_serves_the_demo_rows(demo_datasette):
    r = await demo_datasette.client.get("/lieux/lieux.json?_shape=array&_size=max")
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 50
    assert {"id", "nom", "latitude", "longitude", "services", "departement_code"} <= set(rows[0])
    assert json.loads(next(row for row in rows if row["id"] == "demo-001")["services"])[0] == "Aide aux démarches administratives"


@pytest.mark.asyncio
async def test_array_facets_on_multi_valued_fields(demo_datasette):
    r = await demo_datasette.client.get("/lieux/lieux.json?_facet_array=services&_size=0")
    facet = r.json()["facet_results"]["services"]
    values = {v["value"] for v in facet["results"]}
    assert "Accès internet et matériel informatique" in values
    html = (await demo_datasette.client.get("/lieux/lieux")).text
    for facet_name in ("departement_code", "services", "dispositif_programmes_nationaux", "publics_specifiquement_adresses", "frais_a_charge"):
        assert f'data-column="{facet_name}"' in html


@pytest.mark.asyncio
async def test_column_descriptions_come_from_the_schema(demo_datasette):
    metadata = demo_datasette.metadata()  # /-/metadata.json is closed on the public instance
    # get_metadata plugins are merged into what Datasette uses for the table page
    html = (await demo_datasette.client.get("/lieux/lieux")).text
    code_postal = next(f for f in schemas.load_schema(schemas.LIEUX)["fields"] if f["name"] == "code_postal")
    assert code_postal["description"][:40] in html
    assert metadata["title"] == "Annuaire des lieux de médiation numérique"


@pytest.mark.asyncio
async def test_cluster_map_on_lieux_only(demo_datasette):
    lieux = (await demo_datasette.client.get("/lieux/lieux")).text
    assert "datasette-cluster-map.js" in lieux
    assert "tile.openstreetmap.org" in lieux
    sources = (await demo_datasette.client.get("/lieux/sources")).text
    assert "datasette-cluster-map.js" not in sources


@pytest.mark.asyncio
async def test_map_popup_has_name_address_and_row_link(demo_datasette):
    rows = (await demo_datasette.client.get("/lieux/lieux.json?_shape=array&id=demo-001")).json()
    popup = json.loads(rows[0]["popup"])
    assert popup["title"] == "Médiathèque démo n°1 (Paris)"
    assert "75011 Paris" in popup["description"]
    assert popup["link"] == "/lieux/lieux/demo-001"
    assert (await demo_datasette.client.get(popup["link"])).status_code == 200


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/lieux", "/lieux/lieux", "/lieux/rejets", "/lieux/sources"])
async def test_demo_data_is_labelled_on_every_page(demo_datasette, path):
    r = await demo_datasette.client.get(path)
    assert r.status_code == 200
    assert "Données de démonstration" in r.text


@pytest.mark.asyncio
async def test_rejected_rows_are_browsable_with_their_reason(demo_datasette):
    rows = (await demo_datasette.client.get("/lieux/rejets.json?_shape=array")).json()
    assert {r["champ"] for r in rows} == {"code_postal", "nom", "services"}
    assert any("5 chiffres attendus" in r["message"] for r in rows)


@pytest.mark.asyncio
async def test_sources_table_counts(demo_datasette):
    [row] = (await demo_datasette.client.get("/lieux/sources.json?_shape=array")).json()
    assert (row["lignes_lues"], row["lignes_chargees"], row["lignes_rejetees"], row["demo"]) == (52, 50, 2, 1)
    assert row["sha256"] and row["licence"] == "Licence Ouverte 2.0"
