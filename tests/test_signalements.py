"""« Signaler une erreur »: the form's checks, the abuse limits, the separate store, the maintainers' pages,
on a real `datasette serve` process (the published database must stay byte for byte the same)."""

from __future__ import annotations

import csv
import hashlib
import http.cookiejar
import io
import os
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from lieux import signalements as S
from tests.servers import Server


# -- pure parts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("form, errors", [
    ({"nature": "horaires"}, {}),
    ({"nature": "horaires", "message": "Fermé le lundi", "courriel": "a.b@exemple.fr"}, {}),
    ({}, {"nature"}),
    ({"nature": "nimporte"}, {"nature"}),
    ({"nature": "autre"}, {"message"}),
    ({"nature": "ferme", "message": "x" * (S.MAX_MESSAGE + 1)}, {"message"}),
    ({"nature": "ferme", "courriel": "pas-une-adresse"}, {"courriel"}),
    ({"nature": "ferme", "courriel": "a@b.fr" + "x" * 300}, {"courriel"}),
])
def test_the_form_says_what_to_fix(form, errors):
    if not errors:
        nature, message, courriel = S.check(form)
        assert nature == form["nature"] and courriel == form.get("courriel")
        return
    with pytest.raises(S.ReportError) as e:
        S.check(form)
    assert set(e.value.errors) == errors
    assert all(texte and texte[0].isupper() for texte in e.value.errors.values())  # French sentences


def test_a_site_report_takes_the_site_natures():
    assert S.check({"nature": "accessibilite"}, S.SITE_NATURES)[0] == "accessibilite"
    with pytest.raises(S.ReportError):
        S.check({"nature": "horaires"}, S.SITE_NATURES)


def test_rate_limit_per_client_over_a_sliding_window():
    now = [0.0]
    limiter = S.RateLimiter(limit=3, window=60, clock=lambda: now[0])
    assert [limiter.allow("a")[0] for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")[0]  # another client is not held back
    allowed, wait = limiter.allow("a")
    assert not allowed and 1 <= wait <= 61
    now[0] = 61
    assert limiter.allow("a")[0]


def test_honeypot():
    assert S.is_bot({S.HONEYPOT: "http://spam.example"}) and not S.is_bot({S.HONEYPOT: ""}) and not S.is_bot({})


def test_store_and_csv_safe_for_spreadsheets(tmp_path):
    store = S.Store(tmp_path / "signalements.db")
    assert store.reports() == []
    n = store.save(S.Report("horaires", "=HYPERLINK(\"http://x\")", None, "demo-001", "Médiathèque", ("demo",)), "c1")
    store.save(S.Report("accessibilite", "Contraste", "a@b.fr"), "c2")
    assert n == 1 and [r["id"] for r in store.reports()] == [2, 1]
    assert [r["id"] for r in store.reports("demo")] == [1]
    assert store.count_by_source() == {"(le site)": 1, "demo": 1}
    rows = list(csv.DictReader(io.StringIO(S.to_csv(store.reports("demo")))))
    assert rows[0]["message"] == "'=HYPERLINK(\"http://x\")" and rows[0]["nature_libelle"] == "Les horaires sont faux"
    assert S.client_key("127.0.0.1", "sel") != "127.0.0.1" and len(S.client_key("127.0.0.1", "sel")) == 16


# -- on a real server -----------------------------------------------------------------------------

def start_server(db, folder, **env):
    """A real server whose environment has `env` (its own reports file: other tests' reports stay out)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return Server(db, folder / "datasette.log")
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return tmp_path_factory.mktemp("signalements") / "signalements.db"


@pytest.fixture(scope="module")
def server(demo_db, store_path):
    srv = start_server(demo_db, store_path.parent, LIEUX_SIGNALEMENTS_DB=str(store_path))
    try:
        srv.wait()
        yield srv
    finally:
        srv.stop()


class Browser:
    """urllib with a cookie jar, as a person's browser keeps Datasette's CSRF and actor cookies."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str):
        try:
            with self.opener.open(self.base + path, timeout=30) as r:
                return r.status, r.read().decode("utf-8"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8"), e.headers

    def post(self, path: str, data: dict | bytes):
        body = data if isinstance(data, bytes) else urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with self.opener.open(request, timeout=30) as r:
                return r.status, r.read().decode("utf-8"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8"), e.headers

    def form_token(self, path: str) -> str:
        status, html, _ = self.get(path)
        assert status == 200, html[:500]
        return re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)


def stored(path) -> list[dict]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from signalements order by id")]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_report_is_stored_apart_and_limited(server, demo_db, store_path):
    before = digest(demo_db)
    browser = Browser(server.url)
    path = "/lieu/demo-001/signaler"
    token = browser.form_token(path)
    status, html, _ = browser.get(path)
    assert "corrections@exemple-demo.fr" in html and "mailto:" in html  # the demo descriptor names a contact
    assert "Les horaires sont faux" in html and S.HONEYPOT in html

    status, html, _ = browser.post(path, {"csrftoken": token, "nature": "horaires", "message": "Fermé le lundi matin"})
    assert status == 200 and "Merci, votre signalement est envoyé" in html
    rows = stored(store_path)
    assert [(r["lieu_id"], r["nature"], r["message"], r["sources"]) for r in rows] == [
        ("demo-001", "horaires", "Fermé le lundi matin", "demo")]
    assert rows[0]["client"] != "127.0.0.1"  # only a salted hash of the address is kept
    assert digest(demo_db) == before  # the published database is untouched

    # what to fix, field by field
    status, html, _ = browser.post(path, {"csrftoken": token, "nature": "autre"})
    assert status == 400 and "Décrivez en quelques mots" in html
    # a robot fills the honeypot: thanked, not stored
    status, html, _ = browser.post(path, {"csrftoken": token, "nature": "ferme", S.HONEYPOT: "http://spam.example"})
    assert status == 200 and "Merci" in html and len(stored(store_path)) == 1
    # too large a form is refused before it is read
    big = urllib.parse.urlencode({"csrftoken": token, "nature": "ferme", "message": "x" * (S.MAX_BODY_BYTES + 10)}).encode()
    status, html, _ = browser.post(path, big)
    assert status == 413 and "trop long" in html
    # five reports in ten minutes, then 429 with Retry-After
    for i in range(S.RATE_LIMIT - 1):
        assert browser.post(path, {"csrftoken": token, "nature": "telephone", "message": f"n° {i}"})[0] == 200
    status, html, headers = browser.post(path, {"csrftoken": token, "nature": "telephone"})
    assert status == 429 and int(headers["Retry-After"]) > 0 and "Réessayez" in html
    assert len(stored(store_path)) == S.RATE_LIMIT
    # an unknown place
    assert browser.get("/lieu/nexistepas/signaler")[0] == 404


def test_maintainers_only_and_csv_per_source(server):
    browser = Browser(server.url)
    status, html, _ = browser.get("/signalements")
    assert status == 403 and "mainteneurs" in html
    assert browser.get("/signalements/demo.csv")[0] == 403
    # no token configured on this server: the login page says how to configure one, and refuses
    status, html, _ = browser.get("/signalements/connexion")
    assert status == 200 and "LIEUX_SIGNALEMENTS_JETON" in html


def test_maintainer_signs_in_with_the_token(demo_db, tmp_path):
    srv = start_server(demo_db, tmp_path, LIEUX_SIGNALEMENTS_JETON="jeton-de-test-123",
                       LIEUX_SIGNALEMENTS_DB=str(tmp_path / "signalements.db"))
    try:
        srv.wait()
        public = Browser(srv.url)
        token = public.form_token("/lieu/demo-002/signaler")
        assert public.post("/lieu/demo-002/signaler", {"csrftoken": token, "nature": "adresse",
                                                       "message": "=cmd|' /C calc'!A0"})[0] == 200
        site_token = public.form_token("/signaler")
        assert public.post("/signaler", {"csrftoken": site_token, "nature": "accessibilite",
                                         "message": "Contraste insuffisant"})[0] == 200
        maintainer = Browser(srv.url)
        token = maintainer.form_token("/signalements/connexion")
        assert maintainer.post("/signalements/connexion", {"csrftoken": token, "jeton": "mauvais"})[0] == 403
        status, html, _ = maintainer.post("/signalements/connexion", {"csrftoken": token, "jeton": "jeton-de-test-123"})
        assert status == 200 and "Signalements reçus" in html and "Contraste insuffisant" in html
        status, text, headers = maintainer.get("/signalements/demo.csv")
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["lieu_id"], r["nature"], r["message"]) for r in rows] == [("demo-002", "adresse", "'=cmd|' /C calc'!A0")]
        assert public.get("/signalements")[0] == 403  # the public still cannot see them
    finally:
        srv.stop()
