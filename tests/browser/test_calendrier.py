"""Positions as precise as they are and hours that know the calendar, in Debian's headless Chromium.

The server serves the demo sample built with the reference geography, two of its lieux given without
coordinates (so the build places them at their commune's centre: qualite_geo centre_commune).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser.harness import Server, require_browser, wait_until
from tests.browser.test_public_pages import Visit, result_ids
from tests.conftest import REFERENCE, run_build
from tests.reference_inputs import GEO_REFERENCE_INPUTS

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
WITHOUT_POINT = ("demo-026", "demo-044")  # Paris 11e, Bourg-en-Bresse


@pytest.fixture(scope="module")
def approx_db(tmp_path_factory):
    require_browser()
    if not REFERENCE.is_dir():
        pytest.skip(f"données de référence absentes ({REFERENCE})")
    folder = tmp_path_factory.mktemp("approx")
    rows = list(csv.reader(io.StringIO((ROOT / "sources/demo/lieux-demo.csv").read_text(encoding="utf-8"))))
    lat, lon = rows[0].index("latitude"), rows[0].index("longitude")
    for row in rows[1:]:
        if row[0] in WITHOUT_POINT:
            row[lat] = row[lon] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (folder / "lieux-demo.csv").write_text(out.getvalue(), encoding="utf-8")
    args = ["--demo", "--input", f"demo={folder / 'lieux-demo.csv'}"]
    for ref_id, relative in GEO_REFERENCE_INPUTS.items():
        args += ["--input", f"{ref_id}={REFERENCE / relative}"]
    db = folder / "lieux.db"
    run_build(db, *args)
    return db


@pytest.fixture(scope="module")
def server(approx_db, tmp_path_factory):
    srv = Server(approx_db, tmp_path_factory.mktemp("serve-approx") / "datasette.log")
    try:
        srv.wait()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(params=["telephone", "bureau"])
def visit(chromium, server, request):
    v = Visit(chromium, server, request.param)
    yield v
    v.close()
    assert v.errors == [], "JavaScript errors in the page"


def test_approximate_positions_in_the_results_and_on_the_map(visit):
    page = visit.goto("/")
    page.get_by_label("Commune, code postal ou adresse").fill("75011")
    with page.expect_response(lambda r: "/api/proches?" in r.url) as answer:
        page.keyboard.press("Enter")
    api = answer.value.json()
    wait_until(page, "document.querySelectorAll('#liste > li.resultat').length > 0")
    ids = result_ids(page)
    assert "demo-026" in ids
    assert [l["id"] for l in api["lieux"] if l["position_approximative"]] == ["demo-026"]
    card = page.locator("#liste > li.resultat[data-id='demo-026']")
    assert card.locator(".resultat-distance").inner_text() == "dans la commune de Paris (position approximative)"
    for other in (i for i in ids if i != "demo-026"):
        assert page.locator(f"#liste > li.resultat[data-id='{other}'] .resultat-distance").inner_text().startswith("à ")
    # Its marker is a hollow dashed circle, the others filled discs; the legend says what it means.
    number = ids.index("demo-026") + 1
    marker = page.locator(f".leaflet-marker-icon[title^='{number}. ']")
    assert marker.get_attribute("title").endswith("(position approximative)")
    style = marker.locator(".marqueur-numero").evaluate(
        "e => { const s = getComputedStyle(e); return [s.borderTopStyle, s.backgroundColor]; }")
    assert style == ["dashed", "rgb(255, 255, 255)"]
    assert page.locator(".marqueur-numero.approximatif").count() == 1
    assert page.locator(".marqueur-numero:not(.approximatif)").count() == len(ids) - 1
    legend = page.locator("#legende-approximative")
    assert legend.is_visible() and "position approximative (centre de la commune)" in legend.inner_text()
    visit.shot("calendrier-position-approximative")
    # The popup says it too.
    marker.click()
    assert "dans la commune de Paris (position approximative)" in page.locator(".leaflet-popup-content").inner_text()


def test_approximate_position_without_javascript(chromium, server):
    v = Visit(chromium, server, "telephone", javascript=False)
    try:
        page = v.goto("/?q=01000+Bourg-en-Bresse")  # 01000 alone is shared with Saint-Denis-lès-Bourg: a choice
        card = page.locator("#liste > li.resultat[data-id='demo-044']")
        assert card.locator(".resultat-distance").inner_text() == "dans la commune de Bourg-en-Bresse (position approximative)"
        assert not re.search(r"à \d+ m", card.inner_text())
    finally:
        v.close()


def test_place_page_says_the_position_is_approximate(visit):
    page = visit.goto("/lieu/demo-044")
    note = page.locator("#position-approximative")
    assert note.is_visible()
    assert "le point de la carte est le centre de la commune de Bourg-en-Bresse, pas l'adresse du lieu" in note.inner_text()
    assert page.locator(".marqueur-lieu.approximatif").is_visible()
    assert page.locator("#legende-approximative").is_visible()
    assert page.get_by_role("link", name="Voir la commune sur OpenStreetMap").is_visible()
    visit.shot("calendrier-fiche-approximative")
    page = visit.goto("/lieu/demo-001")  # a precise point: nothing of it
    assert page.locator("#position-approximative").count() == 0
    assert page.locator(".marqueur-lieu.approximatif").count() == 0
    assert page.get_by_role("link", name="Voir sur OpenStreetMap").is_visible()


def test_holiday_note_on_the_place_page(visit):
    page = visit.goto("/lieu/demo-010?ouvert=2026-12-25T10:00")
    badge = page.locator("#etat-ferie")
    assert badge.is_visible()
    assert badge.text_content() == "Jour férié (Noël, le vendredi 25 décembre 2026 à 10 h) : horaires à vérifier"
    friday = page.locator("table.horaires tr.ferie")
    assert friday.count() == 1
    assert re.fullmatch(r"Vendredi \(jour choisi\) férié : Noël\s+horaires à vérifier", friday.inner_text().strip())
    holidays = page.locator("#jours-feries")
    assert holidays.is_visible()
    assert holidays.locator("li").all_inner_texts() == [
        "vendredi 25 décembre (Noël) : jour férié : horaires à vérifier",
        "vendredi 1er janvier (Jour de l'an) : jour férié : horaires à vérifier"]
    visit.shot("calendrier-jour-ferie")


def test_when_choice_searches_a_holiday(visit):
    page = visit.goto("/?q=75011")
    with page.expect_response(lambda r: "ouvert=2026-12-25T10%3A00" in r.url or "ouvert=2026-12-25T10:00" in r.url):
        page.get_by_label("Ouvert quand ?").select_option("autre")
        page.get_by_label("Jour et heure").fill("2026-12-25T10:00")
    wait_until(page, "!document.getElementById('recherche').hasAttribute('aria-busy')")
    wait_until(page, "document.querySelectorAll('#liste > li.resultat').length === 1")
    assert result_ids(page) == ["demo-026"]  # the only lieu whose hours say PH
    assert "ouverts le vendredi 25 décembre 2026 à 10 h" in page.locator("#resultats-entete").inner_text()
    assert "ouvert=2026-12-25T10%3A00" in page.url or "ouvert=2026-12-25T10:00" in page.url
    visit.shot("calendrier-quand")
    page.locator("#liste h3 a").click()
    page.wait_for_url(re.compile(r"/lieu/demo-026\?ouvert="))
    assert "Ouvert le vendredi 25 décembre 2026 à 10 h (jour férié : Noël)" in page.locator(".fiche-etat").text_content()


@pytest.mark.parametrize("path", ["/?q=75011", "/?q=75011&ouvert=2026-12-25T10:00", "/?q=75011&ouvert=autre",
                                  "/lieu/demo-044", "/lieu/demo-010?ouvert=2026-12-25T10:00"])
def test_axe_finds_no_violation(visit, path):
    from axe_playwright_python.sync_playwright import Axe

    page = visit.goto(path)
    page.wait_for_load_state("networkidle")
    violations = Axe().run(page).response["violations"]
    assert [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in violations] == []
