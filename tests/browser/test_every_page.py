"""Every page of the site in Debian's Chromium, at phone (390×844) and desktop (1366×768) size.

The list of pages is built from the application itself: every route that plugins register (a route
with a parameter gets a sample value from SAMPLES, and a new parameter name fails the test until it
has one), Datasette's database page, every visible table, a row, the canned queries, a typed SQL
query and error pages. Each page must: be no wider than the window, have lang="fr", show none of the
English interface strings of tests/data/anglais-interface.txt, and have no serious or critical axe-core
violation.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser.harness import SCREENSHOTS, Server, require_browser, wait_until
from tests.conftest import REFERENCE, run_build
from tests.reference_inputs import GEO_REFERENCE_INPUTS

pytestmark = pytest.mark.browser

SIZES = {"telephone": {"width": 390, "height": 844}, "bureau": {"width": 1366, "height": 768}}
ENGLISH = [line.strip() for line in (Path(__file__).resolve().parent.parent / "data" / "anglais-interface.txt")
           .read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def site_db(tmp_path_factory):
    """The demo lieux with the reference geography when ../shared is there (département outlines, coverage)."""
    db = tmp_path_factory.mktemp("site") / "lieux.db"
    inputs = []
    if REFERENCE.is_dir():
        for ref_id, relative in GEO_REFERENCE_INPUTS.items():
            inputs += ["--input", f"{ref_id}={REFERENCE / relative}"]
    run_build(db, "--demo", *inputs)
    return db


@pytest.fixture(scope="module")
def site(site_db, tmp_path_factory):
    require_browser()
    srv = Server(site_db, tmp_path_factory.mktemp("site-serve") / "datasette.log")
    try:
        srv.wait()
        yield srv
    finally:
        srv.stop()


def samples(db_path) -> dict:
    """A value for each route parameter name, taken from the database."""
    conn = sqlite3.connect(db_path)
    first = lambda sql: (conn.execute(sql).fetchone() or [None])[0]  # noqa: E731
    return {
        "id": first("select id from lieux order by id"),
        "lieu_id": first("select id from lieux order by id"),
        "source": first("select id from sources order by id"),
        "source_id": first("select id from sources order by id"),
        "commune": first("select commune from lieux where commune is not null order by commune"),
        "code": first("select code_postal from lieux where code_postal is not null order by 1"),
    }


def plugin_paths(db_path) -> list[str]:
    """One address for each route the plugins register (Datasette's pm), parameters filled from samples()."""
    from datasette.plugins import pm

    from lieux.site import make_datasette

    datasette = make_datasette(db_path)
    values = samples(db_path)
    paths = []
    for routes in pm.hook.register_routes(datasette=datasette):
        for pattern, _view in routes or []:
            regex = pattern if isinstance(pattern, str) else pattern.pattern
            regex = re.sub(r"\(\?:(?:[^()]|\([^()]*\))*\)\?", "", regex)  # optional parts left out
            names = re.findall(r"\(\?P<(\w+)>", regex)
            missing = [n for n in names if not values.get(n)]
            assert not missing, f"route {regex}: donnez un exemple pour {missing} dans samples()"
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: quote(str(values[m.group(1)]), safe=""), regex)
            path = path.lstrip("^").rstrip("$").replace("\\.", ".").replace("/?", "/")
            path = re.sub(r"[()?]", "", path)
            paths.append(path)
    return sorted(set(paths))


def datasette_paths(db_path) -> list[str]:
    import yaml

    from lieux.site import METADATA

    conn = sqlite3.connect(db_path)
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    hidden = {t for t, m in metadata["databases"]["lieux"]["tables"].items() if (m or {}).get("hidden")}
    visible = [t for t in tables if t not in hidden and not re.match(r"lieux_(fts|rtree)", t) and not t.startswith("sqlite_")]
    queries = list((metadata["databases"]["lieux"].get("queries") or {}))
    first_id = conn.execute("select id from lieux order by id").fetchone()[0]
    source_id = conn.execute("select id from sources order by id").fetchone()[0]
    return (["/lieux", "/lieux/lieux?_facet=departement_code&departement_code__not=00",
             f"/lieux/lieux/{first_id}", f"/lieux/sources/{source_id}",
             "/lieux?sql=select+id%2C+nom+from+lieux+limit+5",
             "/page-qui-n-existe-pas", "/lieux/table-qui-n-existe-pas", "/lieux/lieux/ligne-qui-n-existe-pas"]
            + [f"/lieux/{t}" for t in visible] + [f"/lieux/{q}?commune=Paris" for q in queries])


@pytest.fixture(scope="module")
def every_path(site_db):
    paths = plugin_paths(site_db) + datasette_paths(site_db)
    # Answers that are not pages (JSON, GeoJSON, CSV) are checked by their own tests.
    return [p for p in dict.fromkeys(paths) if not re.search(r"\.(json|geojson|csv)(\?|$)|^/api/(?!$)", p)]


def english_found(page) -> list[str]:
    text = page.evaluate("""() => {
        const bits = [document.body.innerText, document.title];
        for (const e of document.querySelectorAll('[title], [aria-label], [placeholder], [alt], input[type=submit], input[type=button]'))
            for (const a of ['title', 'aria-label', 'placeholder', 'alt', 'value']) if (e.getAttribute(a)) bits.push(e.getAttribute(a));
        return bits.join('\\n');
    }""")
    return [w for w in ENGLISH if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text)]


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_is_french_fits_the_window_and_passes_axe(chromium, site, every_path, size):
    from axe_playwright_python.sync_playwright import Axe

    assert len(every_path) >= 25, every_path
    context = chromium.new_context(viewport=SIZES[size], locale="fr-FR", timezone_id="Europe/Paris",
                                   is_mobile=size == "telephone", has_touch=size == "telephone")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site.url) else r.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A script refused by the Content-Security-Policy, or any other error in the console (tiles are blocked here).
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error"
            and "Failed to load resource" not in m.text and "ERR_FAILED" not in m.text else None)
    problems, axe, statuses = {}, Axe(), {}
    try:
        for path in every_path:
            response = page.goto(site.url + path)
            statuses[path] = response.status
            page.wait_for_load_state("networkidle")
            found = []
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width[0] > width[1]:
                found.append(f"page plus large que la fenêtre : {width[0]} px > {width[1]} px")
            lang = page.evaluate("document.documentElement.lang")
            if lang != "fr":
                found.append(f'lang="{lang}"')
            english = english_found(page)
            if english:
                found.append(f"anglais : {english}")
            violations = axe.run(page).response["violations"]
            serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations if v["impact"] in SERIOUS]
            if serious:
                found.append(f"axe : {serious}")
            if found:
                problems[path] = found
            SCREENSHOTS.mkdir(exist_ok=True)
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "accueil"
            page.screenshot(path=str(SCREENSHOTS / f"page-{slug}-{size}.png"))
    finally:
        context.close()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    assert errors == []
    # The error pages are errors; every other page answers (or refuses: a protected page, SQL closed).
    assert {p: s for p, s in statuses.items() if s >= 500 or (s == 404 and "n-existe-pas" not in p)} == {}
    assert all(statuses[p] == 404 for p in statuses if "n-existe-pas" in p)


def test_the_route_list_covers_every_plugin_route(site_db, every_path):
    """A route added by any plugin (outreach's pages, the API's docs…) is in the list without editing this test."""
    from datasette.plugins import pm

    from lieux.site import make_datasette

    count = sum(len(r or []) for r in pm.hook.register_routes(datasette=make_datasette(site_db)))
    assert len(plugin_paths(site_db)) >= count - 1  # "/api" and "/api/" are one page
    for path in ("/", "/couverture", "/qualite", "/dictionnaire", "/lieux", "/lieux/lieux", "/api/"):
        assert path in every_path
    assert any(p.startswith("/lieu/") for p in every_path) and any(p.startswith("/qualite/") for p in every_path)


# -- maps ----------------------------------------------------------------------------------------

# A 1×1 PNG, served as every tile when the test plays a tile server that answers.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
MAP_PAGES = ["/?q=75011", "/lieu/demo-001", "/lieux/lieux"]


def tile_route(site, how):
    def handle(route):
        url = route.request.url
        if url.startswith(site.url):
            return route.continue_()
        if how == "repond":
            return route.fulfill(status=200, content_type="image/png", body=PNG)
        if how == "erreur-500":
            return route.fulfill(status=500, body="panne")
        return route.abort()  # "bloquees": offline
    return handle


@pytest.mark.parametrize("how", ["bloquees", "erreur-500"])
@pytest.mark.parametrize("size", list(SIZES))
def test_maps_without_tiles_say_so_and_draw_the_departements(chromium, site, site_db, size, how):
    context = chromium.new_context(viewport=SIZES[size], locale="fr-FR")
    context.route("**/*", tile_route(site, how))
    page = context.new_page()
    departements = sqlite3.connect(site_db).execute(
        "select count(*) from departements where geometry is not null").fetchone()[0]
    try:
        for path in MAP_PAGES:
            page.goto(site.url + path)
            page.locator(".carte-message").first.wait_for(timeout=15000)
            message = page.locator(".carte-message").first
            assert message.is_visible()
            assert message.inner_text().startswith("Le fond de carte n'a pas pu être chargé")
            if departements:
                wait_until(page, "document.querySelector('[data-contours]') !== null")
                drawn = page.evaluate("document.querySelector('[data-contours]').dataset.contours")
                assert int(drawn) == departements
                assert page.locator("[data-contours] .leaflet-overlay-pane path").count() >= departements
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
            page.screenshot(path=str(SCREENSHOTS / f"carte-sans-tuiles-{how}-{slug}-{size}.png"))
    finally:
        context.close()


def test_maps_with_tiles_show_no_message(chromium, site):
    context = chromium.new_context(viewport=SIZES["bureau"], locale="fr-FR")
    context.route("**/*", tile_route(site, "repond"))
    page = context.new_page()
    try:
        for path in MAP_PAGES:
            page.goto(site.url + path)
            wait_until(page, "document.querySelectorAll('.leaflet-tile-loaded').length > 0")
            page.wait_for_load_state("networkidle")
            assert page.locator(".carte-message").count() == 0, path
            assert page.locator("[data-contours]").count() == 0, path
    finally:
        context.close()


def test_markers_are_not_tab_stops_and_same_spot_markers_are_spread(chromium, site):
    context = chromium.new_context(viewport=SIZES["bureau"], locale="fr-FR")
    context.route("**/*", tile_route(site, "repond"))
    page = context.new_page()
    try:
        for path in ("/?q=75011", "/lieux/lieux"):
            page.goto(site.url + path)
            wait_until(page, "document.querySelectorAll('.leaflet-marker-icon').length > 0")
            focusable = page.evaluate("[...document.querySelectorAll('.leaflet-marker-icon')]"
                                      ".filter(m => m.tabIndex >= 0 && m.hasAttribute('tabindex')).length")
            assert focusable == 0, path
        # The list is the keyboard path: tabbing from the search box reaches every result's link.
        page.goto(site.url + "/?q=75011")
        links = page.locator("#liste > li.resultat h3 a").count()
        assert links > 0
        # Three lieux at one spot are drawn apart, each number visible.
        positions = page.evaluate("""() => {
            const box = document.createElement('div'); box.style.cssText = 'width:400px;height:300px';
            document.body.appendChild(box);
            const carte = LieuxCarte.create(box, JSON.parse(document.getElementById('donnees-carte').textContent));
            const spot = {lat: 48.8566, lon: 2.3522};
            LieuxCarte.draw(carte, null, [1, 2, 3].map(i => Object.assign({id: 'x' + i, nom: 'Lieu ' + i}, spot)), true);
            return [...box.querySelectorAll('.marqueur-numero')].map(m => {
                const r = m.getBoundingClientRect(); return [Math.round(r.x), Math.round(r.y), m.textContent]; });
        }""")
        assert sorted(p[2] for p in positions) == ["1", "2", "3"]
        points = {(x, y) for x, y, _ in positions}
        assert len(points) == 3
        assert all(abs(a[0] - b[0]) >= 20 or abs(a[1] - b[1]) >= 20 for a in points for b in points if a != b)
    finally:
        context.close()


def test_without_javascript_the_desktop_results_have_no_empty_column(chromium, site):
    context = chromium.new_context(viewport=SIZES["bureau"], locale="fr-FR", java_script_enabled=False)
    context.route("**/*", tile_route(site, "bloquees"))
    page = context.new_page()
    try:
        page.goto(site.url + "/?q=75011")
        assert page.locator("#liste > li.resultat").count() > 0
        assert page.locator(".carte-cadre").is_hidden()
        liste = page.locator("#liste").bounding_box()
        zone = page.locator(".liste-carte").bounding_box()
        assert liste["width"] >= 0.95 * zone["width"], (liste, zone)
        page.screenshot(path=str(SCREENSHOTS / "recherche-sans-js-bureau-1366.png"), full_page=True)
    finally:
        context.close()


def test_the_browser_puts_names_in_normal_case_as_the_server_does(chromium, site):
    """static/texte.js (results fetched from the API) gives the same text as lieux/texte.py (pages)."""
    from lieux import texte
    from tests.test_texte import ADDRESSES, NAMES

    context = chromium.new_context(viewport=SIZES["bureau"], locale="fr-FR")
    context.route("**/*", tile_route(site, "bloquees"))
    page = context.new_page()
    try:
        page.goto(site.url + "/?q=75011")
        wait_until(page, "window.LieuxTexte !== undefined")
        page.evaluate("LieuxTexte.setup(JSON.parse(document.getElementById('donnees-carte').textContent).texte)")
        for raw, _ in NAMES:
            assert page.evaluate("t => LieuxTexte.nom(t)", raw) == texte.normal_case(raw), raw
        for raw, _ in ADDRESSES:
            assert page.evaluate("t => LieuxTexte.adresse(t)", raw) == texte.normal_case(raw, address=True), raw
        assert page.evaluate("v => LieuxTexte.accueilPublic(v)", ["Ce lieu n’accueille pas de public"]) is False
    finally:
        context.close()
