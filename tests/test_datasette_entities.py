"""Datasette serves the entity tables with their titles, facets and the column descriptions of their schemas."""

import pytest
from markupsafe import escape

from lieux import schemas
from lieux.merge import LINKED_SCHEMAS
from tests.conftest import requires_reference

pytestmark = requires_reference

ENTITY_TABLES = {
    "structures-conseillers-numeriques": ("structures_conseillers", 905, "Structures accueillant des conseillers numériques",
                                          {"type", "region", "departement_code", "france_services", "zrr", "qpv"}),
    "hubs-territoriaux": ("hubs", 17, "Hubs territoriaux pour un numérique inclusif", {"regions", "departements"}),
    "fabriques-de-territoire": ("fabriques", 382, "Fabriques de Territoire", {"departement_code", "commune"}),
    "services-aptic": ("services_aptic", 129, "Services du pass numérique APTIC", {"categorie", "sous_categorie", "services"}),
}


def test_every_entity_schema_is_checked_here():
    assert set(ENTITY_TABLES) == set(schemas.list_schemas()) - {schemas.LIEUX}


@pytest.mark.asyncio
@pytest.mark.parametrize("schema_name", sorted(ENTITY_TABLES))
async def test_entity_table_is_served_as_json(reference_datasette, schema_name):
    table, count, _, _ = ENTITY_TABLES[schema_name]
    response = await reference_datasette.client.get(f"/lieux/{table}.json?_shape=array&_size=max")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == count
    # The geography step adds each hub's départements and coverage area (lieux.geo.hubs.with_coverage).
    added = {"departements_couverts", "geometry"} if schema_name == "hubs-territoriaux" else set()
    linked = {"lieu_id", "lien_regle"} if schema_name in LINKED_SCHEMAS else set()  # lieux/merge.py
    assert set(rows[0]) == set(schemas.field_names(schema_name)) | {"source"} | added | linked


@pytest.mark.asyncio
@pytest.mark.parametrize("schema_name", sorted(ENTITY_TABLES))
async def test_entity_table_page_shows_schema_descriptions(reference_datasette, schema_name):
    table, _, title, _ = ENTITY_TABLES[schema_name]
    response = await reference_datasette.client.get(f"/lieux/{table}")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>{escape(title)}</h1>" in page
    descriptions = page[page.index('<dl class="column-descriptions">'):]
    descriptions = descriptions[:descriptions.index("</dl>")]
    for field in schemas.load_schema(schema_name)["fields"]:
        expected = escape(f"{field['title']} : {field['description']}")
        assert f"<dt>{field['name']}</dt><dd>{expected}</dd>" in descriptions, field["name"]
    assert "<dt>source</dt><dd>Identifiant de la source (table sources)" in descriptions
    assert "<dt>popup</dt>" not in descriptions  # a lieux-only column


@pytest.mark.asyncio
@pytest.mark.parametrize("schema_name", sorted(ENTITY_TABLES))
async def test_entity_table_metadata_and_facets(reference_datasette, schema_name):
    table, _, title, facets = ENTITY_TABLES[schema_name]
    metadata = reference_datasette.metadata()  # /-/metadata.json is closed on the public instance
    table_metadata = metadata["databases"]["lieux"]["tables"][table]
    assert table_metadata["title"] == title
    assert table_metadata["description"]
    response = await reference_datasette.client.get(f"/lieux/{table}.json?_size=0")
    assert set(response.json()["facet_results"]) == facets


@pytest.mark.asyncio
async def test_hub_array_facet_counts_departements(reference_datasette):
    response = await reference_datasette.client.get("/lieux/hubs.json?_size=0")
    departements = {r["value"]: r["count"] for r in response.json()["facet_results"]["departements"]["results"]}
    assert departements == {"971": 2, "976": 2, "972": 1, "973": 1, "974": 1}


@pytest.mark.asyncio
async def test_aptic_services_filter_by_standard_value(reference_datasette):
    response = await reference_datasette.client.get(
        "/lieux/services_aptic.json?_shape=array&services__arraycontains=Aide aux démarches administratives&_col=numero")
    assert [r["numero"] for r in response.json()] == [72, 84, 85, 86, 87, 88, 89, 90, 92, 93, 94, 95]
