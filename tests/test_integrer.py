"""Embedding (/integrer, /widget), printable sheets and the accessibility statement, in-process."""

from __future__ import annotations

import html
import re

import pytest

from plugins.integrer import COLOURS, widget_params
from tests.conftest import requires_reference
from plugins.securite import FRAMABLE_PATHS, headers_for


@pytest.mark.asyncio
async def test_builder_gives_a_snippet_of_the_widget(demo_datasette):
    r = await demo_datasette.client.get("/integrer")
    assert r.status_code == 200 and "<textarea" not in r.text  # no place yet: the form only
    r = await demo_datasette.client.get("/integrer?commune=Paris&couleur=vert&n=5&services=Aide+aux+d%C3%A9marches+administratives")
    assert r.status_code == 200
    code = html.unescape(re.search(r'<textarea id="code-integration"[^>]*>(.*?)</textarea>', r.text, re.S).group(1))
    src = re.search(r'<iframe src="([^"]+)" title="Lieux d\'aide au numérique près de Paris"', code).group(1)
    assert src.startswith("http://localhost/widget?") and "couleur=vert" in src and "n=5" in src and "services=" in src


@pytest.mark.asyncio
async def test_widget_lists_the_nearest_places_without_the_site_header(demo_datasette):
    r = await demo_datasette.client.get("/widget?commune=Paris&n=5&couleur=violet")
    assert r.status_code == 200 and 'lang="fr"' in r.text
    assert r.text.count('class="widget-lieu"') == 5 and "theme-violet" in r.text
    assert "Données de démonstration" in r.text  # the demo data is said to be fictional, framed or not
    assert 'class="entete"' not in r.text and 'target="_blank"' in r.text
    api = (await demo_datasette.client.get("/api/proches?commune=Paris&n=5")).json()
    assert re.findall(r'<h2><a href="[^"]+/lieu/([^"]+)"', r.text) == [l["id"] for l in api["lieux"]]
    missing = await demo_datasette.client.get("/widget?commune=Nullepartville")
    assert missing.status_code == 404 and "introuvable" in missing.text
    assert (await demo_datasette.client.get("/widget")).status_code == 400


def test_widget_parameters_are_bounded():
    class Args(dict):
        def getlist(self, k):
            v = self.get(k)
            return [v] if v else []
    p = widget_params(Args({"commune": "Paris", "couleur": "javascript:alert(1)", "n": "100000", "pirate": "x"}))
    assert p == {"commune": "Paris", "n": 10, "couleur": "bleu"}
    assert set(COLOURS) >= {"bleu", "vert"}


@pytest.mark.asyncio
async def test_only_the_widget_may_be_framed(demo_datasette):
    assert FRAMABLE_PATHS == ("/widget",)
    widget = await demo_datasette.client.get("/widget?commune=Paris")
    assert "x-frame-options" not in widget.headers
    assert "frame-ancestors *" in widget.headers["content-security-policy"]
    for path in ("/", "/integrer", "/lieu/demo-001", "/lieu/demo-001/fiche", "/lieux", "/signaler", "/accessibilite"):
        r = await demo_datasette.client.get(path)
        assert r.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
    assert headers_for("/widget/../") != headers_for("/widget")  # exact paths only


@pytest.mark.asyncio
async def test_printable_sheets(demo_datasette):
    r = await demo_datasette.client.get("/lieu/demo-001/fiche")
    assert r.status_code == 200 and "<svg" in r.text and "Note du conseiller" in r.text
    assert "http://localhost/lieu/demo-001" in r.text  # the QR code's link, written under it
    r = await demo_datasette.client.get("/fiche?commune=Paris&n=3")
    assert r.status_code == 200 and r.text.count("fiche-imprimable compacte") == 3
    assert (await demo_datasette.client.get("/fiche?commune=Nullepartville")).status_code == 404
    assert (await demo_datasette.client.get("/lieu/nexistepas/fiche")).status_code == 404


@pytest.mark.asyncio
async def test_accessibility_statement(demo_datasette):
    r = await demo_datasette.client.get("/accessibilite")
    assert r.status_code == 200
    for part in ("État de conformité", "non conforme", "Résultats des tests", "axe-core", "Contenus non accessibles",
                 "Établissement de cette déclaration", "Retour d'information et contact", "Voies de recours",
                 "Défenseur des droits"):
        assert html.escape(part, quote=True) in r.text or part in r.text, part
    home = await demo_datasette.client.get("/")
    assert "Accessibilité : non conforme" in home.text and "/accessibilite" in home.text


@requires_reference
@pytest.mark.asyncio
async def test_homonyms_offer_the_choice_in_the_widget_and_the_sheet(reference_datasette):
    for path in ("/widget?commune=Saint-Denis&couleur=vert", "/fiche?commune=Saint-Denis"):
        r = await reference_datasette.client.get(path)
        assert r.status_code == 200, path
        links = re.findall(r'<li><a href="([^"]+)">Saint-Denis \((\d+)\)', r.text)
        assert {"93", "974"} <= {dep for _, dep in links}, path
        chosen = html.unescape(next(url for url, dep in links if dep == "974"))
        assert chosen.split("?")[0] == path.split("?")[0] and ("couleur=vert" in chosen) == ("couleur" in path)
        r = await reference_datasette.client.get(chosen)
        assert r.status_code == 200 and "près de Saint-Denis (974)" in r.text and "97400" not in r.text.split("<main")[0], chosen
        assert "Mayotte" in r.text  # the nearest beyond the island are labelled with their territory
