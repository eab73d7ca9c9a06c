"""`build.py export`: the files republished on data.gouv.fr."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3

import frictionless
import pytest
from click.testing import CliRunner

from build import cli
from lieux import export as exporting
from lieux import schemas
from tests.conftest import REFERENCE, requires_reference, run_build

LIEUX_CSV = "lieux-de-mediation-numerique.csv"
LIEUX_GEOJSON = "lieux-de-mediation-numerique.geojson"
OFFICIAL_SCHEMA = REFERENCE / "standard-mediation-num" / "schema.json"


def run_export(db, out, expect_ok=True):
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "--out", str(out)], catch_exceptions=False)
    if expect_ok:
        assert result.exit_code == 0, result.output
    return result


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def query(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def validate_package(path):
    """`frictionless validate datapackage.json`, in-process (trusted: the test folder is an absolute path)."""
    with frictionless.system.use_context(trusted=True):
        return frictionless.validate(str(path))


def validate_with(path, schema):
    """frictionless on an exported file, against a schema file or descriptor."""
    resource = frictionless.Resource(path=path.name, basepath=str(path.parent),
                                     schema=frictionless.Schema(schema) if not isinstance(schema, dict) else frictionless.Schema.from_descriptor(schema))
    with frictionless.system.use_context(trusted=True):
        return resource.validate()


@pytest.fixture(scope="module")
def demo_export(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("export-demo")
    run_export(demo_db, out)
    return out


def test_standard_csv_has_the_32_columns_in_order(demo_export, demo_db):
    header = next(csv.reader(open(demo_export / LIEUX_CSV, encoding="utf-8")))
    assert header == schemas.field_names(schemas.LIEUX)
    assert len(header) == 32
    rows = read_csv(demo_export / LIEUX_CSV)
    assert len(rows) == query(demo_db, "select count(*) from lieux")[0][0] == 50
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    raw = (demo_export / LIEUX_CSV).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw  # UTF-8 without BOM, one \n a line


def test_multi_valued_fields_are_joined_with_a_pipe(demo_export, demo_db):
    [(services,)] = query(demo_db, "select services from lieux where id = 'demo-001'")
    row = next(r for r in read_csv(demo_export / LIEUX_CSV) if r["id"] == "demo-001")
    assert row["services"] == "|".join(json.loads(services))
    assert row["services"].count("|") == 2


def test_standard_csv_is_valid_against_our_schema_and_the_official_file(demo_export):
    assert validate_with(demo_export / LIEUX_CSV, schemas.load_schema(schemas.LIEUX)).valid
    if OFFICIAL_SCHEMA.exists():
        report = validate_with(demo_export / LIEUX_CSV, str(OFFICIAL_SCHEMA))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])


def test_official_spelling_of_etapes_numeriques(demo_export, demo_db):
    # the demo covers the spelling the standard documents; v1.0.2's pattern only accepts the one without a space
    assert query(demo_db, "select count(*) from lieux where formations_labels like '%Étapes numériques (La Poste)%'")[0][0] > 0
    text = (demo_export / LIEUX_CSV).read_text(encoding="utf-8")
    assert "Étapes numériques(La Poste)" in text and "Étapes numériques (La Poste)" not in text


def test_geojson_has_one_point_per_lieu_with_every_field(demo_export, demo_db):
    data = json.loads((demo_export / LIEUX_GEOJSON).read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 50
    feature = next(f for f in data["features"] if f["id"] == "demo-001")
    [(lat, lon)] = query(demo_db, "select latitude, longitude from lieux where id = 'demo-001'")
    assert feature["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
    assert list(feature["properties"]) == schemas.field_names(schemas.LIEUX)
    assert isinstance(feature["properties"]["services"], list)


def test_datapackage_is_valid_with_licences_and_sources(demo_export, demo_db):
    report = validate_package(demo_export / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])
    descriptor = json.loads((demo_export / "datapackage.json").read_text(encoding="utf-8"))
    [(built,)] = query(demo_db, "select valeur from build_info where cle = 'construit_le'")
    assert descriptor["created"] == built
    assert descriptor["version"] == built[:10].replace("-", ".")
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"
    [(sha, producer, when)] = query(demo_db, "select sha256, producteur, telecharge_le from sources where id = 'demo'")
    [source] = descriptor["sources"]
    assert (source["sha256"], source["producer"], source["retrieved"]) == (sha, producer, when)
    paths = {r["path"] for r in descriptor["resources"]}
    assert paths == {LIEUX_CSV, LIEUX_GEOJSON}
    lieux = next(r for r in descriptor["resources"] if r["path"] == LIEUX_CSV)
    assert lieux["schema"]["fields"] == schemas.load_schema(schemas.LIEUX)["fields"]
    assert lieux["sources"] == descriptor["sources"] and lieux["title"] and lieux["description"]


def test_datapackage_detects_a_changed_file(demo_export, tmp_path):
    out = tmp_path / "copie"
    shutil.copytree(demo_export, out)
    with open(out / LIEUX_CSV, "a", encoding="utf-8") as f:
        f.write("\n")
    report = validate_package(out / "datapackage.json")
    assert not report.valid
    assert "hash-count" in {e.type for task in report.tasks for e in task.errors}


def test_same_database_gives_byte_identical_files(demo_db, demo_export, tmp_path):
    again = tmp_path / "again"
    run_export(demo_db, again)
    same_dir_before = {p.name: p.read_bytes() for p in demo_export.iterdir()}
    run_export(demo_db, demo_export)  # over the previous export: nothing changed, so nothing differs
    for path in sorted(demo_export.iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes() == same_dir_before[path.name], path.name
    assert sorted(p.name for p in again.iterdir()) == sorted(same_dir_before)


def edited_copy(db, dest, *statements):
    shutil.copy(db, dest)
    with sqlite3.connect(dest) as conn:
        for sql in statements:
            conn.execute(sql)
    return dest


def copy_lieu_sql(db, source_id, **replaced):
    """An INSERT copying one lieu with some columns replaced, whatever the other columns of the table."""
    columns = [r[1] for r in query(db, "pragma table_info(lieux)")]
    selected = ", ".join(replaced.get(c, f"[{c}]") for c in columns)
    return f"insert into lieux ({', '.join(f'[{c}]' for c in columns)}) select {selected} from lieux where id = '{source_id}'"


def test_changelog_lists_added_removed_and_modified_lieux(demo_db, tmp_path):
    out = tmp_path / "publication"
    run_export(demo_db, out)
    first = (out / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Première publication" in first
    changed = edited_copy(
        demo_db, tmp_path / "lieux.db",
        "delete from lieux where id = 'demo-002'",
        "update lieux set horaires = 'Mo 10:00-12:00', telephone = '+33100000000' where id = 'demo-003'",
        copy_lieu_sql(demo_db, "demo-001", id="'demo-999'", nom="'Nouveau lieu'"),
        "update build_info set valeur = '2030-01-02T03:04:05+00:00'",
    )
    result = run_export(changed, out)
    assert "1 ajoutées, 1 supprimées, 1 modifiées" in result.output
    log = (out / "CHANGELOG.md").read_text(encoding="utf-8")
    assert len([line for line in log.splitlines() if line.startswith("## ")]) == 2 and log.index("2030.01.02") < log.index("Première publication")
    assert "1 ligne ajoutée, 1 ligne supprimée, 1 ligne modifiée ; 50 lignes au total." in log
    assert "- `demo-999` — Nouveau lieu, Paris" in log
    assert "- `demo-002` — Espace numérique démo n°2 (Lyon), Lyon" in log
    assert "- `demo-003` — " in log and log.rstrip().endswith("Première publication de ce fichier : 50 lignes.")
    modified_line = next(line for line in log.splitlines() if line.startswith("- `demo-003`"))
    assert modified_line.endswith(": telephone, horaires")
    assert "Champs modifiés : horaires (1), telephone (1)." in log


def test_invalid_export_fails_and_keeps_the_previous_files(demo_db, tmp_path):
    out = tmp_path / "publication"
    run_export(demo_db, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = edited_copy(demo_db, tmp_path / "lieux.db", "update lieux set code_postal = '1960' where id = 'demo-001'")
    result = run_export(broken, out, expect_ok=False)
    assert result.exit_code == 1
    assert "code_postal « 1960 » : 5 chiffres attendus, ajoutez le 0 initial : 01960" in result.output
    assert "l'export précédent est conservé" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temporary file left, nothing replaced


def test_temporary_files_of_a_killed_export_are_removed(demo_db, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "publication"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = out / f".{LIEUX_CSV}.tmp-{int(dead.stdout)}"
    stale.write_text("id\n", encoding="utf-8")
    run_export(demo_db, out)
    assert not stale.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([LIEUX_CSV, LIEUX_GEOJSON, "datapackage.json", "CHANGELOG.md"])


def test_missing_database_is_a_clear_error(tmp_path):
    result = run_export(tmp_path / "absente.db", tmp_path / "out", expect_ok=False)
    assert result.exit_code == 1 and "base introuvable" in result.output


@requires_reference
def test_another_schema_exports_without_code_changes(demo_db, tmp_path, monkeypatch):
    """A schema added under schemas/ with its table in the database is exported and validated too.

    The Aidants Connect Carto schema (2020, no primary key) plays the new schema: a real Table Schema.
    """
    schemas_dir = tmp_path / "schemas"
    (schemas_dir / schemas.LIEUX).mkdir(parents=True)
    shutil.copy(schemas.schema_path(schemas.LIEUX), schemas_dir / schemas.LIEUX / "schema.json")
    (schemas_dir / "lieux-aidants-connect").mkdir()
    shutil.copy(REFERENCE / "aidants-connect-carto" / "schema" / "schema.json", schemas_dir / "lieux-aidants-connect" / "schema.json")
    monkeypatch.setattr(schemas, "SCHEMAS_DIR", schemas_dir)
    schemas.load_schema.cache_clear()
    try:
        db = tmp_path / "lieux.db"
        shutil.copy(demo_db, db)
        import sqlite_utils

        rows = read_csv(REFERENCE / "aidants-connect-carto" / "schema" / "exemple-valide.csv")
        table = sqlite_utils.Database(db)["lieux_aidants_connect"]
        table.create({**{name: str for name in rows[0]}, "source": str})
        out = tmp_path / "out"
        run_export(db, out)
        assert not (out / "lieux-aidants-connect.csv").exists()  # an empty table is not published
        table.insert_all({**r, "source": "demo"} for r in rows)
        run_export(db, out)
        exported = read_csv(out / "lieux-aidants-connect.csv")
        assert len(exported) == len(rows) and list(exported[0]) == schemas.field_names("lieux-aidants-connect")
        descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
        assert "lieux-aidants-connect.csv" in {r["path"] for r in descriptor["resources"]}
        assert validate_package(out / "datapackage.json").valid

        sqlite_utils.Database(db).execute("update lieux_aidants_connect set en_ligne = 'peut-être'")
        result = run_export(db, tmp_path / "out2", expect_ok=False)
        assert result.exit_code == 1 and "lieux-aidants-connect.csv n'est pas valide" in result.output
    finally:
        schemas.load_schema.cache_clear()


@requires_reference
def test_reference_export_is_valid_against_the_official_schema(reference_db, tmp_path):
    out = tmp_path / "out"
    run_export(reference_db, out)
    report = validate_with(out / LIEUX_CSV, str(OFFICIAL_SCHEMA))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])[:5]
    assert len(read_csv(out / LIEUX_CSV)) == query(reference_db, "select count(*) from lieux")[0][0]
    assert validate_package(out / "datapackage.json").valid
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    used = {s for (s,) in query(reference_db, "select distinct j.value from lieux, json_each(lieux.sources) j")}
    lieux = next(r for r in descriptor["resources"] if r["path"] == LIEUX_CSV)
    assert {s["id"] for s in lieux["sources"]} == used
    assert {s["id"] for s in descriptor["sources"]} == {s["id"] for r in descriptor["resources"] for s in r.get("sources", [])}
    assert all(s["sha256"] and s["producer"] and s["retrieved"] and s["path"].startswith("http") for s in descriptor["sources"])
    # licences: ours first, then each source's; a list that states no licence is not given one
    stated = dict(query(reference_db, "select licence_nom, licence from sources"))
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"
    assert {l["name"] for l in descriptor["licenses"]} == {n for n in stated if n not in exporting.NO_LICENCE_NAMES}
    no_licence = [n for n in stated if n in exporting.NO_LICENCE_NAMES]
    assert no_licence, "the hubs and APTIC lists state no licence"
    assert {s["license"] for s in descriptor["sources"]} >= {stated[n] for n in no_licence}
    unlicensed = [i for (i,) in query(reference_db, "select id from sources where licence_nom in ('aucune', 'non-indiquee', 'inconnue') "
                                                     "and id in (%s) order by id" % ",".join(f"'{s['id']}'" for s in descriptor["sources"]))]
    assert f"{len(unlicensed)} des {len(descriptor['sources'])} listes d'origine n'indiquent pas de licence ({', '.join(unlicensed)})" in descriptor["description"]


@requires_reference
def test_round_trip_through_the_standard_csv(reference_db, tmp_path, cache_dir):
    """Export, build again from the exported CSV as the mediation-numerique source: the same lieux come back.

    The mediation-numerique descriptor prefixes ids with "mediation-numerique-" (ids are made unique across
    sources that way), so lieux are matched on that prefix and every other field is compared.
    """
    first = tmp_path / "first"
    run_export(reference_db, first)
    db = tmp_path / "roundtrip" / "lieux.db"
    run_build(db, "--input", f"mediation-numerique={first / LIEUX_CSV}")
    [(read, loaded, rejected)] = query(db, "select lignes_lues, lignes_chargees, lignes_rejetees from sources where id = 'mediation-numerique'")
    assert read == loaded and rejected == 0
    second = tmp_path / "second"
    run_export(db, second)
    before = read_csv(first / LIEUX_CSV)
    after = {r["id"].removeprefix("mediation-numerique-"): r for r in read_csv(second / LIEUX_CSV)}
    # One exception, from the merge step, not the export: lieux of different lists that the first build kept
    # apart but that share their name and address come back in ONE list here, where the merge's `doublon`
    # rule (same list, same name, same address) joins them. Each is accounted for in `fusions`.
    merged_back = [r for r in before if r["id"] not in after]
    doublons = query(db, "select count(*) from fusions where regle = 'doublon' and decision = 'fusionnée'")[0][0] if merged_back else 0
    assert len(merged_back) == doublons
    for row in merged_back:
        [(lieu_id,)] = query(db, "select lieu_id from membres where cle = ?", ["mediation-numerique-" + row["id"]])
        kept = after[lieu_id.removeprefix("mediation-numerique-")]
        # the same commune and an address the merge reads as the same door (« 1 pl de l'hôtel de ville » and
        # « 1 place de l'Hôtel de ville / Seynod », with the commune déléguée's name or not)
        from lieux.merge.normalise import address_same, normalise_address
        assert kept["code_insee"] == row["code_insee"]
        assert address_same(normalise_address(kept["adresse"]), normalise_address(row["adresse"]))[0], (kept, row)
    assert len(after) + len(merged_back) == len(before) > 2000
    partners = {row["id"] for row in merged_back} | {
        lieu_id.removeprefix("mediation-numerique-")
        for (lieu_id,) in query(db, "select lieu_id from fusions where regle = 'doublon' and decision = 'fusionnée'")}
    for row in before:
        if row["id"] not in partners:  # a lieu merged back with its doublon takes fields of both rows
            assert {**after[row["id"]], "id": row["id"]} == row

    # the database rows too, field by field. One deliberate difference: the export writes the label
    # "Étapes numériques (La Poste)" as the official v1.0.2 pattern spells it, "Étapes numériques(La Poste)"
    # (exporting.OFFICIAL_SPELLINGS), and the mediation-numerique source reads it back as written.
    names = schemas.field_names(schemas.LIEUX)
    cols = ", ".join(names)
    spelled = exporting.OFFICIAL_SPELLINGS[schemas.LIEUX]["formations_labels"]
    labels = names.index("formations_labels")

    def published(row):
        row = list(row)
        if row[labels]:
            row[labels] = json.dumps([spelled.get(v, v) for v in json.loads(row[labels])], ensure_ascii=False)
        return row[1:]

    original = {r[0]: r for r in query(reference_db, f"select {cols} from lieux")}
    respelled = 0
    for row in query(db, f"select {cols} from lieux"):
        source_id = row[0].removeprefix("mediation-numerique-")
        if source_id in partners:
            continue  # a lieu merged back with its doublon (above) takes fields of both rows
        assert list(row[1:]) == published(original[source_id]), source_id
        respelled += list(row[1:]) != list(original[source_id][1:])
    ids = sorted(partners) or ["-"]
    assert respelled == query(reference_db, "select count(*) from lieux where formations_labels like ? "
                                            f"and id not in ({','.join('?' * len(ids))})",
                              ["%Étapes numériques (La Poste)%", *ids])[0][0]


def test_versions_follow_the_build_day_and_the_content(demo_db, tmp_path):
    out = tmp_path / "publication"
    [(built,)] = query(demo_db, "select valeur from build_info")
    day = built[:10].replace("-", ".")

    def version():
        return json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["version"]

    run_export(demo_db, out)
    assert version() == day
    changed = edited_copy(demo_db, tmp_path / "a.db", "update lieux set horaires = 'Mo 10:00-12:00' where id = 'demo-003'")
    run_export(changed, out)
    assert version() == f"{day}.2"  # another content the same day
    run_export(changed, out)
    assert version() == f"{day}.2"  # the same content keeps its version
    run_export(demo_db, out)
    assert version() == f"{day}.3"
    later = edited_copy(changed, tmp_path / "b.db", "update build_info set valeur = '2031-05-06T07:08:09+00:00'")
    run_export(later, out)
    assert version() == "2031.05.06"
    log = (out / "CHANGELOG.md").read_text(encoding="utf-8")
    assert [line.split(" — ")[0] for line in log.splitlines() if line.startswith("## ")] == [
        "## 2031.05.06", f"## {day}.3", f"## {day}.2", f"## {day}"]


def test_two_builds_with_source_date_epoch_export_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    outs = []
    for name in ("a", "b"):
        db = tmp_path / name / "lieux.db"
        run_build(db, "--demo")
        assert query(db, "select valeur from build_info") == [("2026-01-01T00:00:00+00:00",)]
        outs.append(tmp_path / f"out-{name}")
        run_export(db, outs[-1])
    files = sorted(p.name for p in outs[0].iterdir())
    assert files == sorted(p.name for p in outs[1].iterdir())
    for name in files:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
