"""Live sources: the current publication of a list, found through data.gouv.fr's API (a local server that answers as
the API documents it) or at a stable URL; `fetch --pinned` keeps the reproducible pinned files."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from bench.synthetic import write_france_services
from build import cli
from lieux import fetch, live
from lieux.process import count_records
from lieux.sources import DescriptorError, SOURCES_DIR, load_descriptor, load_descriptors, parse_descriptor
from tests import datagouv

RESOURCES = [
    {"id": "r1", "title": "Documentation", "format": "pdf", "url": "http://x/doc.pdf", "type": "documentation"},
    {"id": "r2", "title": "2025-01-03-la-cartographie-nationale-lieux-de-mediation-numeriques-national.csv",
     "format": "csv", "url": "http://x/old.csv", "last_modified": "2025-01-03T02:00:00+00:00"},
    {"id": "r3", "title": "2026-12-06-la-cartographie-nationale-lieux-de-mediation-numeriques-national.csv",
     "format": "CSV", "url": "http://x/new.csv", "last_modified": "2026-12-06T02:00:00+00:00"},
    {"id": "r4", "title": "2026-12-06-la-cartographie-nationale-lieux-de-mediation-numeriques-national.json",
     "format": "json", "url": "http://x/new.json", "last_modified": "2026-12-06T02:10:00+00:00"},
]


def test_pick_resource_takes_the_newest_match_of_title_and_format():
    assert live.pick_resource(RESOURCES, r"national\.csv$", "csv")["id"] == "r3"
    assert live.pick_resource(RESOURCES, None, "json")["id"] == "r4"
    assert live.pick_resource(RESOURCES, "NATIONAL", None)["id"] == "r4"   # any case, newest
    assert live.pick_resource(RESOURCES, "documentation", None) is None     # not a data file
    assert live.pick_resource(RESOURCES, None, "xlsx") is None
    assert live.pick_resource([{"title": "x"}, "?", None], "x", None) is None  # no url: not a candidate


@pytest.mark.parametrize("value, words", [
    ({"datagouv": "x"}, "live.resource"),
    ({"datagouv": "x", "url": "http://y", "resource": {"format": "csv"}}, "un seul des deux"),
    ({"url": "http://y", "lien": 1}, "clé(s) inconnue(s)"),
    ({"datagouv": "x", "resource": {"title": "("}}, "expression régulière"),
    ({"url": "http://y", "read": {"fields": {}}}, "live.read"),
    ("http://y", "dictionnaire"),
])
def test_bad_live_keys_are_refused_with_the_fix(value, words, tmp_path):
    data = {"id": "x", "title": "t", "producer": "p", "licence": {"name": "n"}, "format": "csv",
            "fields": {"nom": "nom"}, "live": value}
    with pytest.raises(DescriptorError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_descriptor(data, tmp_path / "x.yml")


def test_every_descriptor_states_its_update_frequency_and_the_national_lists_their_live_publication():
    descriptors = {d.id: d for d in load_descriptors(SOURCES_DIR)}
    assert all(d.update_frequency in live.FREQUENCIES for d in descriptors.values())
    for source_id in ("mediation-numerique", "france-services", "fabriques-de-territoire", "coop-numerique"):
        d = descriptors[source_id]
        assert d.live and d.live.get("differences"), source_id
    assert descriptors["mediation-numerique"].url and descriptors["mediation-numerique"].sha256  # pinned stays
    assert descriptors["france-services"].live["read"] == {"delimiter": ";"}


@pytest.fixture
def api(tmp_path, monkeypatch):
    fs = write_france_services(tmp_path / "fs.csv", 30)
    semicolon = io.StringIO()
    csv.writer(semicolon, delimiter=";", lineterminator="\n").writerows(csv.reader(fs.open(encoding="utf-8")))
    state = {"files": {"liste.csv": semicolon.getvalue().encode(), "national.csv": (SOURCES_DIR.parent / "schemas" /
                       "lieux-mediation-numerique" / "exemple-valide.csv").read_bytes()},
             "datasets": {"mon-jeu": {"id": "5f0000000000000000000001", "title": "Mon jeu", "resources": [
                 {"id": "r-nat", "title": "2026-12-06-la-cartographie-nationale-lieux-de-mediation-numeriques-national.csv",
                  "format": "csv", "file": "national.csv"}]}}}
    server, base = datagouv.start(state)
    monkeypatch.setenv("LIEUX_DATAGOUV_API", f"{base}/api/1")
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(fetch, "BACKOFF_SECONDS", 0.01)
    yield base, state
    server.shutdown()
    server.server_close()


def test_locate_by_slug_by_id_and_errors_in_french(api):
    base, state = api
    by_slug = live.locate({"datagouv": "mon-jeu", "resource": {"format": "csv"}})
    by_id = live.locate({"datagouv": "5f0000000000000000000001", "resource": {"title": "national"}})
    assert by_slug.url == by_id.url == f"{base}/storage/5f0000000000000000000001/national.csv"
    with pytest.raises(live.LiveError, match="répond 404"):
        live.locate({"datagouv": "inconnu", "resource": {"format": "csv"}})
    with pytest.raises(live.LiveError, match="aucune ressource ne correspond.*Ressources publiées : « 2026-12-06-la-cartographie"):
        live.locate({"datagouv": "mon-jeu", "resource": {"format": "xlsx"}})
    state["api_status"] = 503
    with pytest.raises(live.LiveError, match="répond 503"):
        live.locate({"datagouv": "mon-jeu", "resource": {"format": "csv"}})


def descriptor_with(tmp_path, base_name, live_yaml):
    from tests.test_refresh_nights import without_keys

    lines = without_keys((SOURCES_DIR / f"{base_name}.yml").read_text(encoding="utf-8"), ("live",))
    path = tmp_path / "sources" / f"{base_name}.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n" + live_yaml, encoding="utf-8")
    return load_descriptor(path)


def test_fetch_follows_redirects_reads_with_live_read_and_pinned_stays_reproducible(api, tmp_path):
    base, state = api
    d = descriptor_with(tmp_path, "france-services",
                        f"live:\n  url: {base}/fr/datasets/r/r-fs\n  read: {{delimiter: \";\"}}\n")
    state["datasets"]["fs"] = {"id": "fs-id", "title": "FS", "resources": [
        {"id": "r-fs", "title": "liste", "format": "csv", "file": "liste.csv"}]}
    got = fetch.fetch_descriptor(d, counter=count_records)  # 302 from the stable link to the file
    assert got.status == "ok" and fetch.read_meta(got.path)["records"] == 30
    assert got.path == fetch.live_file(d)
    assert fetch.chosen_copy(d).path == got.path
    # --pinned: the pinned URL (unreachable here) is what is fetched, and the choice moves back to it
    with pytest.raises(fetch.FetchError):
        fetch.fetch_descriptor(d, pinned=True, counter=count_records, retries=1, timeout=0.5, total_timeout=1)


def test_build_reads_the_current_copy_with_live_read(api, tmp_path, monkeypatch):
    base, state = api
    folder = tmp_path / "sources"
    d = descriptor_with(tmp_path, "france-services", f"live:\n  url: {base}/stable/liste.csv\n  read: {{delimiter: \";\"}}\n")
    monkeypatch.setattr("lieux.sources.SOURCES_DIR", folder)
    result = CliRunner().invoke(cli, ["fetch", "--source", "france-services"])
    assert result.exit_code == 0, result.output
    db = tmp_path / "lieux.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("select lignes_chargees, url from sources where id = 'france-services'").fetchone() == (
            30, f"{base}/stable/liste.csv")
    assert d.live["read"] == {"delimiter": ";"}
