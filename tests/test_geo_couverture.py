"""The coverage page: lieux per 10,000 inhabitants by département, map and sortable table, overseas included."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from plugins.couverture import colour, legend
from tests.conftest import requires_reference

pytestmark = requires_reference


@pytest.mark.parametrize("rate, expected", [(None, "#cccccc"), (0, "#b30000"), (0.49, "#b30000"), (0.5, "#e34a33"),
                                            (2.49, "#fdcc8a"), (2.5, "#2c7fb8"), (40, "#2c7fb8")])
def test_colour(rate, expected):
    assert colour(rate) == expected


def test_legend_is_french():
    assert [item["label"] for item in legend()] == ["0 à 0,5", "0,5 à 1", "1 à 1,5", "1,5 à 2,5", "2,5 et plus"]


@pytest.mark.asyncio
async def test_coverage_page(reference_datasette):
    r = await reference_datasette.client.get("/couverture")
    assert r.status_code == 200
    html = r.text
    assert "Couverture du territoire" in html and "Lieux pour 10 000 habitants" in html
    for code in ("971", "972", "973", "974", "976"):
        assert f'id="carte-{code}"' in html and f'<tr data-code="{code}">' in html
    assert html.count("<tr data-code=") == 101
    for label in ("France Services", "Conseillers numériques", "Aidants Connect"):
        assert f'<button data-type="number">{label}</button>' in html
    assert "/static/carte-secours.js" in html  # Leaflet, through the module that sets every map's French words
    assert "référentiel géographique n'est pas chargé" not in html


@pytest.mark.asyncio
async def test_coverage_exports_as_geojson(reference_datasette):
    r = await reference_datasette.client.get("/lieux/couverture_departements.geojson?_size=max")
    assert r.status_code == 200
    features = r.json()["features"]
    assert len(features) == 101 and {"lieux", "lieux_pour_10000_habitants"} <= set(features[0]["properties"])


@pytest.mark.asyncio
async def test_coverage_page_without_geography(tmp_path, monkeypatch):
    """A database built offline has no reference geography: the page says how to get it."""
    from lieux.site import make_datasette
    from tests.conftest import run_build

    monkeypatch.setattr("lieux.fetch.CACHE_DIR", tmp_path / "empty-cache")
    db = tmp_path / "lieux.db"
    run_build(db, "--demo")
    r = await make_datasette(db).client.get("/couverture")
    assert r.status_code == 200 and "ne contient pas le référentiel" in r.text and "python build.py" not in r.text and 'id="carte-metropole"' not in r.text


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
def test_maps_draw_every_departement_and_the_table_sorts(reference_db):
    if not chromium():
        if os.environ.get("LIEUX_REQUIRE_BROWSER"):
            pytest.fail("Chromium absent alors que LIEUX_REQUIRE_BROWSER=1")
        pytest.skip("Chromium absent")
    from playwright.sync_api import sync_playwright

    from lieux.site import serve_command

    with socket.socket() as probe:  # a free port: other worktrees may run their tests at the same time
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(serve_command(Path(reference_db), port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium())
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            for _ in range(50):
                try:
                    page.goto(f"http://127.0.0.1:{port}/couverture")
                    break
                except Exception:
                    time.sleep(0.2)
            # polled from Python: wait_for_function evaluates a string, which the site's CSP forbids
            page.locator("path.leaflet-interactive").nth(100).wait_for(state="attached", timeout=15000)
            assert page.locator(".leaflet-container").count() == 6   # mainland France + 5 overseas départements
            rates = page.locator("#table-couverture button", has_text="Lieux pour 10 000 habitants")
            rates.click()
            rates.click()   # descending: the best-covered département first
            values = [float(v) for v in page.locator("#table-couverture tbody tr td:nth-child(6)").evaluate_all(
                "cells => cells.map(c => c.dataset.value)")]
            assert values == sorted(values, reverse=True) and values[0] > values[-1]
            assert errors == []
            browser.close()
    finally:
        server.terminate()
        server.wait()
