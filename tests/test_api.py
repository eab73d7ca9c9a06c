"""The JSON API through the in-process Datasette client: answers, filters, errors, CORS, OpenAPI, docs page."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote, urlencode

import pytest

from lieux import nearest, openapi, schemas

FIELDS = schemas.field_names(schemas.LIEUX)
# What every lieu carries besides the standard's fields (DESIGN.md, "Interfaces that the next round relies on").
ADDED = {"qualite_geo", "position_approximative", "ouvert_maintenant", "jour_ferie"}


async def get(ds, path, **params):
    query = urlencode(params, doseq=True)
    return await ds.client.get(path + ("?" + query if query else ""))


@pytest.mark.asyncio
async def test_proches_by_coordinates_equals_nearest(demo_datasette, demo_db):
    r = await get(demo_datasette, "/api/proches", lat=45.19, lon=5.72, n=7)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["nombre"] == 7 and len(body["lieux"]) == 7
    assert body["centre"] == {"latitude": 45.19, "longitude": 5.72, "libelle": "position donnée"}
    conn = sqlite3.connect(demo_db)
    expected = nearest.nearest(conn, 45.19, 5.72, n=7)
    conn.close()
    assert [l["id"] for l in body["lieux"]] == [e["id"] for e in expected]
    assert [l["distance_km"] for l in body["lieux"]] == [e["distance_km"] for e in expected]
    first = body["lieux"][0]
    assert list(first)[:len(FIELDS)] == FIELDS
    assert set(first) == set(FIELDS) | ADDED | {"distance_km", "eloigne", "territoire", "distance_libelle"}
    assert isinstance(first["services"], list)
    assert "popup" not in first and "sources" not in first


@pytest.mark.asyncio
@pytest.mark.parametrize("params,label", [
    ({"code_postal": "38000"}, "Grenoble (38000)"),
    ({"commune": "grenoble"}, "Grenoble"),
    ({"q": "3 rue Félix Poulat, 38000 Grenoble"}, "Grenoble (38000)"),
    ({"q": "Fort-de-France"}, "Fort-de-France"),
])
async def test_proches_by_place(demo_datasette, params, label):
    r = await get(demo_datasette, "/api/proches", n=3, **params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["centre"]["libelle"] == label
    commune = label.split(" (")[0]
    assert body["lieux"][0]["commune"] == commune
    assert [l["distance_km"] for l in body["lieux"]] == sorted(l["distance_km"] for l in body["lieux"])


@pytest.mark.asyncio
async def test_filters_repeated_or_piped_are_the_same(demo_datasette):
    services = ["Aide aux démarches administratives", "Loisirs et créations numériques"]
    repeated = (await get(demo_datasette, "/api/proches", lat=46.5, lon=2.5, n=50, services=services,
                          frais_a_charge="Gratuit")).json()
    piped = (await get(demo_datasette, "/api/proches", lat=46.5, lon=2.5, n=50, services="|".join(services),
                       frais_a_charge="Gratuit")).json()
    assert repeated == piped
    assert repeated["lieux"]
    for lieu in repeated["lieux"]:
        assert set(lieu["services"]) & set(services)
        assert "Gratuit" in lieu["frais_a_charge"]
    everything = (await get(demo_datasette, "/api/proches", lat=46.5, lon=2.5, n=50)).json()
    assert len(repeated["lieux"]) < len(everything["lieux"])


@pytest.mark.asyncio
async def test_open_now_and_radius(demo_datasette):
    body = (await get(demo_datasette, "/api/proches", lat=46.5, lon=2.5, n=100, ouvert="maintenant")).json()
    assert all(l["ouvert_maintenant"] is True for l in body["lieux"])
    body = (await get(demo_datasette, "/api/proches", lat=45.75, lon=4.85, n=100, rayon_km=120)).json()
    assert body["rayon_km"] == 120
    assert body["lieux"] and all(l["distance_km"] <= 120 for l in body["lieux"])
    assert {l["commune"] for l in body["lieux"]} <= {"Lyon", "Grenoble", "Bourg-en-Bresse"}


@pytest.mark.asyncio
async def test_geojson(demo_datasette):
    r = await get(demo_datasette, "/api/proches", code_postal="97300", n=2, format="geojson")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 2
    f = body["features"][0]
    assert f["geometry"]["coordinates"] == [f["properties"]["longitude"], f["properties"]["latitude"]]
    assert f["properties"]["commune"] == "Cayenne" and "distance_km" in f["properties"]


@pytest.mark.asyncio
@pytest.mark.parametrize("params,fragment", [
    ({}, "Indiquez où chercher"),
    ({"lat": "45"}, "lat et lon ensemble"),
    ({"lat": "abc", "lon": "5"}, "« lat » doit être un nombre"),
    ({"lat": "91", "lon": "5"}, "au plus 90"),
    ({"lat": "nan", "lon": "5"}, "« lat »"),
    ({"lat": "45", "lon": "5", "n": "0"}, "entre 1 et 100"),
    ({"lat": "45", "lon": "5", "n": "101"}, "entre 1 et 100"),
    ({"lat": "45", "lon": "5", "n": "2.5"}, "nombre entier"),
    ({"lat": "45", "lon": "5", "rayon_km": "0"}, "strictement supérieur à 0"),
    ({"lat": "45", "lon": "5", "rayon_km": "5000"}, "au plus 1000"),
    ({"lat": "45", "lon": "5", "ouvert": "demain"}, "AAAA-MM-JJTHH:MM"),
    ({"lat": "45", "lon": "5", "ouvert": "2026-12-25"}, "AAAA-MM-JJTHH:MM"),
    ({"lat": "45", "lon": "5", "ouvert": "25/12/2026 10:00"}, "AAAA-MM-JJTHH:MM"),
    ({"lat": "45", "lon": "5", "ouvert": "2026-02-30T10:00"}, "n'est pas une date et une heure qui existent"),
    ({"lat": "45", "lon": "5", "ouvert": "2026-12-25T24:00"}, "n'est pas une date et une heure qui existent"),
    ({"lat": "45", "lon": "5", "ouvert": "0000-01-01T10:00"}, "n'est pas une date"),
    ({"lat": "45", "lon": "5", "ouvert": "3000-01-01T10:00"}, "l'année doit être comprise"),
    ({"lat": "45", "lon": "5", "format": "xml"}, "geojson"),
    ({"lat": "45", "lon": "5", "services": "Cuisine"}, "Valeurs possibles : Aide aux démarches administratives"),
    ({"lat": "45", "lon": "5", "frais_a_charge": ""}, "valeur vide"),
    ({"code_postal": "3800"}, "cinq chiffres"),
    ({"commune": "x" * 201}, "au plus 200"),
    ({"lat": ["45", "46"], "lon": "5"}, "une seule fois"),
])
async def test_bad_parameters_answer_400_in_french(demo_datasette, params, fragment):
    r = await get(demo_datasette, "/api/proches", **params)
    assert r.status_code == 400
    assert r.headers["access-control-allow-origin"] == "*"
    assert fragment in r.json()["erreur"]


@pytest.mark.asyncio
async def test_unknown_place_answers_404(demo_datasette):
    r = await get(demo_datasette, "/api/proches", commune="Nulle-Part-sur-Mer")
    assert r.status_code == 404
    assert "introuvable" in r.json()["erreur"]


@pytest.mark.asyncio
async def test_one_lieu(demo_datasette, demo_db):
    conn = sqlite3.connect(demo_db)
    lieu_id, nom, lat, lon = conn.execute("select id, nom, latitude, longitude from lieux limit 1").fetchone()
    conn.close()
    r = await demo_datasette.client.get(f"/api/lieux/{quote(lieu_id, safe='')}")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    body = r.json()
    assert body["id"] == lieu_id and body["nom"] == nom
    assert set(body) == set(FIELDS) | ADDED
    r = await demo_datasette.client.get(f"/api/lieux/{quote(lieu_id, safe='')}?format=geojson")
    assert r.json()["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
    r = await demo_datasette.client.get("/api/lieux/n%27existe%20pas")
    assert r.status_code == 404
    assert r.json() == {"erreur": "Aucun lieu n'a l'identifiant « n'existe pas »."}


@pytest.mark.asyncio
async def test_only_reading_methods(demo_datasette):
    r = await demo_datasette.client.options("/api/proches")
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
    r = await demo_datasette.client.request("DELETE", "/api/lieux/demo-001")
    assert r.status_code == 405 and "GET" in r.json()["erreur"]


@pytest.mark.asyncio
async def test_openapi_document(demo_datasette):
    r = await demo_datasette.client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/proches", "/api/lieux/{id}", "/api/changements", "/api/changements.atom",
                                 "/api/lieux.ndjson"}
    names = {p["name"] for p in doc["paths"]["/api/proches"]["get"]["parameters"]}
    assert {"lat", "lon", "commune", "code_postal", "q", "n", "rayon_km", "ouvert", "format"} | set(openapi.FILTERS) == names
    lieu = doc["components"]["schemas"]["Lieu"]["properties"]
    assert set(FIELDS) <= set(lieu)
    assert lieu["services"]["type"] == "array"
    assert all(p["description"] for p in doc["paths"]["/api/proches"]["get"]["parameters"])


def test_vocabularies_come_from_the_standard():
    assert openapi.vocabulary("frais_a_charge") == ("Gratuit", "Gratuit sous condition", "Payant")
    assert "Langues étrangères (anglais)" in openapi.vocabulary("prise_en_charge_specifique")
    assert all(openapi.vocabulary(f) for f in openapi.FILTERS)


@pytest.mark.asyncio
async def test_documentation_page(demo_datasette):
    r = await demo_datasette.client.get("/api/")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="fr">' in html
    for name in ("lat", "code_postal", "rayon_km", "ouvert", "services", "/api/openapi.json", "/api/lieux/{id}"):
        assert name in html
    assert (await demo_datasette.client.get("/api")).status_code == 200
