"""The Table Schemas in schemas/: valid, documented, versioned, with valid examples; the standard copied field for field."""

import json
import re

import pytest
from frictionless import Schema, system, validate

from lieux import schemas
from tests.conftest import REFERENCE, requires_reference

SCHEMA_NAMES = schemas.list_schemas()
OURS = [name for name in SCHEMA_NAMES if name != schemas.LIEUX]
OFFICIAL_STANDARD = REFERENCE / "standard-mediation-num" / "schema.json"
TEMPLATE_HEADER = ["$schema", "name", "title", "description", "keywords", "countryCode", "homepage", "path",
                   "licenses", "resources", "sources", "created", "lastModified", "version", "contributors"]
CHANGELOG_HEADING = re.compile(r"^## (\d+\.\d+\.\d+)\b", re.M)


def folder(name):
    return schemas.SCHEMAS_DIR / name


def test_every_schema_folder_is_listed():
    assert set(SCHEMA_NAMES) == {
        "lieux-mediation-numerique", "structures-conseillers-numeriques", "hubs-territoriaux",
        "fabriques-de-territoire", "services-aptic",
    }
    for name in SCHEMA_NAMES:
        assert name in schemas.TABLES, f"{name} has no table in schemas.TABLES"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_folder_has_the_schema_data_gouv_files(name):
    for filename in ("schema.json", "exemple-valide.csv", "CHANGELOG.md", "README.md"):
        assert (folder(name) / filename).is_file(), f"schemas/{name}/{filename} is missing"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_a_valid_table_schema(name):
    report = Schema.validate_descriptor(str(folder(name) / "schema.json"))
    assert report.valid, report.flatten(["type", "note"])


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_example_validates_against_its_schema(name):
    with system.use_context(trusted=True):
        report = validate(str(folder(name) / "exemple-valide.csv"), schema=str(folder(name) / "schema.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] >= 1


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_example_header_is_the_schema_fields_in_order(name):
    header = (folder(name) / "exemple-valide.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == schemas.field_names(name)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_version_is_the_newest_changelog_heading(name):
    schema = schemas.load_schema(name)
    changelog = (folder(name) / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = CHANGELOG_HEADING.findall(changelog)
    assert headings, f"schemas/{name}/CHANGELOG.md has no '## x.y.z' heading"
    newest = max(headings, key=lambda v: tuple(int(p) for p in v.split(".")))
    assert schema["version"] == newest == headings[0]
    assert not schema["version"].startswith("v")


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_field_is_documented(name):
    for f in schemas.load_schema(name)["fields"]:
        for key in ("name", "title", "description", "example", "type", "constraints"):
            assert f.get(key) not in (None, ""), f"{name}.{f['name']} has no {key}"


@pytest.mark.parametrize("name", OURS)
def test_our_schemas_have_the_full_template_header(name):
    schema = schemas.load_schema(name)
    keys = list(schema)
    assert keys[:len(TEMPLATE_HEADER)] == TEMPLATE_HEADER
    assert keys[-2:] == ["fields", "primaryKey"]
    assert schema["name"] == name
    assert schema["countryCode"] == "FR"
    assert [lic["name"] for lic in schema["licenses"]] == ["etalab-2.0"]
    assert [r["path"] for r in schema["resources"]] == ["exemple-valide.csv"]
    assert schema["path"] == f"schemas/{name}/schema.json"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", schema["created"]) and schema["lastModified"] >= schema["created"]
    primary_key = schema["primaryKey"]
    pk_field = next(f for f in schema["fields"] if f["name"] == primary_key)
    assert pk_field["constraints"].get("required") and pk_field["constraints"].get("unique")


@pytest.mark.parametrize("name", OURS)
def test_multi_valued_fields_say_their_separator(name):
    fields = schemas.load_schema(name)["fields"]
    multi = [f for f in fields if f.get("multiple")]
    assert tuple(f["name"] for f in multi) == schemas.multi_valued(name)
    kept = Schema.from_descriptor(str(folder(name) / "schema.json")).to_descriptor()
    assert [f["name"] for f in kept["fields"] if f.get("multiple")] == [f["name"] for f in multi]
    for f in multi:
        assert "séparées par « | »" in f["description"], f"{name}.{f['name']}"
        assert f["type"] == "string"
    for f in fields:
        if not f.get("multiple"):
            assert "« | »" not in f["description"], f"{name}.{f['name']} mentions | but is not flagged multiple"


def test_multi_valued_examples_use_the_pipe_and_fail_with_another_separator(tmp_path):
    name = "hubs-territoriaux"
    good = folder(name) / "exemple-valide.csv"
    bad = tmp_path / "hubs.csv"
    bad.write_text(good.read_text(encoding="utf-8").replace("971|972|973", "971;972;973"), encoding="utf-8")
    with system.use_context(trusted=True):
        report = validate(str(bad), schema=str(folder(name) / "schema.json"))
    assert report.flatten(["rowNumber", "fieldName", "type"]) == [[3, "departements", "constraint-error"]]


def test_standard_multi_valued_fields_are_listed():
    # The standard flags no field: the list in lieux/schemas.py must follow the descriptions that say "|"
    with_list_pattern = {f["name"] for f in schemas.load_schema(schemas.LIEUX)["fields"]
                         if f.get("constraints", {}).get("pattern", "").startswith("(?:(?:^|\\|)")}
    assert len(with_list_pattern) == 9
    assert with_list_pattern <= set(schemas.multi_valued(schemas.LIEUX))


# --- The national standard, field for field -------------------------------------------------------

def _fields(path):
    return json.loads(path.read_text(encoding="utf-8"))["fields"]


@requires_reference
def test_lieux_schema_is_the_standard_field_for_field():
    ours = schemas.load_schema(schemas.LIEUX)["fields"]
    official = _fields(OFFICIAL_STANDARD)
    assert [f["name"] for f in ours] == [f["name"] for f in official]
    differences = []
    for mine, theirs in zip(ours, official):
        for key in sorted(set(mine) | set(theirs)):
            if key == "constraints":
                continue
            if mine.get(key) != theirs.get(key):
                differences.append((mine["name"], key))
        mc, tc = mine.get("constraints", {}), theirs.get("constraints", {})
        for key in sorted(set(mc) | set(tc)):
            if mc.get(key) != tc.get(key):
                differences.append((mine["name"], f"constraints.{key}"))
    assert differences == [("formations_labels", "constraints.pattern")]


@requires_reference
def test_lieux_schema_keeps_the_standard_primary_key_and_required_fields():
    official = json.loads(OFFICIAL_STANDARD.read_text(encoding="utf-8"))
    ours = schemas.load_schema(schemas.LIEUX)
    assert ours["primaryKey"] == official["primaryKey"] == "id"
    required = [f["name"] for f in ours["fields"] if f.get("constraints", {}).get("required")]
    assert required == ["id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"]
    assert ours["version"] == official["version"].removeprefix("v") == "1.0.2"


def _formations_pattern(fields):
    return re.compile(next(f for f in fields if f["name"] == "formations_labels")["constraints"]["pattern"])


@requires_reference
@pytest.mark.parametrize("value, ours_accepts, official_accepts", [
    ("Étapes numériques(La Poste)", True, True),            # the spelling the v1.0.2 pattern accepts
    ("Étapes numériques (La Poste)", True, False),          # the spelling its description documents
    ("Fabriques de Territoire|Étapes numériques (La Poste)", True, False),
    ("Étapes numériques  (La Poste)", False, False),        # two spaces: neither
    ("Etapes numériques (La Poste)", False, False),         # no accent: neither
    ("Fabriques de Territoire", True, True),
])
def test_formations_labels_pattern_accepts_both_spellings(value, ours_accepts, official_accepts):
    ours = _formations_pattern(schemas.load_schema(schemas.LIEUX)["fields"])
    official = _formations_pattern(_fields(OFFICIAL_STANDARD))
    assert bool(ours.match(value)) is ours_accepts
    assert bool(official.match(value)) is official_accepts


@requires_reference
def test_documented_spelling_validates_with_frictionless(tmp_path):
    # exemple-valide.csv row 2 uses the documented spelling: valid for us, invalid for v1.0.2 as published
    example = folder(schemas.LIEUX) / "exemple-valide.csv"
    assert "Étapes numériques (La Poste)" in example.read_text(encoding="utf-8")
    with system.use_context(trusted=True):
        official = validate(str(example), schema=str(OFFICIAL_STANDARD))
    assert official.flatten(["rowNumber", "fieldName", "type"]) == [[2, "formations_labels", "constraint-error"]]


# --- schemas/datapackage.json and the validate command --------------------------------------------------

def test_datapackage_lists_every_schema_and_validates():
    from frictionless import Package

    package = json.loads((schemas.SCHEMAS_DIR / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == SCHEMA_NAMES
    for resource in package["resources"]:
        assert resource["schema"] == f"{resource['name']}/schema.json"
        assert resource["path"] == f"{resource['name']}/exemple-valide.csv"
        assert resource["title"] == schemas.load_schema(resource["name"])["title"]
    report = Package(str(schemas.SCHEMAS_DIR / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert len(report.tasks) == len(SCHEMA_NAMES)


def test_validate_command_explains_a_bad_hubs_file_in_french(tmp_path):
    from click.testing import CliRunner

    from build import cli

    path = tmp_path / "hubs.csv"
    path.write_text("id,nom,regions,departements\nHub X,Hub X,Bretagne;Normandie,971\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path), "--schema", "hubs-territoriaux"])
    assert result.exit_code == 1
    assert "id « Hub X » : ne respecte pas le format attendu" in result.output
    assert ("regions « Bretagne;Normandie » : valeur hors du vocabulaire du schéma, "
            "séparez les valeurs par « | » et non par « ; » : Bretagne|Normandie.") in result.output
    assert "departements «" not in result.output  # "971" is a valid code
