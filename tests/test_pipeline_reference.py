"""Every reference list builds; each row is loaded or rejected with a reason."""

import sqlite3

import pytest

from lieux import schemas
from lieux.sources import SOURCES_DIR, load_descriptor
from tests.conftest import requires_reference
from tests.reference_inputs import REFERENCE_INPUTS

pytestmark = requires_reference

# Rows loaded from each reference file, measured and checked by hand (see the README).
# A source's counts are those of its first output: the lieux for conseillers-numeriques (its
# structures_conseillers rows are checked in test_entity_tables.py), its own table for the others.
EXPECTED_LOADED = {
    "mediation-numerique": 1,
    "france-services": 1975,
    "france-services-2020": 436,  # 144 rows the 2024 list no longer has (and no other list): rejected (millesime-remplace)
    "conseillers-numeriques": 905,
    # Hub and local lists: rejected rows lack an address, a postcode or a commune, or are test records (sources/README.md).
    "hinaura": 45,
    "hubik-gironde": 210,
    "hubik-lot-et-garonne": 140,
    "francilin": 333,
    "les-assembleurs": 1201,
    "mednum-bfc": 623,
    "auvergne-epn": 134,
    "corse-epn": 21,
    "nantes": 54,
    "aidants-connect": 0,  # online services without premises: every row rejected
    "angers": 63,
    "corse": 156,
    "etapes-numeriques": 95,
    "fibre-64": 61,
    "gironde": 321,
    "hub-lo": 425,
    "la-creuse": 89,
    "aix-en-provence": 38,
    "cartographie-nationale-2022": 687,
    "hubs-territoriaux": 17,
    "fabriques-de-territoire": 382,
    "aptic": 129,
}


def query(db_path, sql, params=()):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def test_every_reference_source_has_an_expected_count():
    assert set(EXPECTED_LOADED) == set(REFERENCE_INPUTS)


@pytest.mark.parametrize("source_id", sorted(EXPECTED_LOADED))
def test_read_equals_loaded_plus_rejected_plus_set_aside(reference_db, source_id):
    [(status, read, loaded, rejected, set_aside)] = query(
        reference_db, "select statut, lignes_lues, lignes_chargees, lignes_rejetees, lignes_ecartees from sources where id = ?",
        [source_id])
    assert status == "ok"
    assert read == loaded + rejected + set_aside
    [(in_ecartes,)] = query(reference_db, "select count(*) from ecartes where source = ?", [source_id])
    assert in_ecartes == set_aside
    assert loaded == EXPECTED_LOADED[source_id]
    main = load_descriptor(SOURCES_DIR / f"{source_id}.yml").outputs[0].schema
    if main == schemas.LIEUX:
        [(in_table,)] = query(reference_db, "select count(*) from membres where source_id = ?", [source_id])
    else:
        [(in_table,)] = query(reference_db, f"select count(*) from [{schemas.table_for(main)}] where source = ?", [source_id])
    [(rejected_rows,)] = query(reference_db, "select count(distinct ligne) from rejets where source = ? and schema = ?", [source_id, main])
    assert in_table == loaded
    assert rejected_rows == rejected


def test_every_rejected_row_has_a_reason_and_its_raw_row(reference_db):
    rows = query(reference_db, "select source, ligne, code, message, ligne_source from rejets")
    assert rows, "the conseillers-numeriques list has rows without name: they must be rejected"
    for source, ligne, code, message, raw in rows:
        assert ligne > 0 and code and message and raw.startswith("{")


def test_conseillers_numeriques_postcodes_get_their_leading_zero(reference_db):
    # cnfs.json record 28: "code_postal": 3100 (Montluçon)
    [(cp, dispositifs)] = query(reference_db, "select code_postal, dispositif_programmes_nationaux from membres where cle = 'conseillers-numeriques-28'")
    assert cp == "03100"
    assert dispositifs == '["Conseillers numériques", "France Services"]'
    corrections = query(reference_db, "select motif from corrections where source = 'conseillers-numeriques' and champ = 'code_postal' and valeur_source = '3100'")
    assert corrections and "0 initial" in corrections[0][0]


def test_france_services_hours_become_osm_opening_hours(reference_db):
    # liste-fs-20240801.csv id_fs 4: 08:45 - 12:00 / 13:30 - 18:00 from Monday to Friday
    [(horaires, itinerance, telephone)] = query(reference_db, "select horaires, itinerance, telephone from membres where source_id = 'france-services' and cle = 'france-services-4'")
    assert horaires == "Mo-Fr 08:45-12:00,13:30-18:00"
    assert itinerance == '["Fixe"]'
    assert telephone == "+33323975390"


def test_input_replaces_a_source_file(tmp_path, cache_dir):
    from tests.conftest import copy_reference, run_build

    path = copy_reference(REFERENCE_INPUTS["france-services"], tmp_path / "fs.csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:11]), encoding="utf-8")  # header + 10 rows
    db = tmp_path / "lieux.db"
    run_build(db, "--input", f"france-services={path}")
    assert query(db, "select lignes_lues, lignes_chargees from sources where id = 'france-services'") == [(10, 10)]
    assert query(db, "select statut from sources where id = 'conseillers-numeriques'") == [("absente",)]


def test_places_the_current_france_services_list_dropped_are_rejected_with_the_reason(reference_db):
    rows = query(reference_db, "select message from rejets where source = 'france-services-2020' and code = 'millesime-remplace'")
    assert len(rows) == 144
    assert "absent de « Liste des structures France Services » (france-services)" in rows[0][0]
    [(n,)] = query(reference_db, """select count(*) from membres m join membres n on n.lieu_id = m.lieu_id
                                    where m.source_id = 'france-services-2020' and n.source_id = 'france-services'""")
    assert n == 399  # 398 by matricule, 1 renumbered (same name at the same address)
