"""`build.py validate FILE --schema NAME`: verdicts of frictionless, explained in French for producers."""

from __future__ import annotations

import csv
import io
import json

import frictionless
import pytest
from click.testing import CliRunner

from build import cli
from lieux import schemas
from lieux.producer import validate_file
from tests.conftest import REFERENCE, requires_reference

EXAMPLE = REFERENCE / "standard-mediation-num" / "exemple-valide.csv"
AIDANTS_CONNECT_SCHEMA = REFERENCE / "aidants-connect-carto" / "schema" / "schema.json"
HEADER = schemas.field_names(schemas.LIEUX)


def run_validate(*args):
    return CliRunner().invoke(cli, ["validate", *map(str, args)], catch_exceptions=False)


def frictionless_report(path, schema):
    descriptor = schemas.load_schema(schema) if not str(schema).endswith(".json") else json.loads(open(schema, encoding="utf-8").read())
    with frictionless.system.use_context(trusted=True):
        return frictionless.validate(str(path), schema=frictionless.Schema.from_descriptor(descriptor), limit_errors=100_000)


def write_rows(path, rows, delimiter=",", encoding="utf-8", lineterminator="\n", header=HEADER):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def example_row(**changes):
    row = dict(next(csv.DictReader(open(EXAMPLE, encoding="utf-8"))))
    row.update(changes)
    return [row[n] for n in HEADER]


@requires_reference
def test_the_standard_example_is_valid():
    result = run_validate(EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "Lignes de données : 1 — valides : 1 — invalides : 0" in result.output
    assert "Encodage détecté : UTF-8 ; séparateur détecté : « , » (virgule)" in result.output
    assert result.output.rstrip().endswith("Verdict : fichier valide.")


@requires_reference
def test_each_error_says_row_column_value_expectation_and_fix(tmp_path):
    path = write_rows(tmp_path / "lieux.csv", [
        example_row(id="a", code_postal="1960", latitude="46,2", telephone="01 23 45 67 89", date_maj="02/04/2024",
                    itinerance="Fixe;Itinérant", services="Aide aux demarches administratives"),
        example_row(id="a", nom=""),
        example_row(id="c"),
    ])
    result = run_validate(path)
    assert result.exit_code == 1
    out = result.output
    assert "Lignes de données : 3 — valides : 1 — invalides : 2" in out
    assert "Ligne 2 : code_postal « 1960 » : 5 chiffres attendus, ajoutez le 0 initial : 01960." in out
    assert "Ligne 2 : latitude « 46,2 » : nombre attendu, avec un point décimal, remplacez la virgule par un point : 46.2." in out
    assert "écrivez +33123456789" in out
    assert "date_maj « 02/04/2024 » : date attendue au format AAAA-MM-JJ, par exemple 2024-04-02, écrivez 2024-04-02." in out
    assert "séparez les valeurs par « | » et non par « ; » : Fixe|Itinérant" in out
    assert "« Aide aux demarches administratives » : écrivez « Aide aux démarches administratives »" in out
    assert "Ligne 3 : nom : vide alors qu'il est obligatoire (Nom)" in out
    assert "Ligne 3 : id « a » : identifiant déjà utilisé par une ligne précédente (déjà utilisé ligne 2)" in out
    assert "  - type incorrect : 2 (date_maj : 1, latitude : 1)" in out
    assert out.index("Erreurs par type") < out.index("Ligne 2 :")  # summary first, then each error
    assert out.rstrip().endswith("Verdict : fichier invalide.")


@requires_reference
def test_json_report_for_machines(tmp_path):
    path = write_rows(tmp_path / "lieux.csv", [example_row(code_postal="1960")])
    result = run_validate(path, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert (report["valide"], report["lignes"], report["lignes_valides"], report["lignes_invalides"]) == (False, 1, 0, 1)
    assert report["encodage"] == "utf-8" and report["separateur"] == ","
    [error] = report["erreurs"]
    assert error == {
        "ligne": 2, "colonne": "code_postal", "valeur": "1960", "code": "constraint-error", "type": "format non respecté",
        "attendu": "5 chiffres attendus", "correction": "ajoutez le 0 initial : 01960",
        "message": "code_postal « 1960 » : 5 chiffres attendus, ajoutez le 0 initial : 01960.",
    }
    assert report["erreurs_par_type"] == [{"type": "format non respecté", "nombre": 1, "detaillees": 1, "par_colonne": {"code_postal": 1}}]
    assert (report["nombre_erreurs"], report["erreurs_detaillees"], report["limite_par_type"]) == (1, 1, 1000)
    valid = json.loads(run_validate(EXAMPLE, "--format", "json").output)
    assert valid["valide"] is True and valid["erreurs"] == []


@requires_reference
def test_latin1_semicolons_and_crlf_are_detected(tmp_path):
    path = write_rows(tmp_path / "lieux.csv", [example_row()], delimiter=";", encoding="cp1252", lineterminator="\r\n")
    report = validate_file(path, schemas.LIEUX)
    assert (report.valid, report.encodage, report.separateur, report.lignes) == (True, "cp1252", ";", 1)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    report = validate_file(bom, schemas.LIEUX)
    assert (report.valid, report.encodage) == (True, "utf-8-sig")


@requires_reference
def test_header_problems_say_which_column_and_what_to_do(tmp_path):
    renamed = ["Code_Postal" if n == "code_postal" else n for n in HEADER]
    result = run_validate(write_rows(tmp_path / "a.csv", [example_row()], header=renamed))
    assert result.exit_code == 1
    assert "En-tête : colonne « Code_Postal » (position 5) : « code_postal » attendu à cette place, renommez-la « code_postal »." in result.output
    swapped = HEADER[:8] + ["longitude", "latitude"] + HEADER[10:]
    result = run_validate(write_rows(tmp_path / "b.csv", [example_row()], header=swapped))
    assert "les colonnes doivent suivre l'ordre du schéma : mettez « latitude » en position 9" in result.output
    result = run_validate(write_rows(tmp_path / "c.csv", [example_row()[:-1]], header=HEADER[:-1]))
    assert "En-tête : colonne prise_rdv : absente de l'en-tête, ajoutez-la après la colonne fiche_acces_libre" in result.output


def test_ragged_and_blank_rows(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,pivot,nom\nx,00000000000000,Lieu,en trop\n\n", encoding="utf-8")
    result = run_validate(path, "--format", "json")
    assert result.exit_code == 1
    types = {e["type"] for e in json.loads(result.output)["erreurs"]}
    assert {"cellule en trop", "ligne vide", "colonne absente"} <= types


@pytest.mark.parametrize("content, reason", [
    (b"", "le fichier est vide"),
    (b"\x00\x01\x02PK\x03\x04 binary", "octets nuls"),
    (b"PK\x03\x04\x14\x00\x06\x00", "classeur de tableur"),
    (b'[{"id": "1", "nom": "Lieu"}]', "fichier JSON"),
    (b"<!DOCTYPE html><html><body>Erreur 404</body></html>", "page HTML"),
])
def test_unreadable_files_exit_with_2(tmp_path, content, reason):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2 and reason in result.output
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["lisible"] is False


def test_missing_file_and_unknown_schema_exit_with_2(tmp_path):
    assert CliRunner().invoke(cli, ["validate", str(tmp_path / "absent.csv")]).exit_code == 2
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--schema", "inconnu"])
    assert result.exit_code == 2 and "Schéma inconnu « inconnu »" in result.output


def reference_cases():
    if not REFERENCE.is_dir():
        return []
    # every CSV as its producer published it, against the standard (the *_transformed / *_enriched copies are
    # the same rows mapped by Aidants Connect Carto: they are checked against that project's own schema below)
    cases = [(p, schemas.LIEUX) for p in sorted(REFERENCE.rglob("*.csv"))
             if "geo" not in p.relative_to(REFERENCE).parts and not p.stem.endswith(("_transformed", "_enriched"))]
    cases += [(p, str(AIDANTS_CONNECT_SCHEMA)) for p in sorted(REFERENCE.glob("aidants-connect-carto/**/*_transformed.csv"))]
    cases.append((REFERENCE / "aidants-connect-carto" / "schema" / "exemple-valide.csv", str(AIDANTS_CONNECT_SCHEMA)))
    return cases


@requires_reference
@pytest.mark.parametrize("path, schema", reference_cases(), ids=lambda x: getattr(x, "name", str(x).rsplit("/", 1)[-1]))
def test_verdicts_agree_with_frictionless_on_reference_files(path, schema):
    ours = validate_file(path, schema)
    theirs = frictionless_report(path, schema)
    assert ours.valid == theirs.valid
    errors = [e for task in theirs.tasks for e in task.errors]
    unique_rows = {e.row_number for e in errors if e.type == "unique-error"}
    twice = sum(1 for e in errors if e.type == "primary-key" and e.row_number in unique_rows)
    assert ours.nombre_erreurs == theirs.stats["errors"] - twice  # a duplicate id is reported once, on its column
    assert all(e.message and e.type for e in ours.erreurs)


@requires_reference
def test_verdicts_agree_with_frictionless_on_broken_files(tmp_path):
    cases = {
        "latin1.csv": ([example_row(nom="Médiathèque")], {"encoding": "cp1252", "delimiter": ";"}),
        "cp.csv": ([example_row(code_postal="1960")], {}),
        "dup.csv": ([example_row(), example_row()], {}),
        "vocab.csv": ([example_row(frais_a_charge="gratuit")], {}),
        "date.csv": ([example_row(date_maj="2024-13-45")], {}),
        "ok.csv": ([example_row(id="1"), example_row(id="2", latitude="", longitude="")], {}),
        "cr.csv": ([example_row(id="1"), example_row(id="2")], {"lineterminator": "\r"}),      # old Mac line endings
        "utf16.csv": ([example_row(id="1")], {"encoding": "utf-16", "delimiter": "\t"}),     # spreadsheets' "texte Unicode"
    }
    for name, (rows, options) in cases.items():
        path = write_rows(tmp_path / name, rows, **options)
        assert validate_file(path, schemas.LIEUX).valid == frictionless_report(path, schemas.LIEUX).valid, name
    for name in ("ok.csv", "cr.csv", "utf16.csv"):
        assert validate_file(tmp_path / name, schemas.LIEUX).valid, name
    assert validate_file(tmp_path / "utf16.csv", schemas.LIEUX).encodage == "utf-16"


@requires_reference
def test_schema_given_as_a_file(tmp_path):
    result = run_validate(REFERENCE / "aidants-connect-carto" / "schema" / "exemple-valide.csv", "--schema", AIDANTS_CONNECT_SCHEMA)
    assert result.exit_code == 0, result.output
    result = run_validate(EXAMPLE, "--schema", REFERENCE / "standard-mediation-num" / "schema.json")
    assert result.exit_code == 0, result.output


@requires_reference
def test_long_reports_are_capped_in_text_but_complete_in_json():
    path = REFERENCE / "anct-carto-france_services" / "data" / "liste-fs-20240801.csv"
    text = run_validate(path, "--limite", "10").output
    report = json.loads(run_validate(path, "--format", "json").output)
    assert report["valide"] is False and len(report["erreurs"]) > 1000
    assert f"… et {len(report['erreurs']) - 10} autres erreurs" in text
    assert len([line for line in text.splitlines() if line.startswith(("Ligne ", "En-tête :"))]) == 10
    assert "L'en-tête ne correspond pas au schéma : corrigez-le d'abord" in text
    assert report["colonnes_reconnues"] < report["colonnes_schema"] / 2
    assert f"Seules {report['colonnes_reconnues']} colonnes sur 32 portent un nom du schéma dans l'en-tête" in text
    assert f"Lignes de données : {report['lignes']} — valides : {report['lignes_valides']}" in text
