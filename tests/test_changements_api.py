"""Changes for reusers: /api/changements (paged), the Atom feed per département, /api/lieux.ndjson, the producer
report, with the build's ETag and Last-Modified. Two real builds, the second replacing the first."""

from __future__ import annotations

import csv
import json
import sqlite3
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from bench.synthetic import write_france_services
from build import cli
from lieux.site import make_datasette

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("changements")
    mp = pytest.MonkeyPatch()
    mp.setattr("lieux.fetch.CACHE_DIR", tmp / "cache")
    db = tmp / "lieux.db"
    first = write_france_services(tmp / "a.csv", 60)
    rows = list(csv.reader(first.open(encoding="utf-8")))
    rows[3][2] = "France services renommée"       # modified: nom
    rows[4][11] = "01 02 03 04 05"                 # modified: telephone
    removed = rows.pop(7)[0]
    extra = list(csv.reader(write_france_services(tmp / "x.csv", 3, seed=42).open(encoding="utf-8")))[1:]
    for i, row in enumerate(extra):
        row[0] = f"80{i}"
    rows += extra
    second = tmp / "b.csv"
    with second.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    for source in (first, second):
        result = CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet", "--input", f"france-services={source}"])
        assert result.exit_code == 0, result.output
    yield db, removed
    mp.undo()


@pytest.fixture(scope="module")
def ds(built):
    return make_datasette(built[0])


def changes(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("select lieu_id, nature, champs, departement_code, date from changements order by id").fetchall()


def test_the_table_records_each_change_with_its_fields(built):
    db, removed = built
    rows = changes(db)
    kinds = {(r[0], r[1]) for r in rows}
    assert ("france-services-3", "modification") in kinds and ("france-services-4", "modification") in kinds
    assert (f"france-services-{removed}", "suppression") in kinds
    assert {("france-services-800", "ajout"), ("france-services-801", "ajout"), ("france-services-802", "ajout")} <= kinds
    assert len(rows) == 6
    fields = {r[0]: json.loads(r[2]) for r in rows if r[1] == "modification"}
    assert fields == {"france-services-3": ["nom"], "france-services-4": ["telephone"]}


@pytest.mark.asyncio
async def test_api_changements_pages_and_validators(ds, built):
    day = changes(built[0])[0][4]
    r = await ds.client.get(f"/api/changements?depuis={day}&taille=4")
    assert r.status_code == 200
    body = r.json()
    assert body["nombre"] == 6 and len(body["changements"]) == 4 and body["suivant"]
    first = body["changements"][0]
    assert set(first) >= {"id", "lieu_id", "nature", "date", "champs", "sources", "url", "departement_code"}
    r2 = await ds.client.get(body["suivant"])
    rest = r2.json()
    assert len(rest["changements"]) == 2 and rest["suivant"] is None
    ids = [c["id"] for c in body["changements"] + rest["changements"]]
    assert ids == sorted(ids) and len(set(ids)) == 6
    assert all(c["url"] is None for c in rest["changements"] + body["changements"] if c["nature"] == "suppression")
    # validators from the build: a client with the current copy gets 304
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    again = await ds.client.get(f"/api/changements?depuis={day}&taille=4", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.text == ""
    since = await ds.client.get(f"/api/changements?depuis={day}", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    later = await ds.client.get("/api/changements?depuis=2999-01-01")
    assert later.json()["nombre"] == 0 and later.json()["changements"] == []
    filtered = await ds.client.get(f"/api/changements?depuis={day}&nature=ajout")
    assert {c["nature"] for c in filtered.json()["changements"]} == {"ajout"}


@pytest.mark.asyncio
@pytest.mark.parametrize("query, words", [
    ("", "« depuis » est obligatoire"),
    ("?depuis=hier", "AAAA-MM-JJ"),
    ("?depuis=2026-02-30", "AAAA-MM-JJ"),
    ("?depuis=2026-01-01&taille=0", "« taille »"),
    ("?depuis=2026-01-01&nature=ajouts", "« nature »"),
    ("?depuis=2026-01-01&departement=999", "code de département"),
    ("?depuis=2026-01-01&_shape=array", "Paramètre inconnu : « _shape »"),  # lieux/apiroutes.py, for every route
])
async def test_api_changements_bad_parameters_answer_400(ds, query, words):
    r = await ds.client.get("/api/changements" + query)
    assert r.status_code == 400 and words in r.json()["erreur"]


@pytest.mark.asyncio
async def test_ndjson_streams_every_lieu(ds, built):
    r = await ds.client.get("/api/lieux.ndjson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = r.text.splitlines()
    with sqlite3.connect(built[0]) as conn:
        ids = {row[0] for row in conn.execute("select id from lieux")}
    records = [json.loads(line) for line in lines]
    assert {rec["id"] for rec in records} == ids and len(records) == len(ids)
    assert records[0]["sources"] == ["france-services"] and isinstance(records[0]["services"], list)
    assert all(rec["position_approximative"] is (rec["qualite_geo"] == "centre_commune") for rec in records)
    assert r.headers["etag"] and (await ds.client.get("/api/lieux.ndjson", headers={"If-None-Match": r.headers["etag"]})).status_code == 304
    assert (await ds.client.get("/api/lieux.ndjson?limite=3")).status_code == 400


@pytest.mark.asyncio
async def test_atom_feed_of_a_departement(ds, built):
    rows = changes(built[0])
    departement = next(r[3] for r in rows if r[1] == "modification")
    r = await ds.client.get(f"/api/changements.atom?departement={departement}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == sum(1 for x in rows if x[3] == departement)
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert any(t.startswith("Lieu modifié : ") for t in titles)
    assert all(e.find(f"{ATOM}id").text.startswith("tag:") and e.find(f"{ATOM}updated").text.endswith("Z") for e in entries)
    assert feed.find(f"{ATOM}updated").text.endswith("Z")
    assert (await ds.client.get("/api/changements.atom")).status_code == 400


@pytest.mark.asyncio
async def test_producer_report_page_and_files(ds, built):
    page = await ds.client.get("/qualite/france-services/rapport")
    assert page.status_code == 200 and "Changements depuis la mise à jour précédente" in page.text
    data = (await ds.client.get("/qualite/france-services/rapport.json")).json()
    assert data["resume"]["changements"] == 6 and data["source"] == "france-services"
    assert {"rejets", "valeurs_non_reconnues", "date_maj_anciennes", "geographie", "fusionnes"} <= set(data)
    text = (await ds.client.get("/qualite/france-services/rapport.csv")).text
    lines = list(csv.DictReader(text.splitlines()))
    assert sum(1 for l in lines if l["rubrique"] == "changement") == 6
    assert (await ds.client.get("/qualite/inconnue/rapport")).status_code == 404
    quality = await ds.client.get("/qualite/france-services")
    assert "/qualite/france-services/rapport" in quality.text
