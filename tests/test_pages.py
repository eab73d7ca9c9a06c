"""The public pages, in-process: the search at `/` (server-rendered, no JavaScript) and `/lieu/<id>`."""

from __future__ import annotations

import html.parser
import json
import re
import sqlite3
from urllib.parse import quote
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lieux import display
from lieux.nearest import haversine_km
from lieux import search as search_params
from plugins import pages
from tests.conftest import requires_reference
from tests.hostile_data import build_hostile_db


class PageParser(html.parser.HTMLParser):
    """What the tests read in a page: controls, labels, result ids, the map data, links."""

    def __init__(self):
        super().__init__()
        self.controls, self.labels, self.ids, self.links, self.headings = [], set(), [], [], []
        self.map_data, self._in_map, self._in_template, self._heading = None, False, 0, None
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "template":
            self._in_template += 1
        if self._in_template:
            return
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag == "li" and "resultat" in (a.get("class") or "") and a.get("data-id"):
            self.ids.append(a["data-id"])
        if tag == "a":
            self.links.append(a.get("href"))
        if tag == "script" and a.get("id") == "donnees-carte":
            self._in_map = True
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag, ""]

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        if self._heading and tag == self._heading[0]:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def handle_data(self, data):
        if self._in_map:
            self.map_data = json.loads(data)
            self._in_map = False
        if self._heading is not None:
            self._heading[1] += data


def parse(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    return parser


def db_rows(db_path) -> dict:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    return {r["id"]: dict(r) for r in conn.execute("select * from lieux")}


def brute_force_order(rows: dict, lat: float, lon: float) -> list[str]:
    """Every lieu by distance from (lat, lon), computed here without the R*Tree."""
    located = [r for r in rows.values() if r["latitude"] is not None]
    located.sort(key=lambda r: (haversine_km(lat, lon, r["latitude"], r["longitude"]), r["id"]))
    return [r["id"] for r in located]


# -- the search page ---------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_home_page_is_french_accessible_and_labelled_demo(demo_datasette):
    response = await demo_datasette.client.get("/")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.html_lang == "fr"
    assert "Données de démonstration" in response.text
    assert re.search(r'<form[^>]+role="search"[^>]+method="get"', response.text)
    assert [h for h in page.headings if h[0] == "h1"] == [
        ("h1", "Trouver de l'aide pour utiliser le numérique, près de chez vous")]
    assert page.controls, "the search form has controls"
    unlabelled = [c for c in page.controls if c.get("id") not in page.labels]
    assert unlabelled == []
    names = {c.get("name") for c in page.controls}
    assert {"q", "rayon_km", "ouvert", *display.FILTER_NAMES} <= names
    assert page.ids == []  # no search, no results
    assert "<main" in response.text and 'role="contentinfo"' in response.text


@pytest.mark.asyncio
async def test_datasette_browser_stays_under_lieux(demo_datasette):
    response = await demo_datasette.client.get("/lieux")
    assert response.status_code == 200
    assert "Lieux de médiation numérique" in response.text


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["q=75011", "q=Paris", "code_postal=75011", "commune=Paris",
                                   "q=1+rue+de+la+R%C3%A9publique%2C+Paris"])
async def test_search_without_javascript_lists_nearest_first(demo_datasette, demo_db, query):
    response = await demo_datasette.client.get(f"/?{query}")
    assert response.status_code == 200, response.text
    page = parse(response.text)
    centre = page.map_data["centre"]
    assert centre and centre["label"]
    assert len(page.ids) == search_params.DEFAULT_N
    rows = db_rows(demo_db)
    expected = brute_force_order(rows, centre["lat"], centre["lon"])[:search_params.DEFAULT_N]
    distances = [haversine_km(centre["lat"], centre["lon"], rows[i]["latitude"], rows[i]["longitude"]) for i in page.ids]
    assert distances == sorted(distances)
    assert set(page.ids) == set(expected)
    assert rows[page.ids[0]]["commune"] == "Paris"
    # The map gets the same lieux, in the same order, with their distance written in French.
    assert [l["id"] for l in page.map_data["lieux"]] == page.ids
    assert page.map_data["lieux"][0]["distance"].endswith(("m", "km"))
    heading = [h for h in page.headings if h[0] == "h2"][0][1]
    assert heading.startswith(f"{search_params.DEFAULT_N} lieux trouvés autour de")  # whitespace normalised
    # Shared link and API link carry the same query string.
    assert f'href="/api/proches?{query}"' in response.text
    assert f'id="lien-partage" href="http://localhost/?{query}"' in response.text


@pytest.mark.asyncio
async def test_filters_radius_and_more(demo_datasette, demo_db):
    rows = db_rows(demo_db)
    response = await demo_datasette.client.get("/?q=75011&frais_a_charge=Payant&services=Aide+aux+d%C3%A9marches+administratives")
    page = parse(response.text)
    assert page.ids
    for lieu_id in page.ids:
        assert "Payant" in json.loads(rows[lieu_id]["frais_a_charge"])
        assert "Aide aux démarches administratives" in json.loads(rows[lieu_id]["services"])
    assert "2\u00a0filtres actifs" in response.text
    assert re.search(r'value="Payant" checked', response.text)

    response = await demo_datasette.client.get("/?q=75011&rayon_km=5")
    page = parse(response.text)
    centre = page.map_data["centre"]
    assert page.ids and all(
        haversine_km(centre["lat"], centre["lon"], rows[i]["latitude"], rows[i]["longitude"]) <= 5 for i in page.ids)
    assert "à moins de 5 km autour de" in response.text
    assert '<option value="5" selected>' in response.text

    response = await demo_datasette.client.get("/?q=75011")
    assert f'href="?q=75011&amp;n={2 * search_params.DEFAULT_N}"' in response.text
    response = await demo_datasette.client.get(f"/?q=75011&n={2 * search_params.DEFAULT_N}")
    assert len(parse(response.text).ids) == 2 * search_params.DEFAULT_N
    response = await demo_datasette.client.get("/?q=75011&n=100")
    assert len(parse(response.text).ids) == 50 and 'id="plus" hidden' in response.text


@pytest.mark.asyncio
async def test_open_now_filter_keeps_only_open_lieux(demo_datasette, demo_db):
    from lieux import horaires

    rows = db_rows(demo_db)
    before = datetime.now(ZoneInfo("UTC"))
    response = await demo_datasette.client.get("/?q=75011&ouvert=maintenant")
    page = parse(response.text)
    assert response.status_code == (200 if page.ids else 404)  # nothing open: /api/proches's 404 too
    for lieu_id in page.ids:
        r = rows[lieu_id]
        assert horaires.etat(r["horaires"], r, now=before).ouvert is True
        assert "Ce lieu n'accueille pas de public" not in (r["modalites_acces"] or "")
    if not page.ids:
        assert "Aucun lieu ne correspond" in response.text
    else:
        assert response.text.count("Ouvert maintenant</span>") >= len(page.ids)
    assert '<option value="maintenant" selected>Maintenant</option>' in response.text


@pytest.mark.asyncio
@pytest.mark.parametrize("query, status, message", [
    ("lat=abc&lon=2", 400, "La position reçue n&#39;est pas valide"),
    ("lat=95&lon=2", 400, "hors des limites"),
    ("q=75011&rayon_km=-3", 400, "La distance doit être comprise"),
    ("q=75011&n=5000", 400, "Le nombre de lieux demandé doit être compris entre 1 et 100"),
    ("q=" + "x" * 201, 400, "Le texte recherché est trop long"),
    ("q=Zzyzxville-sur-Rien", 404, "Nous n&#39;avons pas trouvé « Zzyzxville-sur-Rien »"),
    ("q=++&rayon_km=", 400, "Saisissez une commune, un code postal ou une adresse"),
])
async def test_search_errors_are_explained_in_french(demo_datasette, query, status, message):
    response = await demo_datasette.client.get(f"/?{query}")
    assert response.status_code == status
    assert message in response.text
    assert "Recherche impossible" in response.text
    assert parse(response.text).ids == []


@pytest.mark.asyncio
async def test_search_by_position(demo_datasette, demo_db):
    response = await demo_datasette.client.get("/?lat=-20.88&lon=55.45")  # Saint-Denis, La Réunion
    page = parse(response.text)
    assert "autour de votre position" in response.text
    assert brute_force_order(db_rows(demo_db), -20.88, 55.45)[:2] == page.ids[:2]
    assert db_rows(demo_db)[page.ids[0]]["departement_code"] == "974"


@pytest.mark.asyncio
async def test_tile_layer_comes_from_plugin_config(demo_datasette):
    page = parse((await demo_datasette.client.get("/?q=75011")).text)
    assert page.map_data["tile_layer"] == demo_datasette.plugin_config("datasette-cluster-map")["tile_layer"]
    assert "contributeurs OpenStreetMap" in page.map_data["tile_layer_options"]["attribution"]


def test_every_map_reads_the_one_tile_setting():
    """One place for the tiles of every map: datasette-cluster-map's config (which that plugin reads itself)."""
    from datasette.app import Datasette

    from lieux import carte

    ign = ("https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
           "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
    ds = Datasette(memory=True, metadata={"plugins": {"datasette-cluster-map": {"tile_layer": ign}}})
    assert pages.map_config(ds)["tile_layer"] == ign
    assert pages.map_config(Datasette(memory=True))["tile_layer"] == carte.TILE_LAYER
    assert carte.tile_origins(ign) == ["https://data.geopf.fr"]
    assert carte.tile_origins(carte.TILE_LAYER) == ["https://*.tile.openstreetmap.org", "https://tile.openstreetmap.org"]
    assert carte.tile_origins("javascript:alert(1)") == []


def test_the_content_security_policy_allows_the_configured_tiles(tmp_path):
    from lieux import carte

    metadata = tmp_path / "metadata.yml"
    metadata.write_text("plugins:\n  datasette-cluster-map:\n    tile_layer: https://tuiles.example:8443/{z}/{x}/{y}.png\n")
    assert carte.configured_tile_origins(metadata) == ["https://tuiles.example:8443"]


# -- the place page ----------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_place_page_shows_everything_a_visitor_needs(demo_datasette):
    response = await demo_datasette.client.get("/lieu/demo-001")
    assert response.status_code == 200
    text = response.text
    page = parse(text)
    assert page.html_lang == "fr"
    assert ("h1", "Médiathèque démo n°1 (Paris)") in page.headings
    assert "Données de démonstration" in text
    assert "1 rue de la République" in text and "75011 Paris" in text
    assert 'href="tel:+33143000000">01 43 00 00 00</a>' in text
    assert 'href="mailto:contact-1@exemple-demo.fr"' in text
    assert 'href="https://exemple-demo.fr/lieu-1"' in text
    assert 'href="https://acceslibre.beta.gouv.fr/app/demo/erp/lieu-demo-1/"' in text
    assert re.search(r"badge-(ouvert|ferme|info)", text)
    assert re.search(r'<th scope="row">Lundi[ <]', text) and "<td>9 h – 12 h, 14 h – 17 h</td>" in text
    assert text.count("(aujourd'hui)") == 1
    for value in ("Aide aux démarches administratives", "Jeunes", "Surdité", "Gratuit", "Aidants Connect", "Label démo"):
        assert f"<li>{value}</li>" in text
    assert "Échantillon de démonstration (données fictives)" in text
    assert "Licence Ouverte 2.0" in text and "1er janvier 2026" in text
    # the report form of the directory (it names the producer's contact when its descriptor has one)
    assert '<a class="bouton bouton-secondaire" href="/lieu/demo-001/signaler">Signaler une erreur' in text
    assert "/lieu/demo-001/fiche" in page.links
    assert "/lieux/lieux/demo-001" in page.links
    assert "/api/lieux/demo-001" in page.links
    assert page.map_data["lieux"] == [{"id": "demo-001", "nom": "Médiathèque démo n°1 (Paris)", "lat": 48.859, "lon": 2.38,
                                     "approximative": False}]


@pytest.mark.asyncio
async def test_place_page_time_zone_overseas(demo_datasette):
    text = (await demo_datasette.client.get("/lieu/demo-021")).text  # Pointe-à-Pitre
    assert "heure locale : Guadeloupe" in text


@pytest.mark.asyncio
async def test_place_without_hours_says_so(demo_datasette):
    text = (await demo_datasette.client.get("/lieu/demo-009")).text
    assert "Horaires non renseignés" in text
    assert "Les horaires ne sont pas renseignés" in text


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/lieu/inconnu", "/lieu/%3Cscript%3Ealert(1)%3C%2Fscript%3E"])
async def test_unknown_place_is_a_french_404(demo_datasette, path):
    response = await demo_datasette.client.get(path)
    assert response.status_code == 404
    assert "Lieu introuvable" in response.text
    assert "<script>alert(1)" not in response.text
    assert 'lang="fr"' in response.text


@pytest.fixture(scope="module")
def hostile_datasette(tmp_path_factory):
    from lieux.site import make_datasette

    return make_datasette(build_hostile_db(tmp_path_factory.mktemp("hostile")))


@pytest.mark.asyncio
async def test_place_page_escapes_data(hostile_datasette):
    response = await hostile_datasette.client.get("/lieu/demo-hostile")
    assert response.status_code == 200
    text = response.text
    assert "<script>alert" not in text and "<img src=x" not in text and "<iframe" not in text and "<b>gras" not in text
    assert "&lt;script&gt;alert(&#34;nom&#34;)&lt;/script&gt; Lieu &lt;b&gt;gras&lt;/b&gt;" in text
    assert "javascript:" not in text


@pytest.mark.asyncio
async def test_search_results_escape_data(hostile_datasette):
    text = (await hostile_datasette.client.get("/?lat=48.85&lon=2.35")).text
    assert parse(text).ids == ["demo-hostile"]
    assert "<script>alert" not in text and "<img src=x" not in text
    # The map data is JSON inside a script element: "<" is written \u003c so it cannot close it.
    assert "\\u003cscript\\u003e" in text


# -- pure helpers ------------------------------------------------------------------------------

@pytest.mark.parametrize("km, text", [
    (0.0, "10 m"), (0.348, "350 m"), (0.9999, "1000 m"), (1.0, "1,0 km"), (1.26, "1,3 km"), (9.94, "9,9 km"),
    (12.4, "12 km"), (153.6, "154 km"), (None, ""),
])
def test_format_distance(km, text):
    assert display.format_distance(km) == text


@pytest.mark.parametrize("value, text, href", [
    ("+33143000000", "01 43 00 00 00", "tel:+33143000000"),
    ("+590590000000", "0590 00 00 00", "tel:+590590000000"),
    ("01 43 00 00 00", "01 43 00 00 00", "tel:0143000000"),
    ("pas un numéro", "pas un numéro", None),
    (None, None, None),
])
def test_phone(value, text, href):
    assert display.format_phone(value) == text
    assert display.tel_href(value) == href


@pytest.mark.parametrize("value, text", [
    ("2026-01-01", "1er janvier 2026"), ("2026-11-23T12:59:48+00:00", "23 novembre 2026"),
    ("2024-08-15", "15 août 2024"), ("bientôt", "bientôt"), (None, None),
])
def test_format_date(value, text):
    assert display.format_date(value) == text


@pytest.mark.parametrize("value, items", [
    ('["a", "b"]', ["a", "b"]), (["a", "", None], ["a"]), ("texte", ["texte"]), ("[pas du json", ["[pas du json"]),
    (None, []), ("", []),
])
def test_as_list(value, items):
    assert display.as_list(value) == items


@pytest.mark.parametrize("value, url", [
    ("https://exemple.fr/a?b=1", "https://exemple.fr/a?b=1"), ("HTTP://exemple.fr", "HTTP://exemple.fr"),
    ("javascript:alert(1)", None), (" data:text/html,x", None), ("exemple.fr", None), ('https://a.fr/"onmouseover=x', None),
    (None, None),
])
def test_http_url(value, url):
    assert display.http_url(value) == url


@pytest.mark.parametrize("count, text", [(0, "0 lieu"), (1, "1 lieu"), (2, "2 lieux"), (7577, "7\u202f577 lieux"),
                                         (1234567, "1\u202f234\u202f567 lieux")])
def test_plural(count, text):
    assert display.plural(count, "lieu", "lieux") == text.replace(" ", "\u00a0")


def test_search_parameters_round_trip():
    from datasette.utils.asgi import Request

    request = Request.fake("/?q=+Lyon+&rayon_km=10&services=A&services=B&ouvert=maintenant&n=40&frais_a_charge=")
    search = search_params.parse_search(request.args)
    assert search["q"] == "Lyon" and search["rayon_km"] == 10 and search["n"] == 40 and search["ouvert"]
    assert search["filters"] == {"services": ["A", "B"]}
    assert display.search_query(search_params.query_params(search)) == "q=Lyon&rayon_km=10&n=40&services=A&services=B&ouvert=maintenant"
    assert "n" not in search_params.query_params({**search, "n": search_params.DEFAULT_N})
    located = search_params.query_params({**search, "lat": 45.76, "lon": 4.85})
    assert "q" not in located and located["lat"] == "45.76000"


# -- real lists ----------------------------------------------------------------------------------

@requires_reference
@pytest.mark.asyncio
async def test_pages_render_every_reference_lieu(reference_datasette, reference_db):
    """Every lieu of the real lists gets its page, and a search around each of 30 of them works."""
    rows = db_rows(reference_db)
    assert len(rows) > 100
    for lieu_id in rows:
        response = await reference_datasette.client.get(f"/lieu/{quote(lieu_id, safe='')}")
        assert response.status_code == 200, (lieu_id, response.text[-2000:])
    located = sorted(i for i, r in rows.items() if r["latitude"] is not None and r["code_postal"])
    for lieu_id in located[:: max(1, len(located) // 30)]:
        r = rows[lieu_id]
        response = await reference_datasette.client.get(f"/?q={r['code_postal']}")
        choices = re.findall(r'<a href="([^"]+)" data-code="', response.text)
        assert response.status_code == (300 if choices else 200)
        if choices:  # a postcode shared by several communes: the page asks which one (issue 12), as the API, 300
            response = await reference_datasette.client.get(html.unescape(choices[0]))
            assert response.status_code == 200
        page = parse(response.text)
        assert page.ids, r["code_postal"]
        centre = page.map_data["centre"]
        found = [haversine_km(centre["lat"], centre["lon"], rows[i]["latitude"], rows[i]["longitude"]) for i in page.ids]
        assert found == sorted(found)


@pytest.mark.asyncio
async def test_place_page_names_its_hub(demo_db, tmp_path):
    """Hubs as the hubs-territoriaux source loads them: some by région name, some by département codes."""
    import shutil

    from lieux.site import make_datasette

    db_path = tmp_path / "lieux.db"
    shutil.copy(demo_db, db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("drop table if exists hubs")
    conn.execute("drop table if exists regions")
    conn.execute("create table hubs (id text primary key, nom text, regions text, departements text, source text)")
    conn.execute("create table regions (code text primary key, nom text)")
    conn.executemany("insert into hubs values (?, ?, ?, ?, 'hubs-territoriaux')", [
        ("hub-ultranumerique", "Hub UltraNumérique", None, '["971", "976"]'),
        ("mednum-antilles", "Mednum Antilles", None, '["971", "972"]'),
        ("francil-in", "Francil-in", '["Île-de-France"]', None),
    ])
    conn.execute("insert into regions values ('11', 'Île-de-France')")
    conn.execute("update lieux set region_code = '11' where departement_code = '75'")
    conn.commit()
    conn.close()
    ds = make_datasette(db_path)
    text = (await ds.client.get("/lieu/demo-021")).text  # Pointe-à-Pitre, 971
    assert "Hubs territoriaux pour un numérique inclusif : Hub UltraNumérique, Mednum Antilles" in text
    text = (await ds.client.get("/lieu/demo-001")).text  # Paris, région 11
    assert "Hub territorial pour un numérique inclusif : Francil-in" in text
    text = (await ds.client.get("/lieu/demo-002")).text  # Lyon: no hub in this table
    assert "Hub territorial" not in text and "Hubs territoriaux" not in text


@pytest.mark.asyncio
async def test_what_the_public_reads(demo_db, tmp_path):
    """Capitals in normal case (the data unchanged), acronyms spelled out, raw phrases hidden, and the rule
    for a place that receives no public: its hours are hours to reach it, never "open now"."""
    import shutil
    import sqlite3

    from lieux.site import make_datasette

    db = tmp_path / "lieux.db"
    shutil.copy(demo_db, db)
    conn = sqlite3.connect(db)
    always = "Mo-Su 00:00-24:00"
    conn.execute("update lieux set nom = 'EPN DE LA COMMUNE DE BREST', adresse = '2 RUE FREZIER', "
                 "presentation_detail = 'Structure NON itinérante', horaires = ?, "
                 "modalites_acces = '[\"Téléphoner\", \"Ce lieu n''accueille pas de public\"]' where id = 'demo-001'",
                 [always])
    conn.commit()
    conn.close()
    ds = make_datasette(db)
    text = (await ds.client.get("/lieu/demo-001")).text
    assert "EPN de la Commune de Brest" in text and "2 rue Frezier" in text
    assert "EPN DE LA COMMUNE" not in text.split("<main")[1].split("Données brutes")[0]
    assert "espace public numérique" in text
    assert "Structure NON itinérante" not in text and "Structure non itinérante" not in text
    assert "Pas d'accueil du public" in text and "Horaires pour le joindre" in text
    assert "Ouvert maintenant" not in text
    results = (await ds.client.get("/?q=75011")).text
    assert "EPN de la Commune de Brest" in results
    # The explorer shows the data as the source wrote it.
    row = (await ds.client.get("/lieux/lieux/demo-001")).text
    assert "EPN DE LA COMMUNE DE BREST" in row


@pytest.mark.asyncio
async def test_error_pages_are_french_whoever_renders_them(demo_datasette):
    """Our handler (full context) and Datasette's own (bare context: no request, no plugin variables) both
    give the site's French error page."""
    from datasette.handle_exception import handle_exception as datasette_handler
    from datasette.utils.asgi import NotFound, Request

    r = await demo_datasette.client.get("/lieux/table-inconnue")
    assert r.status_code == 404
    for html in (r.text,):
        assert '<html lang="fr">' in html and "Page introuvable" in html and "Table introuvable" in html
        assert "Données de démonstration" in html and "Not found" not in html
    request = Request.fake("/lieux/table-inconnue")
    try:  # Datasette's handler prints the traceback it is handling
        raise NotFound("Table not found: x")
    except NotFound as exception:
        response = await datasette_handler(datasette=demo_datasette, request=request, exception=exception)()
    bare = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert '<html lang="fr">' in bare and "Page introuvable" in bare and "Table introuvable : x." in bare
    assert "Rechercher un lieu" in bare  # the site's header


@pytest.mark.asyncio
async def test_the_sql_pages_are_french_when_sql_is_on(demo_db, monkeypatch):
    """`serve --sql` (trusted local use) opens typed SQL: the database and query pages are in French."""
    from lieux.site import make_datasette

    ds = make_datasette(demo_db, sql=True)  # as `serve --sql` runs it
    r = await ds.client.get("/lieux?sql=select+id%2C+nom+from+lieux+order+by+id+limit+3")
    assert r.status_code == 200
    page = r.text
    assert '<html lang="fr">' in page
    assert "3\u00a0lignes renvoyées" in page and "Exécuter la requête" in page and 'for="sql-editor"' in page
    visible = re.sub(r"<script.*?</script>|<[^>]+>", " ", page.split("<main")[1], flags=re.S)
    for english in ("Custom SQL query", "Run SQL", "Format SQL", "This data as", "rows"):
        assert not re.search(rf"\b{english}\b", visible), english
    database = (await ds.client.get("/lieux")).text
    assert "Requête SQL" in database and "Exécuter la requête" in database and "Custom SQL query" not in database


# -- how long a search page stays right (Cache-Control, plugins/cache_pages.py) -------------------------

def test_page_max_age_is_the_first_change():
    now = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Paris
    start = now.timestamp()
    cards = [{"change": start + 125.7}, {"change": start + 3000}]
    assert pages.page_max_age(cards, {"ouvert": None}, now) == 125
    assert pages.page_max_age([], {"ouvert": None}, now) == pages.PAGE_MAX_AGE
    assert pages.page_max_age(cards[1:], {"ouvert": "maintenant"}, now) == pages.OPEN_FILTER_MAX_AGE
    late = datetime(2026, 12, 7, 22, 55, tzinfo=ZoneInfo("UTC"))  # 23:55 in Paris: the « quand ? » days change
    assert pages.page_max_age([], {"ouvert": None}, late) == 300
    assert pages.page_max_age([{"change": start - 5}], {"ouvert": None}, now) == 0


@requires_reference
@pytest.mark.asyncio
async def test_a_search_page_is_kept_no_longer_than_it_stays_right(reference_datasette, reference_db):
    """Checked minute by minute with horaires.etat (not next_change): no lieu shown opens, closes or changes day
    within the max-age the page gives; a signed-in maintainer's page is kept by no one."""
    from lieux import horaires

    rows = db_rows(reference_db)
    communes = sorted({r["commune"] for r in rows.values() if r["commune"] and r["horaires"]})[::40][:15]
    ages = []
    for commune in communes:
        now = datetime.now(ZoneInfo("UTC"))
        response = await reference_datasette.client.get("/", params={"q": commune})
        control = response.headers["cache-control"]
        assert response.status_code in (200, 300), commune
        age = int(re.fullmatch(r"public, max-age=(\d+)", control).group(1))
        assert 0 <= age <= pages.PAGE_MAX_AGE
        ages.append(age)
        for lieu_id in parse(response.text).ids:
            r = rows[lieu_id]
            seen = horaires.etat(r["horaires"], r, now=now)
            for seconds in list(range(0, age, 60)) + [max(0, age - 1)]:
                assert horaires.etat(r["horaires"], r, now=now + timedelta(seconds=seconds)) == seen, (lieu_id, seconds)
    assert any(ages)
    response = await reference_datasette.client.get("/", params={"q": communes[0], "ouvert": "maintenant"})
    assert int(response.headers["cache-control"].rsplit("=", 1)[1]) <= pages.OPEN_FILTER_MAX_AGE
    signed_in = {"ds_actor": reference_datasette.sign({"a": {"id": "root"}}, "actor")}
    response = await reference_datasette.client.get("/", params={"q": communes[0]}, cookies=signed_in)
    assert response.headers["cache-control"] == "private, no-store"


@requires_reference
@pytest.mark.parametrize("paris", ["2026-12-07T11:55", "2026-12-24T16:58", "2026-12-25T08:59", "2026-12-26T23:52"])
def test_page_max_age_at_chosen_moments(reference_datasette, reference_db, paris):
    """At moments when lieux open, close, or a holiday starts: the page's max-age for groups of 10 nearest lieux
    ends no later than the first change of any of them, checked minute by minute with horaires.etat."""
    from lieux import horaires, locating

    now = datetime.fromisoformat(paris).replace(tzinfo=ZoneInfo("Europe/Paris")).astimezone(ZoneInfo("UTC"))
    conn = sqlite3.connect(reference_db)
    conn.row_factory = sqlite3.Row
    communes = [r[0] for r in conn.execute("select distinct commune from lieux where horaires is not null "
                                           "order by commune")][::60]
    shorter = 0
    for commune in communes:
        located = locating.locate(conn, q=commune)
        if located.status != locating.FOUND:
            continue
        rows = locating.search_lieux(conn, located.lat, located.lon, located.label, located.departement, 10, None,
                                     None).rows
        cards = [pages.result_card(reference_datasette, r, None, now) for r in rows]
        age = pages.page_max_age(cards, {"ouvert": None}, now)
        shorter += age < pages.PAGE_MAX_AGE
        for r in rows:
            seen = horaires.etat(r["horaires"], r, now=now)
            for seconds in list(range(0, age, 60)) + [max(0, age - 1)]:
                assert horaires.etat(r["horaires"], r, now=now + timedelta(seconds=seconds)) == seen, (r["id"], age)
    conn.close()
    if not paris.endswith("08:59"):  # Christmas morning: hours without PH are unknown all day
        assert shorter > 0  # lieux close, or the day ends, within 10 minutes
