"""Serving safely: read-only, bounded, headers on every response, hostile data shown inert."""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.servers import Server

from lieux import site
from lieux.sources import SOURCES_DIR, load_descriptor
from plugins.securite import CONTENT_SECURITY_POLICY
from tests.conftest import requires_reference, run_build

INJECTIONS = Path(__file__).parent / "data" / "mauvais-fichiers" / "injections.csv"
# What the corpus puts in every text field; none may reach a page unescaped.
RAW = ["<script>window.__xss=1", '<img src=x onerror="window.__xss=1">', "<svg onload=window.__xss=1>",
       "</textarea><script>"]


@pytest.fixture(scope="session")
def injection_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("injections") / "lieux.db"
    run_build(db, "--input", f"mediation-numerique={INJECTIONS}")
    return db


@pytest.fixture(scope="session")
def injection_datasette(injection_db):
    return site.make_datasette(injection_db)


def injection_ids(db):
    import sqlite3
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("select id from lieux order by id")]


PAGES = [
    "/", "/lieux", "/lieux/lieux", "/lieux/lieux?_facet=nom&_facet=commune&_facet=source",
    "/lieux/lieux?_search=script", "/lieux/lieux?nom__contains=%3Cscript", "/lieux/rejets", "/lieux/corrections",
    "/lieux/sources", "/lieux?sql=" + urllib.parse.quote("select '<script>window.__xss=1</script>' as x"),
    "/lieux/lieux?_sort=%3Cscript%3Ewindow.__xss%3D1%3C/script%3E",
]


@pytest.mark.asyncio
async def test_every_page_escapes_the_injection_corpus(injection_datasette, injection_db):
    ids = injection_ids(injection_db)
    assert len(ids) == 8
    paths = PAGES + [f"/lieux/lieux/{urllib.parse.quote(i, safe='')}" for i in ids]
    for path in paths:
        response = await injection_datasette.client.get(path)
        # an unknown _sort column is 400 (plugins/erreurs.py), SQL is refused on the public instance (403)
        assert response.status_code in (200, 400, 403), (path, response.status_code)
        for raw in RAW:
            assert raw not in response.text, (path, raw)
    row = await injection_datasette.client.get(f"/lieux/lieux/{ids[0]}")
    assert "&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt; (nom)" in row.text


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/lieux/lieux", "/lieux/lieux.json", "/lieux/lieux.csv", "/-/versions.json",
                                  "/-/static/app.css", "/nexiste-pas", "/lieux?sql=select+nope", "/-/threads.json",
                                  "/api/nexiste-pas", "/lieux/lieux?_sort=nexiste"])
async def test_security_headers_on_every_response(injection_datasette, path):
    response = await injection_datasette.client.get(path)
    assert nonce_free(response.headers["content-security-policy"]) == CONTENT_SECURITY_POLICY, path
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert len(response.headers.get_list("content-security-policy")) == 1  # once
    assert "'unsafe-inline'" not in directive(response.headers["content-security-policy"], "script-src")


def nonce_free(csp: str) -> str:
    """The policy without its per-response parts (nonce, hashes of the plugins' scripts of that page)."""
    return re.sub(r" '(nonce-[-_A-Za-z0-9]+|sha256-[+/=A-Za-z0-9]+)'", lambda m: "" if m.group(0).strip("' ")
                  not in CONTENT_SECURITY_POLICY else m.group(0), csp)


def directive(csp: str, name: str) -> str:
    return dict(d.split(" ", 1) for d in csp.split("; "))[name]


def test_the_policy_forbids_other_origins():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "*" not in directives["script-src"].split() and "http:" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]


def test_served_immutable_and_bounded(injection_db):
    command = site.serve_command(injection_db, 8001)
    assert command[command.index("-i") + 1] == str(injection_db)
    settings = dict(zip(command[command.index("--setting") + 1::3], command[command.index("--setting") + 2::3]))
    assert int(settings["sql_time_limit_ms"]) <= 2000 and int(settings["max_returned_rows"]) <= 1000
    assert settings["allow_download"] == "true"  # open data: the whole file, while the server runs no SQL
    assert settings["suggest_facets"] == "false"  # seconds per table page at 100,000 lieux (bench/load.py)


@pytest.fixture(scope="session")
def trusted_datasette(injection_db):
    """The instance of `serve --sql`: arbitrary SQL with its limits, /-/ pages open."""
    return site.make_datasette(injection_db, sql=True)


@pytest.mark.asyncio
async def test_limits_hold_on_a_real_request(trusted_datasette):
    injection_datasette = trusted_datasette
    databases = (await injection_datasette.client.get("/-/databases.json")).json()
    assert [d["is_mutable"] for d in databases if d["name"] == "lieux"] == [False]
    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    response = await injection_datasette.client.get("/lieux.json?sql=" + urllib.parse.quote(endless))
    assert response.status_code == 400 and "temps permis" in response.text
    many = "with recursive c(x) as (select 1 union all select x + 1 from c limit 5000) select x from c"
    response = await injection_datasette.client.get("/lieux.json?_shape=objects&sql=" + urllib.parse.quote(many))
    body = response.json()
    assert len(body["rows"]) == 1000 and body["truncated"] is True
    for write in ("delete from lieux", "update lieux set nom = 'x'", "pragma writable_schema = 1"):
        response = await injection_datasette.client.get("/lieux.json?sql=" + urllib.parse.quote(write))
        assert response.status_code == 400, write


# Plugins that only read: any new one must be reviewed (does it write? does it escape?) and added here.
READ_ONLY_PLUGINS = {"datasette-haversine",  # test/bench extra only: one SQL function
                     "datasette-cluster-map", "datasette-geojson", "datasette-leaflet", "datasette-leaflet-geojson",
                     "demo_banner.py", "schema_metadata.py", "erreurs.py"}
WRITING_HOOKS = {"register_routes", "startup", "permission_allowed", "actor_from_request", "register_commands"}
# Our plugins that add routes, reviewed: their views only run SELECTs (the database is immutable anyway)
# and render through autoescaped templates or JSON.
REVIEWED_ROUTE_PLUGINS = {"couverture.py", "api.py", "pages.py", "qualite.py", "integrer.py", "fiches.py", "changements.py",
                          "site.py"}  # /dictionnaire, /carte/departements.geojson: SELECTs, escaped

# Plugins that write, reviewed: never to the published database (immutable), only to their own file.
REVIEWED_WRITING_PLUGINS = {
    # « Signaler une erreur »: reports in signalements.db (tests/test_signalements.py checks the published
    # database's sha256 is unchanged); /signalements needs the permission it declares.
    "signalements.py": {"register_routes", "permission_allowed"},
}
# Reviewed: securite.py only denies (permission_allowed answers False or None; its route answers 403);
# nom_base.py's startup renames the one served database `lieux` (no write to any file).
# api.py's startup only reads (the place directory, warmed before the first search).
REVIEWED_OTHER = {"securite.py": {"register_routes", "permission_allowed"}, "nom_base.py": {"startup"},
                  "api.py": {"register_routes", "startup"}}


@pytest.mark.asyncio
async def test_no_plugin_writes(trusted_datasette):
    plugins = (await trusted_datasette.client.get("/-/plugins.json")).json()
    names = {p["name"] for p in plugins}
    own = {p.name for p in site.PLUGINS_DIR.glob("*.py")}
    assert own <= names
    assert names - own <= READ_ONLY_PLUGINS, f"plugin(s) to review: {names - own - READ_ONLY_PLUGINS}"
    for plugin in plugins:
        if plugin["name"] in own:
            hooks = set(plugin["hooks"]) & WRITING_HOOKS
            if plugin["name"] in REVIEWED_WRITING_PLUGINS:
                assert hooks == REVIEWED_WRITING_PLUGINS[plugin["name"]], plugin
                continue
            if plugin["name"] in REVIEWED_OTHER:
                assert hooks <= REVIEWED_OTHER[plugin["name"]], plugin
                continue
            assert not hooks or (hooks == {"register_routes"} and plugin["name"] in REVIEWED_ROUTE_PLUGINS), plugin


# Columns of the structures list; a column about a person (name, e-mail, phone of a conseiller) is not among them.
CONSEILLERS_COLUMNS = {
    "raison_sociale", "commune_insee", "département", "région", "nb_cnfs", "date_de_validation_en_comité_de_sélection",
    "type", "siret", "code_département", "code_postal", "investissement_financier_estimatif_total_de_l.etat", "zrr",
    "france_services", "latitude", "longitude", "result_score", "result_label", "result_postcode", "result_citycode",
    "siret_doublon", "adresse_absente", "geocodage_manuel", "id", "adresse", "insee_com", "qpv",
    "code_postal_bis", "cp_differents", "insee_dep", "lib_dep", "insee_reg", "lib_reg",
}


def test_conseillers_source_maps_structures_only():
    from tests.test_fuzz_normalisers import _columns

    descriptor = load_descriptor(SOURCES_DIR / "conseillers-numeriques.yml")
    for output in descriptor.outputs:
        used = {c for spec in output.fields.values() for c in _columns(spec)}
        assert used <= CONSEILLERS_COLUMNS, output.schema
    assert [o.schema for o in descriptor.outputs] == ["lieux-mediation-numerique", "structures-conseillers-numeriques"]


@requires_reference
def test_no_personal_data_reaches_the_database(reference_db):
    """Rejected rows are published whole (rejets.ligne_source): their keys must be structure columns too."""
    import sqlite3
    with sqlite3.connect(reference_db) as conn:
        raws = [json.loads(r[0]) for r in conn.execute(
            "select ligne_source from rejets where source = 'conseillers-numeriques'")]
    assert raws
    assert set().union(*raws) <= CONSEILLERS_COLUMNS


# --- the injection corpus in a real browser ------------------------------------------------------------

def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def injection_server(injection_db, tmp_path_factory):
    server = Server(injection_db, tmp_path_factory.mktemp("injection-server") / "datasette.log")
    try:
        server.wait(30)
        yield server.url
    finally:
        server.stop()


@pytest.mark.browser
def test_no_script_runs_in_a_real_browser(injection_server, injection_db):
    if not chromium():
        if os.environ.get("LIEUX_REQUIRE_BROWSER"):
            pytest.fail("Chromium est requis (LIEUX_REQUIRE_BROWSER=1) : apt-get install chromium")
        pytest.skip("Chromium absent")
    from playwright.sync_api import sync_playwright

    paths = PAGES + [f"/lieux/lieux/{urllib.parse.quote(i, safe='')}" for i in injection_ids(injection_db)]
    dialogs, violations = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(injection_server)
                   else route.abort())  # loopback only: map tiles are not fetched
        for path in paths:
            page.goto(injection_server + path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__xss") is None, path
        # the map: open the popup of the cluster (all 8 places share one point)
        page.goto(injection_server + "/lieux/lieux")
        page.wait_for_selector(".marker-cluster, .leaflet-marker-icon", timeout=10000)
        page.locator(".marker-cluster, .leaflet-marker-icon").first.click()
        page.wait_for_timeout(800)  # the cluster spiderfies: one marker per place
        popups = page.evaluate("""async () => {
            const texts = [];
            for (const marker of document.querySelectorAll('.leaflet-marker-icon')) {
                marker.dispatchEvent(new MouseEvent('click', {bubbles: true}));
                await new Promise(r => setTimeout(r, 50));
                const popup = document.querySelector('.leaflet-popup-content');
                if (popup) texts.push(popup.innerText);
            }
            return texts;
        }""")
        assert page.evaluate("window.__xss") is None
        browser.close()
    assert dialogs == []
    assert violations == []  # the policy lets Datasette's and the map's own scripts run
    assert any("<script>" in text for text in popups), popups  # shown as text


@pytest.mark.asyncio
async def test_a_cached_search_page_keeps_the_script_hashes_of_its_csp(demo_datasette):
    # plugins/cache_pages.py answers the same search from memory; the inline scripts plugins add to the page
    # (datasette-leaflet's configuration) must still be allowed by the CSP of that second answer
    import base64
    import hashlib
    import re

    first = await demo_datasette.client.get("/?q=Paris&n=7")
    second = await demo_datasette.client.get("/?q=Paris&n=7")
    assert first.text == second.text  # the second answer came from the cache
    for response in (first, second):
        policy = response.headers["content-security-policy"]
        inline = [m.group(1) for m in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>",
                                                  response.text, re.S) if "nonce=" not in m.group(0)]
        assert inline, "the page has plugin scripts to allow"
        for script in inline:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy
