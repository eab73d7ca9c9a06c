"""What people who orient others use, in Debian's headless Chromium against a real `datasette`: the widget
framed by another origin (and the other pages refusing to be), the printable sheet rendered to A4 PDF,
the report form sent from the place page."""

from __future__ import annotations

import functools
import http.server
import io
import sqlite3
import threading

import pytest

from tests.browser.harness import screenshot, wait_until
from tests.test_signalements import server, store_path  # noqa: F401  (a server with its own reports file)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def host_site(server, tmp_path_factory):
    """A town hall's site on another origin (another port of localhost), whose pages frame ours."""
    root = tmp_path_factory.mktemp("mairie")
    (root / "widget.html").write_text(
        f'<!DOCTYPE html><html lang="fr"><title>Mairie</title><h1>Mairie de Paris</h1>'
        f'<iframe id="w" src="{server.url}/widget?commune=Paris&n=5&couleur=vert" title="Lieux" width="800" height="640"></iframe>',
        encoding="utf-8")
    (root / "accueil.html").write_text(
        f'<!DOCTYPE html><html lang="fr"><title>Mairie</title>'
        f'<iframe id="w" src="{server.url}/" title="Annuaire" width="800" height="640"></iframe>', encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://localhost:{httpd.server_address[1]}"  # "localhost", not 127.0.0.1: another origin
    httpd.shutdown()


def test_the_widget_is_framed_by_another_origin_and_other_pages_are_not(chromium, server, host_site):
    page = chromium.new_page(viewport={"width": 1000, "height": 900})
    try:
        page.goto(f"{host_site}/widget.html")
        frame = page.frame_locator("#w")
        frame.locator(".widget-lieu").first.wait_for(timeout=15000)
        assert frame.locator(".widget-lieu").count() == 5
        assert "près de Paris" in frame.locator("h1").inner_text()
        screenshot(page, "widget-encadre")
        blocked = chromium.new_page()
        try:
            blocked.goto(f"{host_site}/accueil.html")
            blocked.wait_for_timeout(1500)
            child = next(f for f in blocked.frames if f is not blocked.main_frame)
            # Chromium replaces a refused frame by its own error page: no element of ours is in it
            assert child.locator("#contenu").count() == 0
        finally:
            blocked.close()
    finally:
        page.close()


def test_the_printable_sheet_is_one_a4_page_with_its_qr_code(chromium, server):
    from pypdf import PdfReader

    page = chromium.new_page()
    try:
        page.goto(f"{server.url}/lieu/demo-001/fiche")
        assert page.locator(".fiche-qr svg").count() == 1
        pdf = page.pdf(format="A4", print_background=False)
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 in points (210 × 297 mm)
        text = reader.pages[0].extract_text()
        words, glued = " ".join(text.split()), "".join(text.split())  # lines wrap inside names and URLs
        for expected in ("Médiathèque démo n°1", "1 rue de la République", "Note du conseiller", "01 43 00 00 00"):
            assert expected in words, (expected, text[:500])
        assert "/lieu/demo-001" in glued
        for hidden in ("Imprimer cette fiche", "Rechercher un lieu"):  # the screen's buttons and the site's menu
            assert hidden not in text
        page.goto(f"{server.url}/fiche?commune=Paris&n=5")
        reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert text.count("Note du conseiller") == 1 and "près de Paris" in text and len(reader.pages) <= 3
    finally:
        page.close()


def test_a_report_sent_from_the_place_page(chromium, server, store_path):
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(f"{server.url}/lieu/demo-003")
        page.get_by_role("link", name="Signaler une erreur sur ce lieu").click()
        page.get_by_label("Les horaires sont faux").check()
        page.get_by_label("Précisez, si vous le pouvez").fill("Fermé le mercredi depuis septembre.")
        page.get_by_role("button", name="Envoyer le signalement").click()
        wait_until(page, "document.querySelector('h1') && document.querySelector('h1').textContent.includes('Merci')")
        screenshot(page, "signalement-envoye")
        with sqlite3.connect(store_path) as conn:
            rows = conn.execute("select lieu_id, nature, message from signalements where lieu_id = 'demo-003'").fetchall()
        assert rows == [("demo-003", "horaires", "Fermé le mercredi depuis septembre.")]
    finally:
        page.close()
