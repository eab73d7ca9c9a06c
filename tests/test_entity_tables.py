"""The tables besides `lieux`, built from the reference lists: structures_conseillers, hubs, fabriques, services_aptic."""

import json
import sqlite3

import pytest

from lieux import fetch
from lieux.sources import SOURCES_DIR, load_descriptor
from tests.conftest import REFERENCE, requires_reference
from tests.reference_inputs import REFERENCE_INPUTS

pytestmark = requires_reference


def query(db_path, sql, params=()):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.parametrize("source_id", ["hubs-territoriaux", "fabriques-de-territoire", "aptic"])
def test_pinned_sha256_is_the_reference_copy(source_id):
    # SOURCES.md: these reference files are byte-for-byte copies of the pinned commit's files
    descriptor = load_descriptor(SOURCES_DIR / f"{source_id}.yml")
    assert descriptor.url.startswith("https://raw.githubusercontent.com/")
    assert fetch.sha256_of(REFERENCE / REFERENCE_INPUTS[source_id]) == descriptor.sha256


@pytest.mark.parametrize("source_id", ["hubs-territoriaux", "fabriques-de-territoire", "aptic"])
def test_pinned_download_passes_its_sha256_check(reference_url, tmp_path, source_id):
    descriptor = load_descriptor(SOURCES_DIR / f"{source_id}.yml")
    url = f"{reference_url}/{REFERENCE_INPUTS[source_id]}"
    fetched = fetch.download(url, tmp_path / "ok", sha256=descriptor.sha256, retries=1)
    assert fetched.sha256 == descriptor.sha256
    with pytest.raises(fetch.FetchError, match="empreinte sha256"):
        fetch.download(url, tmp_path / "changed", sha256="0" * 64, retries=1)
    assert not (tmp_path / "changed").exists()


@pytest.mark.parametrize("table, source_id, expected", [
    ("structures_conseillers", "conseillers-numeriques", 905),
    ("hubs", "hubs-territoriaux", 17),
    ("fabriques", "fabriques-de-territoire", 382),
    ("services_aptic", "aptic", 129),
])
def test_entity_table_counts(reference_db, table, source_id, expected):
    assert query(reference_db, f"select count(*) from [{table}]") == [(expected,)]
    assert query(reference_db, f"select distinct source from [{table}]") == [(source_id,)]


# --- structures_conseillers -----------------------------------------------------------------------

def test_structures_rows_without_name_are_rejected_with_a_reason(reference_db):
    # cnfs.json has 912 records; 7 have "0" as raison_sociale and commune (record 1: id 7, Ain)
    rows = query(reference_db, "select ligne, champ, code from rejets where source = 'conseillers-numeriques' "
                               "and schema = 'structures-conseillers-numeriques' order by ligne, champ")
    assert len({ligne for ligne, _, _ in rows}) == 7
    assert {(champ, code) for _, champ, code in rows} == {("raison_sociale", "constraint-error"), ("commune", "constraint-error")}
    assert query(reference_db, "select count(*) from structures_conseillers where id = 'conseillers-numeriques-7'") == [(0,)]


def test_structure_row_keeps_what_the_standard_cannot_say(reference_db):
    # cnfs.json id 28: CA Montluçon Communauté, 3 postes, code_postal 3100, label "Montlu<e7>on", QPV, France Services
    [row] = query(reference_db, "select siret, type, nombre_postes, date_validation, code_postal, departement_code, "
                                "zrr, qpv, france_services, geocodage_score, geocodage_libelle, geocodage_manuel "
                                "from structures_conseillers where id = 'conseillers-numeriques-28'")
    assert row == ("20007108200016", "publique", 3, "2021-04-21", "03100", "03", 0, 1, 1, 0.96,
                   "1 Rue des Conches 03100 Montluçon", 0)


def test_structures_facts_add_up(reference_db):
    [(postes, publiques, privees, zrr, fs_unknown, qpv_unknown)] = query(reference_db, """
        select sum(nombre_postes), sum(type = 'publique'), sum(type = 'privée'), sum(zrr),
               sum(france_services is null), sum(qpv is null) from structures_conseillers""")
    assert (postes, publiques, privees, zrr) == (1349, 643, 262, 236)
    assert fs_unknown == 125   # "non renseigné"
    assert qpv_unknown == 512  # the key is absent: unknown, not "non"


def test_structures_hold_no_personal_data():
    from lieux import schemas

    names = set(schemas.field_names("structures-conseillers-numeriques"))
    assert not names & {"nom_conseiller", "prenom", "email", "courriel", "telephone", "conseiller"}


def test_declared_departement_is_kept_even_where_the_address_says_otherwise(reference_db):
    # code_département is the département the posts were granted for; the address (and its geocoding)
    # can lie elsewhere: a regional head office (Maxéville, 54, for posts in 25, 51, 55), or a geocoding
    # error (id 1303, COMMUNE DE SAINT BENOIT, declared 974, geocoded to Saint-Benoît 04174, score 0.5).
    rows = query(reference_db, """
        select id from structures_conseillers where code_insee is not null and departement_code !=
          case when code_insee like '97%' then substr(code_insee, 1, 3) else substr(code_insee, 1, 2) end""")
    assert len(rows) == 10
    assert query(reference_db, "select departement_code, code_insee, geocodage_score from structures_conseillers "
                               "where id = 'conseillers-numeriques-1303'") == [("974", "04174", 0.5)]


def test_accents_restored_in_geocoding_labels_are_recorded(reference_db):
    rows = query(reference_db, "select count(*) from corrections where source = 'conseillers-numeriques' and champ = 'geocodage_libelle'")
    assert rows == [(334,)]
    assert query(reference_db, "select count(*) from structures_conseillers where geocodage_libelle like '%<e_>%'") == [(0,)]


# --- hubs -------------------------------------------------------------------------------------------

def test_hub_given_by_region_names(reference_db):
    assert query(reference_db, "select nom, regions, departements from hubs where id = 'hub-du-sud'") == [
        ("Hub du Sud", json.dumps(["Provence-Alpes-Côte d'Azur"], ensure_ascii=False), None)]


def test_hub_given_by_departements(reference_db):
    assert query(reference_db, "select nom, regions, departements from hubs where id = 'hub-ultranumerique'") == [
        ("Hub UltraNumérique", None, '["971", "976"]')]
    # 971 and 976 are each covered by two hubs in the 2024 list
    rows = query(reference_db, "select hubs.id from hubs, json_each(hubs.departements) d where d.value = '976' order by 1")
    assert rows == [("hub-ultranumerique",), ("solidarnum",)]


def test_every_hub_is_given_by_regions_or_by_departements(reference_db):
    rows = query(reference_db, "select id, regions is not null, departements is not null from hubs")
    assert all(by_region != by_departement for _, by_region, by_departement in rows)
    assert sum(by_region for _, by_region, _ in rows) == 13  # the 4 overseas hubs are given by départements


# --- fabriques --------------------------------------------------------------------------------------

def test_fabrique_with_empty_geometry_is_kept_without_coordinates(reference_db):
    # fabt-364 (ANIS, Saint-Martin 97801): an empty GeometryCollection and "NA" as commune name
    assert query(reference_db, "select nom, commune, code_insee, departement_code, latitude, longitude "
                               "from fabriques where id = 'fabt-364'") == [("ANIS", None, "97801", "978", None, None)]


def test_commune_with_several_fabriques_gives_one_row_each(reference_db):
    rows = query(reference_db, "select id, nom from fabriques where code_insee = '13055' order by cast(substr(id, 6) as int)")
    assert [r[0] for r in rows] == ["fabt-51", "fabt-52", "fabt-53", "fabt-117", "fabt-173", "fabt-174", "fabt-216"]
    assert rows[0][1] == "SCIC FRICHE LA BELLE DE MAI" and rows[-1][1] == "Foresta"
    [(points,)] = query(reference_db, "select count(distinct latitude || ',' || longitude) from fabriques where code_insee = '13055'")
    assert points == 1


def test_html_entity_before_semicolon_does_not_split_a_fabrique(reference_db):
    # fabt-194 (Brest): "Bretagne &amp; Les Fabriques du Ponant" inside one name
    [(nom, libelle)] = query(reference_db, "select nom, libelle from fabriques where id = 'fabt-194'")
    assert "Les Petits Débrouillards de Bretagne & Les Fabriques du Ponant" in libelle
    # one line, no "porté par": the name is the label, cut at the name's length cap (a correction says so)
    assert len(libelle) > 200 and nom.endswith("…") and libelle.startswith(nom[:-1]) and len(nom) <= 200
    assert query(reference_db, "select count(*) from corrections where source = 'fabriques-de-territoire' and champ = 'nom' "
                               "and motif like '%550 caractères raccourci à 200%'") == [(1,)]


def test_structure_porteuse_after_porte_par(reference_db):
    rows = query(reference_db, "select id, nom, libelle, structure_porteuse from fabriques where structure_porteuse is not null order by id")
    assert rows == [
        ("fabt-301", "Tiers-Lieu culturel : L'imprimerie", "Tiers-Lieu culturel : L'imprimerie.\nPorté par Domb'Innov / L'Exprimerie",
         "Domb'Innov / L'Exprimerie"),
        ("fabt-308", "Projet de création d'une Ressourcerie / ateliers du territoire",
         "Projet de création d'une Ressourcerie / ateliers du territoire, porté par la Communauté de Communes Coeur de Maurienne Arvan (3CMA)",
         "la Communauté de Communes Coeur de Maurienne Arvan (3CMA)"),
    ]


def test_fabrique_names_are_one_line(reference_db):
    assert query(reference_db, "select count(*) from fabriques where nom like '%' || char(10) || '%'") == [(0,)]
    [(multiline,)] = query(reference_db, "select count(*) from fabriques where libelle like '%' || char(10) || '%'")
    assert multiline == 20


# --- services_aptic ---------------------------------------------------------------------------------

def test_aptic_services_are_mapped_to_the_standard(reference_db):
    assert query(reference_db, "select services from services_aptic where numero = 85") == [('["Aide aux démarches administratives"]',)]
    assert query(reference_db, "select numero from services_aptic where services is null order by numero") == [(18,), (73,)]
    [(categories, sous_categories)] = query(reference_db, "select count(distinct categorie), count(distinct sous_categorie) from services_aptic")
    assert (categories, sous_categories) == (3, 9)


def test_aptic_every_label_is_covered_by_the_map(reference_db):
    assert query(reference_db, "select count(*) from valeurs_non_reconnues where source = 'aptic'") == [(0,)]


def test_aptic_source_says_it_has_no_licence(reference_db):
    [(licence,)] = query(reference_db, "select licence from sources where id = 'aptic'")
    assert "Aucune licence" in licence


def test_an_older_hubs_list_in_the_same_shape_builds_with_input(tmp_path, reference_url, cache_dir):
    # versions/hubs-2021-10-27.json: the first list, where RhinOcc covered 4 départements, not the région
    from tests.conftest import run_build

    db = tmp_path / "lieux.db"
    run_build(db, "--input", f"hubs-territoriaux={reference_url}/anct-cnum-api-conseiller-numerique/versions/hubs-2021-10-27.json")
    assert query(db, "select lignes_lues, lignes_chargees, lignes_rejetees from sources where id = 'hubs-territoriaux'") == [(10, 10, 0)]
    assert query(db, "select regions, departements from hubs where id = 'rhinocc'") == [(None, '["11", "31", "32", "65"]')]
    # the id comes from the name: renamed "CONUMM" in 2022, this hub had another id in 2021
    assert query(db, "select nom from hubs where id = 'hub-conumm'") == [("Hub Conumm",)]
