"""Every hostile input file of tests/hostile_data.py through the real commands, each in its own process
with a time limit: `build` marks the source unreadable (or rejects its bad rows) with a French message
naming the file and the fix, and still loads the good source given beside it; `validate` gives the same
verdict with its exit code. Never a traceback, never a hang."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.hostile_data import JSON_SOURCE, good_csv, good_json, hostile_corpus

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # seconds, per command: far above what any of them takes (a hang fails the test)
FIXES = ("Indiquez", "Vérifiez", "Exportez", "Enregistrez", "Renommez", "Il doit", "Extrayez", "écrivez")


def corpus_names():
    with tempfile.TemporaryDirectory() as tmp:
        return [(h.name, h.value is None) for h in hostile_corpus(Path(tmp))]


NAMES = corpus_names()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostiles")
    return folder, {h.name: h for h in hostile_corpus(folder)}


def run(*args) -> tuple[int, str]:
    result = subprocess.run([sys.executable, "build.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                            timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    return result.returncode, output


def sources_table(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in conn.execute("select * from sources")}


@pytest.mark.parametrize("name", [n for n, _ in NAMES])
def test_build_marks_the_hostile_source_and_loads_the_good_one(corpus, tmp_path, name):
    folder, cases = corpus
    hostile = cases[name]
    value = hostile.value or str(folder / hostile.name)
    good = good_json(tmp_path) if hostile.good_source == JSON_SOURCE else good_csv(tmp_path)
    db = tmp_path / "lieux.db"
    code, output = run("build", "--db", db, "--quiet", "--input", f"{hostile.source}={value}",
                       "--input", f"{hostile.good_source}={good}")
    assert code == 0, output
    sources = sources_table(db)
    assert sources[hostile.good_source]["statut"] == "ok" and sources[hostile.good_source]["lignes_chargees"] >= 1
    source = sources[hostile.source]
    if hostile.unreadable:
        assert source["statut"] == "illisible", source
        assert hostile.unreadable in source["message"]
        assert value in source["message"]                      # the file (or URL) is named
        assert any(fix in source["message"] for fix in FIXES)  # and what to do
        assert source["message"] in output
        return
    assert source["statut"] == "ok", source
    assert source["lignes_lues"] == source["lignes_chargees"] + source["lignes_rejetees"]
    with sqlite3.connect(db) as conn:
        messages = [m for (m,) in conn.execute("select message from rejets where source = ?", [hostile.source])]
    if hostile.rejected:
        assert source["lignes_rejetees"] >= 1
        assert any(hostile.rejected in m for m in messages), messages
    else:
        assert source["lignes_rejetees"] == 0 and source["lignes_chargees"] >= 2, messages


@pytest.mark.parametrize("name", [n for n, is_file in NAMES if is_file])
def test_validate_gives_the_builds_verdict(corpus, name):
    folder, cases = corpus
    hostile = cases[name]
    path = folder / hostile.name
    code, output = run("validate", path)
    assert code == hostile.validate_exit, output
    assert (hostile.validate_words or hostile.unreadable) in output
    if code == 2:
        assert str(path) in output and output.startswith("Fichier illisible : ")
    if hostile.name.endswith(".csv") and hostile.name != "mac-roman.csv":
        # a CSV the build cannot read is one validate cannot read, and the other way round
        assert (code == 2) == bool(hostile.unreadable), output


def test_detected_encodings_and_mojibake_are_recorded(corpus, tmp_path, monkeypatch):
    """A descriptor without `encoding` (here the demo one, without the key it inherits): the encoding is
    detected, and said in `sources` and the build report."""
    from click.testing import CliRunner

    from build import cli
    from lieux import sources

    folder, _ = corpus
    (tmp_path / "demo").mkdir()
    for original, copy in [(sources.SOURCES_DIR / "mediation-numerique.yml", tmp_path / "mediation-numerique.yml"),
                           (sources.DEMO_DIR / "demo.yml", tmp_path / "demo" / "demo.yml")]:
        copy.write_text("".join(line for line in original.read_text(encoding="utf-8").splitlines(keepends=True)
                                if not line.startswith("encoding:")), encoding="utf-8")
    monkeypatch.setattr(sources, "DEMO_DIR", tmp_path / "demo")
    for name, expected in [("mac-roman.csv", "Mac Roman, détecté"), ("utf16.csv", "UTF-16, détecté"),
                           ("mojibake.csv", "UTF-8, détecté")]:
        db = tmp_path / f"{name}.db"
        result = CliRunner().invoke(cli, ["build", "--demo", "--db", str(db), "--quiet", "--input", f"demo={folder / name}"])
        output = result.output
        assert result.exit_code == 0, output
        source = sources_table(db)["demo"]
        assert source["encodage"] == expected
        assert f"Encodages :\ndemo    {expected}\n" in output
        if name == "mojibake.csv":
            assert source["mojibake"] == 1
            assert "« MÃ©diathÃ¨que" in source["mojibake_message"] and "colonne nom, ligne 2" in source["mojibake_message"]
            assert "mojibake probable" in output
        else:
            assert source["mojibake"] == 0 and source["mojibake_message"] is None
        if name == "mac-roman.csv":
            with sqlite3.connect(db) as conn:
                names = [n for (n,) in conn.execute("select nom from lieux")]
            assert any("Médiathèque à l'Église" in n for n in names), names


def test_validate_json_report_names_the_encoding_and_the_mixture(corpus):
    folder, _ = corpus
    code, output = run("validate", folder / "encodage-mixte.csv", "--format", "json")
    report = json.loads(output)
    assert code == 1 and report["encodage"] == "utf-8"
    assert report["encodage_mixte"].startswith("3 octet(s) d'un autre encodage (le premier ligne 3 : octet 0xF4")
    errors = [e for e in report["erreurs"] if e["code"] == "encodage-mixte"]
    assert len(errors) == 3 and all(e["ligne"] == 3 and "Lyôn" in e["valeur"] for e in errors)
    code, output = run("validate", folder / "tube.csv", "--format", "json")
    assert code == 2 and json.loads(output)["lisible"] is False
