"""Places through /api/proches and the page `/`, on the demo sample built with the reference geography.

Homonyms answer 300 with `candidats`; "name (département)" forms, arrondissements, former communes,
shared postcodes and addresses resolve; results too far or across the sea are said so; an empty search
answers 404 with the honest reason. The optional address geocoder is a real HTTP server on loopback
answering in the shape of api-adresse.data.gouv.fr's /search/.
"""

from __future__ import annotations

import html
import http.server
import json
import re
import sqlite3
import threading
import time
from collections import defaultdict
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from lieux import geocoder, places


async def get(ds, path, **params):
    return await ds.client.get(path + ("?" + urlencode(params, doseq=True) if params else ""))


@pytest.fixture(scope="module")
def geo_conn(demo_geo_db):
    conn = sqlite3.connect(demo_geo_db)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def directory(geo_conn):
    return places.load_directory(geo_conn)


def homonym_groups(directory, limit=None):
    groups = defaultdict(list)
    for c in directory.communes.values():
        if c.type == "commune-actuelle" and "(" not in c.nom:
            groups[places.key(c.nom)].append(c)
    found = [cs for cs in groups.values() if len(cs) > 1 and len({c.departement for c in cs}) == len(cs)]
    return found[:limit] if limit else found


# -- homonyms --------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_homonyms_answer_300_with_candidates_most_populous_first(demo_geo_datasette, directory):
    groups = homonym_groups(directory)
    assert len(groups) > 500
    for communes in groups[::25]:
        nom = communes[0].nom
        r = await get(demo_geo_datasette, "/api/proches", commune=nom, n=3)
        assert r.status_code == 300, (nom, r.text[:300])
        assert r.headers["access-control-allow-origin"] == "*"
        body = r.json()
        assert "erreur" in body
        candidates = body["candidats"]
        assert {c.code for c in communes} <= {c["code"] for c in candidates}
        populations = [c["population"] or 0 for c in candidates]
        assert populations == sorted(populations, reverse=True)
        for c in candidates:
            assert {"code", "nom", "departement", "population", "libelle", "choix", "url"} <= set(c)


@pytest.mark.asyncio
async def test_each_candidate_url_resolves_to_it_and_keeps_the_other_parameters(demo_geo_datasette):
    r = await get(demo_geo_datasette, "/api/proches", q="Saint-Denis", n=3, frais_a_charge="Gratuit")
    body = r.json()
    assert [c["libelle"] for c in body["candidats"]][:2] == ["Saint-Denis (974)", "Saint-Denis (93)"]
    for candidate in body["candidats"]:
        assert parse_qs(urlparse(candidate["url"]).query)["frais_a_charge"] == ["Gratuit"]
        chosen = await demo_geo_datasette.client.get(candidate["url"])
        assert chosen.status_code in (200, 404), chosen.text[:300]
        assert chosen.json()["commune"]["code"] == candidate["code"]


@pytest.mark.asyncio
async def test_name_and_departement_forms_resolve(demo_geo_datasette, directory):
    for communes in homonym_groups(directory)[::40]:
        for c in communes:
            for text in (f"{c.nom} ({c.departement})", f"{c.nom} {c.departement}",
                         f"{c.nom} {directory.departement_nom(c.departement)}"):
                r = await get(demo_geo_datasette, "/api/proches", commune=text, n=1)
                assert r.status_code == 200, (text, r.text[:300])
                assert r.json()["commune"]["code"] == c.code, text


@pytest.mark.asyncio
@pytest.mark.parametrize("text,code", [
    ("Saint-Denis (93)", "93066"), ("Saint-Denis 974", "97411"), ("Paris 13e", "75113"), ("Paris XIII", "75113"),
    ("Lyon 3e", "69383"), ("Marseille 13", "13213"), ("Marseille 13ème", "13213"), ("Paris 1er", "75101"),
])
async def test_the_interface_examples(demo_geo_datasette, text, code):
    r = await get(demo_geo_datasette, "/api/proches", commune=text, n=1)
    assert r.status_code == 200
    assert r.json()["commune"]["code"] == code


@pytest.mark.asyncio
async def test_a_former_commune_leads_to_its_commune_nouvelle_with_a_note(demo_geo_datasette, directory):
    unique = [f for k, fs in directory.former.items() if len(fs) == 1 and k not in directory.names for f in fs]
    for f in unique[::300]:
        r = await get(demo_geo_datasette, "/api/proches", q=f.nom, n=1)
        assert r.status_code == 200, f.nom
        body = r.json()
        assert body["commune"]["code"] == f.commune
        assert body["commune"]["ancienne_commune"]["nom"] == f.nom
        assert "ancienne commune" in body["notes"][0]
        page = await get(demo_geo_datasette, "/", q=f.nom)
        assert "ancienne commune" in html.unescape(page.text)


@pytest.mark.asyncio
async def test_a_shared_postcode_offers_the_choice_or_takes_the_named_commune(demo_geo_datasette, directory):
    cp, codes = next((cp, cs) for cp, cs in sorted(directory.postcodes.items()) if len(cs) > 2)
    r = await get(demo_geo_datasette, "/api/proches", code_postal=cp)
    assert r.status_code == 300
    assert {c["code"] for c in r.json()["candidats"]} == set(codes)
    named = directory.communes[codes[-1]]
    r = await get(demo_geo_datasette, "/api/proches", code_postal=cp, commune=named.nom, n=1)
    assert r.status_code == 200 and r.json()["commune"]["code"] == named.code
    r = await get(demo_geo_datasette, "/api/proches", q="29200 Brest", n=1)
    assert r.json()["commune"]["nom"] == "Brest"


@pytest.mark.asyncio
async def test_an_address_is_reduced_to_its_commune_and_the_page_says_so(demo_geo_datasette):
    r = await get(demo_geo_datasette, "/api/proches", q="12 rue de la Paix 29200 Brest", n=1)
    body = r.json()
    assert body["commune"]["nom"] == "Brest"
    assert body["centre"]["latitude"] == body["commune"]["latitude"]
    assert any("Adresse réduite à sa commune" in n for n in body["notes"])
    page = await get(demo_geo_datasette, "/", q="12 rue de la Paix 29200 Brest")
    assert "Adresse réduite à sa commune" in page.text


# -- too far, across the sea, nothing at all -----------------------------------------------------------

SAINT_PIERRE_ET_MIQUELON = {"lat": 46.7811, "lon": -56.1764}  # no lieu there in the demo sample


@pytest.mark.asyncio
async def test_nothing_near_is_said_and_the_nearest_labelled_with_its_territory(demo_geo_datasette, geo_conn):
    assert geo_conn.execute("select count(*) from lieux where departement_code = '975'").fetchone() == (0,)
    r = await get(demo_geo_datasette, "/api/proches", n=3, **SAINT_PIERRE_ET_MIQUELON)
    assert r.status_code == 200
    body = r.json()
    assert "Aucun lieu recensé à moins de 50 km" in body["avertissement"]
    assert all(l["eloigne"] for l in body["lieux"])
    first = body["lieux"][0]
    assert re.fullmatch(r"à \d\u00a0\d{3} km, (à|en|dans) .+", first["distance_libelle"]), first["distance_libelle"]
    assert first["distance_libelle"] in body["avertissement"]
    page = await get(demo_geo_datasette, "/", **SAINT_PIERRE_ET_MIQUELON)
    text = html.unescape(page.text)
    assert "Aucun lieu recensé à moins de 50 km" in text and first["distance_libelle"].removeprefix("à ") in text
    assert "distance plus grande" not in text


@pytest.mark.asyncio
async def test_far_within_the_same_territory_names_the_commune(demo_geo_datasette):
    r = await get(demo_geo_datasette, "/api/proches", q="Brest", n=1)
    body = r.json()
    assert "Aucun lieu recensé à moins de 50 km de Brest (29)" in body["avertissement"]
    assert body["lieux"][0]["eloigne"] and "(Rennes)" in body["lieux"][0]["distance_libelle"]


@pytest.mark.asyncio
async def test_mayotte_to_la_reunion_is_across_the_sea(demo_geo_datasette):
    r = await get(demo_geo_datasette, "/api/proches", q="Saint-Denis 974", n=10)
    lieux = r.json()["lieux"]
    near = [l for l in lieux if not l["eloigne"]]
    far = [l for l in lieux if l["eloigne"]]
    assert near and far and all(l["territoire"] == "La Réunion" for l in near)
    mayotte = next(l for l in far if l["territoire"] == "Mayotte")
    assert re.fullmatch(r"à 1\u00a0\d{3} km, à Mayotte", mayotte["distance_libelle"])


@pytest.mark.asyncio
async def test_an_empty_search_answers_404_with_the_honest_reason(demo_geo_datasette):
    r = await get(demo_geo_datasette, "/api/proches", q="Lyon 3e", rayon_km="0.05")
    assert r.status_code == 404
    body = r.json()
    assert body["lieux"] == [] and body["nombre"] == 0 and body["commune"]["code"] == "69383"
    assert "Aucun lieu à moins de 0,05 km" in body["erreur"] and "distance plus grande" in body["erreur"]
    page = await get(demo_geo_datasette, "/", q="Lyon 3e", rayon_km="0.05")
    assert "distance plus grande" in html.unescape(page.text)


@pytest.mark.asyncio
async def test_never_advise_a_larger_distance_when_it_is_unlimited(demo_geo_db, tmp_path):
    """Filters no lieu meets anywhere: the answer says to remove filters, never to look farther."""
    import shutil

    from lieux import openapi
    from lieux.site import make_datasette

    path = tmp_path / "lieux.db"
    shutil.copy(demo_geo_db, path)
    conn = sqlite3.connect(path)
    kept, refused = openapi.vocabulary("frais_a_charge")[:2]
    conn.execute("update lieux set frais_a_charge = ?", [json.dumps([kept])])
    conn.commit()
    conn.close()
    ds = make_datasette(path)
    r = await get(ds, "/api/proches", q="Lyon", frais_a_charge=refused)
    assert r.status_code == 404
    assert "distance plus grande" not in r.json()["erreur"] and "filtres" in r.json()["erreur"]
    page = await get(ds, "/", q="Lyon", frais_a_charge=refused)
    text = html.unescape(page.text)
    assert "Aucun lieu ne correspond à ces critères" in text and "distance plus grande" not in text
    r = await get(ds, "/api/proches", q="Lyon", frais_a_charge=kept, rayon_km="0.01")
    assert r.status_code == 404 and "distance plus grande" in r.json()["erreur"]


# -- the page ---------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_the_page_offers_the_homonyms_most_populous_first(demo_geo_datasette):
    page = await get(demo_geo_datasette, "/", q="Saint-Denis", services="Aide aux démarches administratives")
    assert page.status_code == 300  # as /api/proches: a choice to make
    links = re.findall(r'<a href="([^"]+)" data-code="(\w+)">([^<]+)</a>', page.text)
    assert [label for _, _, label in links][:2] == ["Saint-Denis (974)", "Saint-Denis (93)"]
    url = html.unescape(links[1][0])
    assert "services=" in url
    chosen = await demo_geo_datasette.client.get(url)
    assert "autour de Saint-Denis (93)" in html.unescape(chosen.text)


@pytest.mark.asyncio
@pytest.mark.parametrize("text,label", [("Paris XIII", "Paris 13e Arrondissement"), ("Marseille 13", "Marseille 13e Arrondissement"),
                                        ("st denis la reunion", "Saint-Denis (974)")])
async def test_the_page_resolves_the_forms(demo_geo_datasette, text, label):
    page = await get(demo_geo_datasette, "/", q=text)
    assert f"autour de {label}" in page.text


# -- the optional geocoder -----------------------------------------------------------------------------

class BanHandler(http.server.BaseHTTPRequestHandler):
    """Answers /search/ as api-adresse.data.gouv.fr documents it (GeoJSON FeatureCollection)."""
    mode = "ok"
    requests: list = []
    point = (-4.4861, 48.3904)  # a street of Brest, away from the commune's centre
    citycode = "29019"

    def do_GET(self):
        url = urlparse(self.path)
        type(self).requests.append(parse_qs(url.query))
        if self.mode == "slow":
            time.sleep(2)
        if self.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        q = parse_qs(url.query)["q"][0]
        body = {"type": "FeatureCollection", "version": "draft", "query": q, "limit": 1, "attribution": "BAN",
                "licence": "ETALAB-2.0", "features": [{
                    "type": "Feature", "geometry": {"type": "Point", "coordinates": list(self.point)},
                    "properties": {"label": "12 Rue de la Paix 29200 Brest", "score": 0.93, "housenumber": "12",
                                   "id": "29019_1234_00012", "name": "12 Rue de la Paix", "postcode": "29200",
                                   "citycode": self.citycode, "x": 146000.0, "y": 6838000.0, "city": "Brest",
                                   "context": "29, Finistère, Bretagne", "type": "housenumber", "importance": 0.7,
                                   "street": "Rue de la Paix"}}]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def ban(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BanHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    BanHandler.mode, BanHandler.requests, BanHandler.citycode = "ok", [], "29019"
    monkeypatch.setenv(geocoder.ENV_URL, f"http://127.0.0.1:{server.server_address[1]}/search/")
    monkeypatch.setenv(geocoder.ENV_TIMEOUT, "0.5")
    yield BanHandler
    server.shutdown()
    server.server_close()


ADDRESS = "12 rue de la Paix 29200 Brest"


@pytest.mark.asyncio
async def test_with_a_geocoder_the_search_goes_to_the_street(demo_geo_datasette, ban):
    r = await get(demo_geo_datasette, "/api/proches", q=ADDRESS, n=1)
    body = r.json()
    assert (body["centre"]["longitude"], body["centre"]["latitude"]) == ban.point
    assert body["centre"]["libelle"] == "12 Rue de la Paix 29200 Brest"
    assert any("Base Adresse Nationale" in n for n in body["notes"])
    assert ban.requests[-1]["q"] == [ADDRESS] and ban.requests[-1]["postcode"] == ["29200"]
    page = await get(demo_geo_datasette, "/", q=ADDRESS)
    assert "Base Adresse Nationale" in page.text


@pytest.mark.asyncio
@pytest.mark.parametrize("mode,reason", [("slow", "n'a pas répondu en 0.5 s"), ("error", "erreur (500)"),
                                         ("elsewhere", "dans une autre commune")])
async def test_the_geocoder_failing_falls_back_to_the_commune_and_says_so(demo_geo_datasette, ban, mode, reason):
    ban.mode = "slow" if mode == "slow" else "error" if mode == "error" else "ok"
    if mode == "elsewhere":
        ban.citycode = "75056"
    started = time.monotonic()
    r = await get(demo_geo_datasette, "/api/proches", q=ADDRESS, n=1)
    assert time.monotonic() - started < 1.8  # the timeout holds
    body = r.json()
    assert r.status_code == 200
    assert body["centre"]["latitude"] == body["commune"]["latitude"]
    note = next(n for n in body["notes"] if n.startswith("Adresse non localisée"))
    assert reason in note and "centre de Brest" in note


@pytest.mark.asyncio
async def test_the_geocoder_is_asked_only_for_addresses(demo_geo_datasette, ban):
    await get(demo_geo_datasette, "/api/proches", q="Brest", n=1)
    await get(demo_geo_datasette, "/api/proches", q="Saint-Denis", n=1)
    assert ban.requests == []


@pytest.mark.asyncio
async def test_the_geocoder_is_off_by_default(demo_geo_datasette, monkeypatch):
    monkeypatch.delenv(geocoder.ENV_URL, raising=False)
    r = await get(demo_geo_datasette, "/api/proches", q=ADDRESS, n=1)
    assert any("Adresse réduite" in n for n in r.json()["notes"])


@pytest.mark.parametrize("config,environ,expected", [
    (None, {}, None),
    ({"url": "https://api-adresse.data.gouv.fr/search/"}, {}, geocoder.Settings("https://api-adresse.data.gouv.fr/search/", 2.0)),
    ({"url": "https://a/search/", "delai_s": 1}, {}, geocoder.Settings("https://a/search/", 1.0)),
    ({"url": "https://a/search/"}, {"LIEUX_GEOCODEUR_URL": "off"}, None),
    (None, {"LIEUX_GEOCODEUR_URL": "http://127.0.0.1:1/search/", "LIEUX_GEOCODEUR_DELAI": "3"},
     geocoder.Settings("http://127.0.0.1:1/search/", 3.0)),
])
def test_geocoder_settings(config, environ, expected):
    assert geocoder.settings(config, environ) == expected


@pytest.mark.parametrize("body,why", [
    ({"features": []}, "adresse inconnue"),
    ([], "illisible"),
    ({"features": [{"geometry": {"coordinates": [2, 48]}, "properties": {"type": "municipality", "score": 0.9}}]},
     "que la commune"),
    ({"features": [{"geometry": {"coordinates": [2, 48]}, "properties": {"type": "street", "score": 0.1}}]},
     "incertaine"),
    ({"features": [{"geometry": {"coordinates": ["x", 48]}, "properties": {"type": "street", "score": 0.9}}]},
     "illisible"),
])
def test_unusable_geocoder_answers(body, why):
    hit, reason = geocoder.pick(body, None)
    assert hit is None and why in reason


@pytest.mark.asyncio
async def test_the_end_of_an_unknown_name_is_not_a_commune(demo_geo_datasette, geo_conn):
    """With the reference geography, a text it does not understand is not found, even when its last word is the
    name of a commune of the lieux ("Introuvable-sur-Mer" is not Mer): no confident wrong answer."""
    names = sorted({r[0] for r in geo_conn.execute("select commune from lieux") if r[0] and r[0].isalpha()})
    assert names
    for name in names[:5]:
        text = f"Introuvable-sur-{name}"
        r = await get(demo_geo_datasette, "/api/proches", q=text)
        assert r.status_code == 404, (text, r.text[:300])
        page = await get(demo_geo_datasette, "/", q=text)
        assert page.status_code == 404 and "Nous n&#39;avons pas trouvé" in page.text
