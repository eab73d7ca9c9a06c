"""The build's console (issue 14 §6): progress on a terminal, the closing report, --quiet, --inputs FILE.yml,
and every reference list built offline in one command."""

from __future__ import annotations

import io
import os
import pty
import select
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from build import cli
from lieux import fetch, geo, pipeline
from lieux.console import Progress
from lieux.pipeline import BuildReport, SourceReport, loaded_summary
from lieux.process import CorrectionRow
from lieux.sources import parse_descriptor
from tests.conftest import REFERENCE, ROOT, requires_reference
from tests.reference_inputs import GEO_REFERENCE_INPUTS, REFERENCE_INPUTS

FORMULES = Path(__file__).parent / "data" / "formules.csv"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_line_per_source_with_rows_per_second():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, every=0.25, clock=clock)
    progress.start("france-services")
    for _ in range(1000):
        clock.now += 0.001
        progress.record()
    clock.now += 5  # geography and merging come after the last row: not counted
    progress.start("hinaura")
    progress.record()
    progress.finish()
    lines = out.getvalue().replace("\x1b[K", "").split("\r")
    assert "… france-services : 500 lignes (1\u202f000 lignes/s)" in lines  # rewritten in place while reading
    assert "✓ france-services : 1\u202f000 lignes en 1,0 s (1\u202f000 lignes/s)\n" in lines
    assert lines[-1].startswith("✓ hinaura : 1 lignes")


def report(source_id, status="ok", given=True, **counts):
    return SourceReport(source_id, status, given=given, **counts)


def test_summary_lines():
    reports = BuildReport([report("france-services", read=10, loaded=7, rejected=2, set_aside=1, corrections=3, conversions=4,
                                  reasons=[("adresse absent", 2), ("code_postal : contrainte du schéma", 1)]),
                           report("hinaura", "absente", given=False, message="Fichier non téléchargé")],
                          lieux=6, merges=Counter({"adresse": 1}))
    lines = pipeline.summary_lines(reports)
    assert lines[0].split() == ["source", "lues", "chargées", "rejetées", "écartées", "corrigées", "converties",
                                "non", "reconnues", "statut"]
    assert lines[1].split() == ["france-services", "10", "7", "2", "1", "3", "4", "0", "ok"]
    assert lines[2].startswith("hinaura") and "absente : Fichier non téléchargé" in lines[2]
    text = "\n".join(lines)
    assert "Lieux après fusion des doublons : 6 (1 fusions : adresse 1)" in text
    assert "france-services  adresse absent (2) ; code_postal : contrainte du schéma (1)" in text
    quiet = "\n".join(pipeline.summary_lines(reports, given_only=True))
    assert "hinaura" not in quiet and "(1 source(s) sans fichier, non affichée(s))" in quiet


def test_geography_counts_loaded_lieux_only():
    summary = {"fs-2020": Counter({"source": 3, "centre_commune": 1})}
    superseded = [{"_source": "fs-2020", "_geo": {"qualite_geo": "source"}}]
    assert loaded_summary(summary, superseded) == {"fs-2020": Counter({"source": 2, "centre_commune": 1})}


def test_conversions_are_not_corrections(tmp_path):
    """Lambert-93 points declared with `crs`: converted, counted apart; a real correction stays a correction."""
    data = tmp_path / "l93.csv"
    data.write_text("nom;adresse;cp;ville;x;y;tel\n"
                    "Médiathèque;1 rue X;33000;Bordeaux;417000;6423000;0556000000\n"
                    "EPN;2 rue Y;1000;Bourg-en-Bresse;418000;6424000;0556000001\n", encoding="utf-8")
    descriptor = parse_descriptor({
        "id": "l93", "title": "Liste en Lambert-93", "producer": "P", "format": "csv", "crs": "EPSG:2154",
        "licence": {"name": "inconnue", "title": "Licence non précisée par le producteur"},
        "fields": {"pivot": {"value": "00000000000000"}, "nom": "nom", "adresse": "adresse", "code_postal": "cp",
                   "commune": "ville", "longitude": "x", "latitude": "y", "telephone": "tel", "date_maj": {"value": "2024-01-01"}},
    }, tmp_path / "l93.yml")
    inp = pipeline.SourceInput(descriptor, fetch.resolve_input("l93", str(data)), "ok")
    [r] = pipeline.build(tmp_path / "lieux.db", [inp], geography=geo.prepare({}))
    assert (r.loaded, r.conversions, r.corrections) == (2, 2, 1)  # the postcode 1000 got its leading 0 back
    with sqlite3.connect(tmp_path / "lieux.db") as conn:
        assert conn.execute("select corrections, coordonnees_converties from sources").fetchall() == [(1, 2)]
    with sqlite3.connect(tmp_path / "lieux.db") as conn:
        motifs = [m for (m,) in conn.execute("select motif from corrections where champ in ('latitude', 'longitude')")]
    assert len(motifs) == 4 and all(m.startswith(pipeline.CONVERSION) for m in motifs)  # still recorded
    assert pipeline.is_conversion(CorrectionRow("s", "x", 1, "latitude", 1, 2, "coordonnées converties de Lambert-93 en WGS84"))
    assert not pipeline.is_conversion(CorrectionRow("s", "x", 1, "latitude", 1, 2, "X et Y inversés dans la source"))


def test_inputs_file_relative_to_itself_and_input_wins(tmp_path):
    folder = tmp_path / "listes"
    folder.mkdir()
    (folder / "lieux.csv").write_bytes(FORMULES.read_bytes())
    inputs = folder / "entrees.yml"
    inputs.write_text("mediation-numerique: lieux.csv\n", encoding="utf-8")
    db = tmp_path / "lieux.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet", "--inputs", str(inputs)])
    assert result.exit_code == 0, result.output
    assert "mediation-numerique" in result.output and "france-services " not in result.output  # --quiet: given only
    with sqlite3.connect(db) as conn:
        assert conn.execute("select lignes_lues from sources where id = 'mediation-numerique'").fetchone() == (8,)
    # --input replaces what the file says
    single = tmp_path / "un.csv"
    single.write_text("\n".join(FORMULES.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet", "--accepter-baisse", "--inputs", str(inputs),
                                      "--input", f"mediation-numerique={single}"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("select lignes_lues from sources where id = 'mediation-numerique'").fetchone() == (1,)


@pytest.mark.parametrize("content, words", [
    ("- a\n- b\n", "une ligne « id-de-source: chemin/ou/URL » par source"),
    ("mediation-numerique: [a, b]\n", "une ligne « id-de-source: chemin/ou/URL » par source"),
    ("a: : b: [\n", "fichier illisible"),
    ("inconnue: x.csv\n", "source(s) inconnue(s) inconnue"),
])
def test_inputs_file_errors_are_french(tmp_path, content, words):
    inputs = tmp_path / "entrees.yml"
    inputs.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "lieux.db"), "--inputs", str(inputs)])
    assert result.exit_code != 0 and words in result.output and "Traceback" not in result.output


def test_progress_on_a_terminal_only(tmp_path):
    """The real command: with stderr on a pseudo-terminal, one line per source; in a pipe, none."""
    command = [sys.executable, str(ROOT / "build.py"), "build", "--demo", "--db", str(tmp_path / "lieux.db")]
    master, slave = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=120) == 0
    os.close(master)
    assert "✓ demo : 52 lignes en" in seen.decode("utf-8") and "lignes/s)" in seen.decode("utf-8")
    piped = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert piped.returncode == 0 and "lignes/s" not in piped.stderr + piped.stdout
    assert "Lieux après fusion des doublons : " in piped.stdout


def test_reference_inputs_file_names_the_reference_files():
    data = yaml.safe_load((ROOT / "reference-inputs.yml").read_text(encoding="utf-8"))
    expected = {k: f"../shared/reference/{v}" for k, v in {**REFERENCE_INPUTS, **GEO_REFERENCE_INPUTS}.items()}
    assert data == expected


@requires_reference
def test_every_reference_list_builds_offline_in_one_command(tmp_path):
    """The README's command, as written (run from another folder: paths are relative to the YAML file)."""
    from tests.test_pipeline_reference import EXPECTED_LOADED

    db = tmp_path / "lieux.db"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--inputs", str(ROOT / "reference-inputs.yml"),
                             "--db", str(db)], capture_output=True, text=True, cwd=tmp_path, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Principaux motifs de rejet" in result.stdout and "Lieux après fusion des doublons" in result.stdout
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select id, statut, lignes_lues, lignes_chargees, lignes_rejetees, lignes_ecartees from sources").fetchall()
        [(ok,)] = conn.execute("select count(*) from references_geo where statut = 'ok'").fetchall()
    assert ok == len(GEO_REFERENCE_INPUTS)
    for source_id, status, read, loaded, rejected, set_aside in rows:
        if source_id not in REFERENCE_INPUTS:  # a list with no reference copy (coop-numerique): no file given
            assert (status, read) == ("absente", 0), source_id
            continue
        assert status == "ok", source_id
        assert read == loaded + rejected + set_aside, source_id
        assert loaded == EXPECTED_LOADED[source_id], source_id
    assert {r[0] for r in rows} >= set(REFERENCE_INPUTS)
