"""The JSON API through the in-process Datasette client: answers, filters, errors, CORS, OpenAPI, docs page."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from lieux import nearest, openapi, schemas

FIELDS = schemas.field_names(schemas.LIEUX)
# What every lieu carries besides the standard's fields (DESIGN.md, "Interfaces that the next round relies on").
ADDED = set(openapi.ADDED_FIELDS)  # url, departement, qualite_geo, position_approximative, sources, ouvert_maintenant, jour_ferie


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
    assert "popup" not in first and first["sources"] == ["demo"]
    assert first["url"] == f"http://localhost/lieu/{first['id']}"
    assert first["departement"]["code"] == "38"  # the demo is built without the geography: no name
    assert first["qualite_geo"] and first["position_approximative"] is False


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
    assert set(body) == set(FIELDS) | set(openapi.ADDED_FIELDS)
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
    assert {"lat", "lon", "commune", "code_postal", "q", "n", "rayon_km", "ouvert", "format", "curseur"} | set(openapi.FILTERS) == names
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


# -- an API without surprises (issue 12 §5) ------------------------------------------------------

@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/api/nexiste", "/api/proche", "/api/lieux", "/api/lieux/a/b", "/api/openapi.yaml",
                                  "/api/proches/", "/api/n%20existe/"])
async def test_unknown_api_path_answers_french_json_404(demo_datasette, path):
    r = await demo_datasette.client.get(path)
    assert r.status_code == 404, path
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["access-control-allow-origin"] == "*"
    message = r.json()["erreur"]
    assert "Aucune adresse de l'API" in message and "/api/proches" in message and "/api/lieux/{id}" in message


@pytest.mark.asyncio
@pytest.mark.parametrize("path,params,valid", [
    ("/api/proches", {"lat": "45", "lon": "5", "servces": "Cuisine"}, "services"),
    ("/api/proches", {"code_postal": "38000", "rayon": "5"}, "rayon_km"),
    ("/api/proches", {"code_postal": "38000", "N": "5"}, "n"),
    ("/api/lieux/demo-001", {"fromat": "geojson"}, "format"),
    ("/api/openapi.json", {"x": "1"}, None),
])
async def test_unknown_parameter_answers_400_naming_the_valid_ones(demo_datasette, path, params, valid):
    r = await get(demo_datasette, path, **params)
    assert r.status_code == 400, r.text
    message = r.json()["erreur"]
    assert "Paramètre inconnu" in message and "Paramètres possibles" in message
    if valid:
        assert f"« {valid} »" in message  # the closest one is suggested
    if path == "/api/proches":
        for name in ("lat", "lon", "commune", "code_postal", "q", "n", "rayon_km", "ouvert", "format", "curseur",
                     *openapi.FILTERS):
            assert name in message


@pytest.mark.asyncio
@pytest.mark.parametrize("params,fragment", [
    ({"lat": "45,19", "lon": "5.72"}, "lat=45.19"),
    ({"lat": "45.19", "lon": "5,72"}, "lon=5.72"),
    ({"lat": "-21,1", "lon": "55,5"}, "lat=-21.1"),
])
async def test_decimal_comma_gets_a_hint(demo_datasette, params, fragment):
    r = await get(demo_datasette, "/api/proches", **params)
    assert r.status_code == 400 and "point décimal" in r.json()["erreur"] and fragment in r.json()["erreur"]


@pytest.mark.asyncio
@pytest.mark.parametrize("n", ["9" * 5000, "1" * 4301, "1" * 7, "-" + "9" * 5000])
async def test_huge_numbers_answer_400(demo_datasette, n):
    r = await get(demo_datasette, "/api/proches", lat="45", lon="5", n=n)
    assert r.status_code == 400 and "« n »" in r.json()["erreur"]
    assert len(r.json()["erreur"]) < 300
    r = await get(demo_datasette, "/api/proches", lat="4" * 5000, lon="5")
    assert r.status_code == 400 and len(r.json()["erreur"]) < 400


@pytest.mark.asyncio
@pytest.mark.parametrize("params", [{"lat": 45.19, "lon": 5.72}, {"code_postal": "38000", "services": "Aide aux démarches administratives"},
                                    {"lat": 46.5, "lon": 2.5, "format": "geojson"}])
async def test_cursor_pages_past_n_stably(demo_datasette, params):
    everything = (await get(demo_datasette, "/api/proches", n=100, **params)).json()
    key = "features" if params.get("format") == "geojson" else "lieux"
    ids = lambda body: [(x["properties"] if key == "features" else x)["id"] for x in body[key]]
    expected = ids(everything)
    assert everything["suivant"] is None and len(expected) > 7
    seen, url, pages = [], "/api/proches?" + urlencode({**params, "n": 7}), 0
    while url:
        r = await demo_datasette.client.get(url.replace("http://localhost", ""))
        assert r.status_code == 200, r.text
        body = r.json()
        seen += ids(body)
        url, pages = body["suivant"], pages + 1
        assert pages < 20
    assert seen == expected  # every lieu once, in the same order as one big page
    assert pages == -(-len(expected) // 7)


@pytest.mark.asyncio
async def test_cursor_belongs_to_its_search(demo_datasette):
    first = (await get(demo_datasette, "/api/proches", lat=45.19, lon=5.72, n=3)).json()
    cursor = dict(parse_qsl(first["suivant"].split("?", 1)[1]))["curseur"]
    other = await get(demo_datasette, "/api/proches", lat=48.85, lon=2.35, n=3, curseur=cursor)
    assert other.status_code == 400 and "autre recherche" in other.json()["erreur"]
    bigger = await get(demo_datasette, "/api/proches", lat=45.19, lon=5.72, n=5, curseur=cursor)
    assert bigger.status_code == 200  # only n may change
    for garbage in ("xyz", "!!!", "e30", "W10"):  # an empty curseur is the first page, as other empty values
        r = await get(demo_datasette, "/api/proches", lat=45.19, lon=5.72, curseur=garbage)
        assert r.status_code == 400 and "curseur" in r.json()["erreur"].lower(), garbage


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/api/proches?lat=45.19&lon=5.72", "/api/lieux/demo-001", "/api/openapi.json",
                                  "/api/proches?code_postal=38000&format=geojson"])
async def test_etag_cache_control_and_conditional_get(demo_datasette, demo_db, path):
    r = await demo_datasette.client.get(path)
    assert r.status_code == 200
    etag = r.headers["etag"]
    assert etag.startswith('"') and r.headers["last-modified"].endswith("GMT")
    assert r.headers["cache-control"].startswith("public, max-age=")
    again = await demo_datasette.client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await demo_datasette.client.get(path, headers={"if-none-match": '"autre"'})).status_code == 200
    other = await demo_datasette.client.get(path + ("&" if "?" in path else "?") + "format=json") \
        if "openapi" not in path and "format" not in path else None
    if other is not None:
        assert other.headers["etag"] != etag  # another address, another tag


def test_etag_changes_with_the_build():
    from lieux.apiroutes import etag

    assert etag("aaaa", "/api/proches", "lat=1") != etag("bbbb", "/api/proches", "lat=1")
    assert etag("aaaa", "/api/proches", "lat=1", 1) != etag("aaaa", "/api/proches", "lat=1", 2)
    assert etag("aaaa", "/api/proches", "lat=1").startswith('"aaaa-')


def test_routes_declare_their_parameters_once():
    """The accepted parameters of /api/proches are those /api/openapi.json documents."""
    from lieux import apiroutes

    import plugins.api as api

    api.register_routes()
    proches = apiroutes.match("/api/proches")
    documented = {p["name"] for p in openapi.document()["paths"]["/api/proches"]["get"]["parameters"]}
    assert set(proches.params) == documented
    assert apiroutes.match("/api/nexiste") is None


def test_an_answer_that_changes_with_time_is_kept_until_its_time_slice_ends(demo_datasette):
    """/api/proches says `ouvert_maintenant`: hours change on the minute, so its answer is kept to the minute's end."""
    from datasette.utils.asgi import Request

    from lieux import apiroutes

    request = Request.fake("/api/proches?lat=45.19&lon=5.72")
    minute = 1_800_000_000 - 1_800_000_000 % 60
    assert apiroutes.cache_headers(demo_datasette, request, 60, True, now=minute + 45.5)["Cache-Control"] == \
        "public, max-age=14"
    assert apiroutes.cache_headers(demo_datasette, request, 60, True, now=minute)["Cache-Control"] == \
        "public, max-age=60"
    assert apiroutes.cache_headers(demo_datasette, request, 300, False, now=minute + 45.5)["Cache-Control"] == \
        "public, max-age=300"
    tags = {apiroutes.cache_headers(demo_datasette, request, 60, True, now=minute + s)["ETag"] for s in (0, 30, 59.9)}
    assert len(tags) == 1 and apiroutes.cache_headers(demo_datasette, request, 60, True, now=minute + 60)["ETag"] \
        not in tags
