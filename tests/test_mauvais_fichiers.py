"""A corpus of bad files through the real command line: rows in `rejets` with a reason, or one
clear French error naming the file and what to do; never a traceback, never a silent loss."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from build import cli

CORPUS = Path(__file__).parent / "data" / "mauvais-fichiers"


def build_with(tmp_path, path: Path):
    source = "conseillers-numeriques" if path.suffix == ".json" else "mediation-numerique"
    db = tmp_path / "lieux.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet", "--input", f"{source}={path}"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        report = dict(conn.execute("select * from sources where id = ?", [source]).fetchone())
        # the source's counts are those of its lieux (conseillers-numeriques also fills structures_conseillers)
        rejets = [dict(r) for r in conn.execute(
            "select * from rejets where source = ? and schema = 'lieux-mediation-numerique'", [source])]
        corrections = [dict(r) for r in conn.execute("select * from corrections where source = ?", [source])]
    return result.output, report, rejets, corrections


# file: the message's words (the file is unreadable) — what to do is in every message
UNREADABLE = {
    "vide.csv": "le fichier est vide",
    "entete-seule.csv": "aucune ligne de données",
    "mauvais-separateur.csv": "une seule colonne lue avec le séparateur",
    "latin1.csv": "pas encodé en utf-8",
    "binaire.csv": "pas un fichier texte",
    "binaire-sans-nul.csv": "pas encodé en utf-8",  # no NUL or control byte: it could be text in another encoding
    "html-au-lieu-du-csv.csv": "page HTML",
    "json-pas-une-liste.json": "liste d'objets (un par lieu), pas un objet",
    "json-tronque.json": "JSON illisible",
}
FIXES = ("Indiquez", "Vérifiez", "Exportez", "Enregistrez", "Renommez", "Il doit")


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_files_give_one_clear_error(tmp_path, name):
    output, report, rejets, _ = build_with(tmp_path, CORPUS / name)
    assert report["statut"] == "illisible"
    assert UNREADABLE[name] in report["message"]
    assert name in report["message"]
    assert any(fix in report["message"] for fix in FIXES), report["message"]
    assert report["message"] in output  # the summary shows it, once
    assert output.count(name) == 1
    assert rejets == []


# file: (read, loaded, {rejet code: count})
ROWS = {
    "utf8-bom.csv": (3, 3, {}),
    "fins-de-ligne-cr.csv": (3, 3, {}),
    "lignes-irregulieres.csv": (4, 2, {"ligne-mal-formee": 2}),
    "guillemet-non-ferme.csv": (1, 0, {"ligne-mal-formee": 1}),
    "ids-en-double.csv": (3, 2, {"unique-error": 1}),
    "coordonnees-nan-infinity.csv": (3, 3, {}),
    "grands-nombres.csv": (4, 3, {"constraint-error": 1}),
    "injections.csv": (8, 8, {}),
    "json-liste-de-nombres.json": (4, 0, {"ligne-mal-formee": 4}),
    "json-nan-infini-enormes.json": (3, 1, {"ligne-mal-formee": 1, "valeur-invalide": 1}),  # a 300-digit number: row unread; 20210519 reads as a date
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_bad_rows_end_in_rejets_with_a_reason(tmp_path, name):
    read, loaded, codes = ROWS[name]
    _, report, rejets, _ = build_with(tmp_path, CORPUS / name)
    assert report["statut"] == "ok"
    assert (report["lignes_lues"], report["lignes_chargees"]) == (read, loaded)
    assert report["lignes_rejetees"] == read - loaded
    found = {}
    for r in rejets:
        found[r["code"]] = found.get(r["code"], 0) + 1
        assert r["message"] and r["ligne"] > 0 and r["ligne_source"]
    assert found == codes


def test_corpus_files_are_all_covered():
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".json")}
    assert files == set(UNREADABLE) | set(ROWS)


def test_impossible_coordinates_are_removed_and_recorded(tmp_path):
    _, _, _, corrections = build_with(tmp_path, CORPUS / "coordonnees-nan-infinity.csv")
    removed = sorted((c["ligne"], c["champ"]) for c in corrections)
    # line 2 has NaN (a declared missing value); lines 3 and 4 have infinities, removed and recorded
    assert removed == [(3, "latitude"), (3, "longitude"), (4, "latitude"), (4, "longitude")]
    assert all("valeur retirée" in c["motif"] for c in corrections)


def test_huge_numbers_never_reach_the_coordinates(tmp_path):
    _, _, rejets, corrections = build_with(tmp_path, CORPUS / "grands-nombres.csv")
    assert {(c["ligne"], c["champ"]) for c in corrections} >= {(2, "latitude"), (2, "longitude"), (3, "latitude")}
    assert [r["champ"] for r in rejets] == ["code_postal"]


def test_a_json_object_is_not_a_name(tmp_path):
    _, _, rejets, _ = build_with(tmp_path, CORPUS / "json-nan-infini-enormes.json")
    messages = [r["message"] for r in rejets if r["ligne"] == 3]
    assert any("raison_sociale" in m and "objet JSON" in m for m in messages), messages


def test_a_ten_megabyte_line(tmp_path):
    """Generated here (not committed): one 10 MB line without a line break, then a 10 MB cell."""
    one_line = tmp_path / "une-ligne.csv"
    one_line.write_bytes(b"x" * (10 * 1024 * 1024))
    _, report, _, _ = build_with(tmp_path, one_line)
    assert report["statut"] == "illisible" and "la première ligne a une cellule de plus de 100000 caractères" in report["message"]
    big_cell = tmp_path / "grande-cellule.csv"
    header = (CORPUS / "utf8-bom.csv").read_text(encoding="utf-8-sig").splitlines()
    row = header[1].replace("Médiathèque fictive 1", "Médiathèque " + "é" * (5 * 1024 * 1024))
    big_cell.write_text("\n".join([header[0], row, header[2]]) + "\n", encoding="utf-8")
    _, report, rejets, _ = build_with(tmp_path, big_cell)
    assert (report["statut"], report["lignes_lues"], report["lignes_chargees"]) == ("ok", 2, 1)
    [rejet] = rejets  # the 5 MB cell is over the reader's limit (lieux/limits.py): its row only is rejected
    assert rejet["ligne"] == 2 and "une cellule de plus de 100000 caractères" in rejet["message"]
