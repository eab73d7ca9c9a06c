"""`build.py refresh`, night after night, against a local server that answers as data.gouv.fr does.

France Services is found through the dataset's API (title and format of its resource), the conseillers
numériques at a stable URL. Each night the server misbehaves in one way; after each, the served database,
the exit code, the stale marks and the changes are checked.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from bench.synthetic import write_conseillers, write_france_services
from build import cli
from lieux import fetch, refresh, seuils
from lieux.sources import SOURCES_DIR
from tests import datagouv

FS_DATASET = "liste-des-structures-france-services"


def without_keys(text: str, keys) -> list[str]:
    """The descriptor's lines without the given top-level keys (and their indented blocks)."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")):
            skipping = line.split(":")[0] in keys
        if not skipping:
            kept.append(line)
    return kept


def live_descriptor(folder, source_id, live_yaml):
    lines = without_keys((SOURCES_DIR / f"{source_id}.yml").read_text(encoding="utf-8"),
                         ("url", "sha256", "update_frequency", "live"))
    (folder / f"{source_id}.yml").write_text("\n".join(lines) + "\n" + live_yaml, encoding="utf-8")


def fs_rows(tmp_path, count, seed=1) -> list[list[str]]:
    path = write_france_services(tmp_path / f"fs-{count}-{seed}.csv", count, seed)
    return list(csv.reader(path.open(encoding="utf-8")))


def as_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def night(tmp_path, monkeypatch):
    folder = tmp_path / "sources"
    folder.mkdir()
    live_descriptor(folder, "france-services", "update_frequency: mensuelle\nlive:\n  datagouv: " + FS_DATASET +
                    "\n  resource: {title: \"^liste.*france services\", format: csv}\n")
    live_descriptor(folder, "conseillers-numeriques", "update_frequency: hebdomadaire\nlive:\n  url: URL\n")
    fs = fs_rows(tmp_path, 200)
    cn = write_conseillers(tmp_path / "cn.json", 100).read_bytes()
    state = {"files": {"liste-fs.csv": as_csv(fs), "cnfs.json": cn}, "redirect_storage": True,
             "datasets": {FS_DATASET: {"id": "6012a5c1b3a4e2f1d0c9b8a7", "title": "Liste des structures France Services",
                                       "resources": [
                                           {"id": "r-doc", "title": "Documentation des colonnes", "format": "pdf",
                                            "file": "doc.pdf", "type": "documentation"},
                                           {"id": "r-ancienne", "title": "Liste des France Services (2023)", "format": "csv",
                                            "file": "ancienne.csv", "last_modified": "2023-06-01T00:00:00+00:00"},
                                           {"id": "r-fs", "title": "Liste des structures France Services", "format": "csv",
                                            "file": "liste-fs.csv", "last_modified": "2026-11-30T08:00:00+00:00"}]}}}
    server, base = datagouv.start(state)
    text = (folder / "conseillers-numeriques.yml").read_text(encoding="utf-8")
    (folder / "conseillers-numeriques.yml").write_text(text.replace("URL", f"{base}/stable/cnfs.json"), encoding="utf-8")
    monkeypatch.setenv("LIEUX_DATAGOUV_API", f"{base}/api/1")
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(fetch, "BACKOFF_SECONDS", 0.01)
    served = tmp_path / "site" / "lieux.db"

    def run(*extra):
        result = CliRunner().invoke(cli, ["refresh", "--db", str(served), "--sources", str(folder), *extra])
        steps = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, steps, result

    yield run, served, state, fs
    server.shutdown()
    server.server_close()


def served_api(served, path):
    """GET path on Datasette serving the served database (in process, as `serve` configures it)."""
    import asyncio

    from lieux.site import make_datasette

    async def get():
        return await make_datasette(served).client.get(path)

    return asyncio.run(get())


def served_state(served):
    conn = sqlite3.connect(f"file:{served}?mode=ro", uri=True)
    try:
        lieux = conn.execute("select count(*) from lieux").fetchone()[0]
        sources = {r[0]: (r[1], r[2], r[3]) for r in conn.execute("select id, statut, lignes_chargees, message from sources")}
        changes = conn.execute("select nature, count(*) from changements group by nature").fetchall()
        built = conn.execute("select id from constructions order by rowid desc limit 1").fetchone()[0]
        latest = conn.execute("select lieu_id, nature, champs from changements where construction = ? order by lieu_id",
                              [built]).fetchall()
    finally:
        conn.close()
    return lieux, sources, dict(changes), latest


def test_nights(night, tmp_path):
    run, served, state, fs = night
    assert seuils.SOURCE_MAX_LOSS < 0.5 < 1 - seuils.DIRECTORY_MAX_LOSS  # the nights below rely on it

    # night 1: a normal night, nothing served before
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED, result.output
    assert served.is_symlink() and served.resolve().parent.parent.name == "versions"
    lieux, sources, changes, _ = served_state(served)
    assert lieux == 300 and sources["france-services"][:2] == ("ok", 200) and sources["conseillers-numeriques"][:2] == ("ok", 100)
    assert [s["etape"] for s in steps][:1] == ["debut"] and steps[-1]["etape"] == "fin" and steps[-1]["code"] == 0
    assert "liste-fs.csv" in state["hits"] and "ancienne.csv" not in state["hits"]  # the newest matching resource
    first = served.resolve()

    # night 2: a normal night with changes: one renamed, one removed, two added
    fs2 = [row[:] for row in fs]
    fs2[3][2] = "France services renommée"
    removed_id = fs2[5][0]
    del fs2[5]
    fs2 += [row for row in fs_rows(tmp_path, 202, seed=9)[201:203]]
    fs2[-1][0], fs2[-2][0] = "9001", "9002"
    state["files"]["liste-fs.csv"] = as_csv(fs2)
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED, result.output
    assert served.resolve() != first and first.exists()  # the previous version stays on disk
    lieux, sources, _, latest = served_state(served)
    assert lieux == 301
    natures = {(lieu_id, nature) for lieu_id, nature, _ in latest}
    assert ("france-services-3", "modification") in natures
    assert (f"france-services-{removed_id}", "suppression") in natures
    assert {("france-services-9001", "ajout"), ("france-services-9002", "ajout")} <= natures
    assert dict(((l, n), c) for l, n, c in latest)[("france-services-3", "modification")] == '["nom"]'
    feed = served_api(served, "/api/changements?depuis=2000-01-01").json()  # night 1 had no « before »
    assert {(c["lieu_id"], c["nature"]) for c in feed["changements"]} == natures  # the changes feed says the same
    [comparison] = [s for s in steps if s["etape"] == "comparaison"]
    assert comparison["ajouts"] == 2 and comparison["suppressions"] == 1 and comparison["modifications"] == 1
    assert comparison["sources"]["france-services"] == {"avant": 200, "apres": 201, "statut": "ok", "message": None}
    good = served_state(served)

    # night 3: France Services answers 500: its last good copy is used, marked stale
    state["files"]["liste-fs.csv"] = 500
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED_STALE, result.output
    lieux, sources, _, latest = served_state(served)
    assert lieux == 301 and sources["france-services"][0] == "perimee" and "500" in sources["france-services"][2]
    assert sources["conseillers-numeriques"][0] == "ok"
    assert latest == []  # nothing changed for reusers

    # night 4: France Services half empty: the served rows are kept, marked stale with the reason
    state["files"]["liste-fs.csv"] = as_csv(fs2[:101])
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED_STALE, result.output
    lieux, sources, _, latest = served_state(served)
    assert lieux == 301 and latest == []
    assert sources["france-services"][:2] == ("perimee", 201)
    assert "100 enregistrement(s) au lieu de 201" in sources["france-services"][2]  # refused at download
    assert any(s["etape"] == "telechargement" and s["statut"] == "perimee" for s in steps)

    # night 4b: France Services loses 40 % (above the download's half, over the source threshold): kept, stale
    state["files"]["liste-fs.csv"] = as_csv(fs2[:122])
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED_STALE, result.output
    lieux, sources, _, latest = served_state(served)
    assert lieux == 301 and latest == [] and sources["france-services"][:2] == ("perimee", 201)
    assert "121 ligne(s) chargée(s) au lieu de 201" in sources["france-services"][2]
    assert any(s["etape"] == "source-perimee" and s["source"] == "france-services" for s in steps)

    # night 5: France Services' columns changed (lib_fs renamed): every row rejected, served rows kept
    renamed = [row[:] for row in fs2]
    renamed[0][2] = "nom_structure"
    state["files"]["liste-fs.csv"] = as_csv(renamed)
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED_STALE, result.output
    lieux, sources, _, latest = served_state(served)
    assert lieux == 301 and latest == [] and sources["france-services"][:2] == ("perimee", 201)
    assert "0 ligne(s) chargée(s) au lieu de 201" in sources["france-services"][2]
    page = served_api(served, "/qualite").text
    assert "0 ligne(s) chargée(s) au lieu de 201" in page  # the stale mark and its reason, on /qualite
    assert served_api(served, "/qualite/france-services/rapport.json").json()["statut"] == "perimee"

    # night 6: France Services' file is empty: refused at download, served rows kept
    state["files"]["liste-fs.csv"] = b""
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED_STALE, result.output
    lieux, sources, _, latest = served_state(served)
    assert lieux == 301 and latest == [] and sources["france-services"][:2] == ("perimee", 201)
    assert sources["conseillers-numeriques"][:2] == ("ok", 100)

    # night 7: the file is back: fresh again, no change for reusers
    state["files"]["liste-fs.csv"] = as_csv(fs2)
    code, steps, result = run()
    assert code == refresh.EXIT_PUBLISHED, result.output
    lieux, sources, _, latest = served_state(served)
    assert lieux == 301 and sources["france-services"][0] == "ok" and latest == []

    # night 8: a real drop of France Services, accepted for that source, but too big for the directory: refused
    before = served.resolve()
    state["files"]["liste-fs.csv"] = as_csv(fs2[:121])
    code, steps, result = run("--accepter-baisse", "france-services")
    assert code == refresh.EXIT_REFUSED, result.output
    assert served.resolve() == before and served_state(served)[0] == 301
    assert "publication refusée : l'annuaire passerait de 301 à 220 lieux (-26.9" in result.output, result.output[-600:]

    # a second refresh while one runs: exit 6, nothing done
    with refresh.lock(served.parent / ".mise-a-jour.lock"):
        code, steps, _ = run()
    assert code == refresh.EXIT_LOCKED and steps[-1]["etape"] == "verrou"
    assert served.resolve() == before

    # reports per producer were written after every refresh
    reports = served.parent / "rapports" / served.resolve().parent.name
    assert {"france-services.json", "france-services.csv", "index.json"} <= {p.name for p in reports.iterdir()}


def test_prune_keeps_the_served_version_and_the_newest_ones(tmp_path):
    served = tmp_path / "lieux.db"
    versions = tmp_path / "versions"
    names = [f"2026120{i}T000000Z-abc" for i in range(1, 7)] + ["20261207T000000Z-def-refusee"]
    for name in names:
        (versions / name).mkdir(parents=True)
        (versions / name / "lieux.db").write_bytes(b"x")
    served.symlink_to(versions / names[0] / "lieux.db")  # an old version served (rolled back to)
    removed = sorted(p.name for p in refresh.prune(served, keep=3))
    assert removed == names[1:3]
    assert sorted(p.name for p in versions.iterdir()) == sorted([names[0], *names[3:]])
