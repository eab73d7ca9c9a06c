"""The hub and local lists: real rows of ../shared/reference, checked after the real build."""

import json
import sqlite3

import pytest

from tests.conftest import requires_reference

pytestmark = requires_reference


def one(db_path, sql, params=()):
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(sql, params).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_every_unmapped_label_was_reviewed(reference_db):
    # Every label of every hub and local list is mapped, or mapped to null on purpose.
    with sqlite3.connect(reference_db) as conn:
        assert conn.execute("select source, champ, valeur from valeurs_non_reconnues").fetchall() == []


def test_mednum_bfc_html_hours_become_osm(reference_db):
    # 2020-07-09_BFC-TERNUM_export.csv, bfc_id mednumBFC_TL_3_: "<ul><li>-  / lundi après-midi: 18h30-20h<br>..."
    (horaires,) = one(reference_db, "select horaires from membres where cle = 'mednum-bfc-mednumBFC_TL_3_'")
    assert horaires == "Mo 18:30-20:00; Tu 10:00-11:30,15:30-18:30; We 15:30-17:30; Th 09:30-11:30; Fr 15:30-18:30; Sa 14:30-15:30"


def test_mednum_bfc_labels_give_france_services(reference_db):
    # same row: code_label "-MSAP-MFS"
    typologie, dispositifs = one(reference_db, "select typologie, dispositif_programmes_nationaux from membres where cle = 'mednum-bfc-mednumBFC_TL_3_'")
    assert json.loads(typologie) == ["MSAP", "RFS"]
    assert json.loads(dispositifs) == ["France Services"]


def test_hubik_gironde_coord_x_is_the_latitude_and_postcode_comes_from_the_address(reference_db):
    # line 3: "7 Bis rue Max Linder - 33500 LIBOURNE", Coord. X "44,93815", Coord. Y "-0,235791"
    row = one(reference_db, "select adresse, code_postal, commune, latitude, longitude from membres where cle = 'hubik-gironde-2'")
    assert row == ("7 Bis rue Max Linder", "33500", "Libourne", 44.93815, -0.235791)


def test_hubik_gironde_rows_without_postcode_are_rejected_with_the_address(reference_db):
    (message,) = one(reference_db, "select message from rejets where source = 'hubik-gironde' and valeur = 'Rue Robert Schuman'")
    assert "aucun code postal" in message


def test_lot_et_garonne_free_text_tariffs_are_classified(reference_db):
    # Num 5: "Adhésion annuelle de 15€ pour un adulte, 10€ pour un mineur, ..."; Num 1: "Gratuit"
    assert one(reference_db, "select frais_a_charge from membres where cle = 'hubik-lot-et-garonne-5'") == ('["Payant"]',)
    assert one(reference_db, "select frais_a_charge from membres where cle = 'hubik-lot-et-garonne-1'") == ('["Gratuit"]',)


def test_francilin_service_codes_and_support_modes(reference_db):
    # francilin_id 2: services "319,321,335,111,113,203,209", thematique 3, aide "1,2,3", source CD93
    services, modes, source = one(reference_db, "select services, modalites_accompagnement, source from membres where cle = 'francilin-2'")
    assert json.loads(services) == ["Maîtrise des outils numériques du quotidien", "Insertion professionnelle via le numérique",
                                    "Aide aux démarches administratives"]
    assert json.loads(modes) == ["En autonomie", "Accompagnement individuel"]
    assert source == "Conseil départemental de la Seine-Saint-Denis"


def test_les_assembleurs_year_only_timestamp_is_the_first_of_january_and_recorded(reference_db):
    # siilab-hdf_export.csv, ID 1: Horodateur "2018"
    assert one(reference_db, "select date_maj from membres where cle = 'les-assembleurs-1'") == ("2018-01-01",)
    (motif,) = one(reference_db, "select motif from corrections where source = 'les-assembleurs' and champ = 'date_maj' and ligne = 2")
    assert "année seule" in motif


def test_early_national_map_v0_labels_become_v1_values(reference_db):
    # source.json id 0: v0.1 services, publics_accueillis, conditions_acces and modalites_accompagnement
    row = one(reference_db, """select services, publics_specifiquement_adresses, prise_en_charge_specifique, frais_a_charge,
                                      modalites_accompagnement from membres where cle = 'cartographie-nationale-2022-0'""")
    assert [json.loads(v) for v in row] == [
        ["Accès internet et matériel informatique", "Aide aux démarches administratives"],
        ["Familles et/ou enfants", "Jeunes", "Seniors"],
        ["Surdité", "Handicaps mentaux", "Illettrisme", "Déficience visuelle"],
        ["Gratuit"],
        ["Accompagnement individuel"],
    ]


def test_corse_postcode_and_commune_come_from_the_address(reference_db):
    # the address gives "CORSCIA"; the geography step writes the COG's spelling (the source's is in corrections)
    assert one(reference_db, "select adresse, code_postal, commune from membres where cle = 'corse-1'") == ("Mairie de Corscia", "20224", "Corscia")


def test_nantes_point_gives_latitude_and_longitude(reference_db):
    # line 3: Géolocalisation "47.216169,-1.525014"; Lundi "11h00-12h30 / 13h30-16h30"
    row = one(reference_db, "select latitude, longitude, horaires from membres where cle = 'nantes-2'")
    assert row == (47.216169, -1.525014, "Mo-We 11:00-12:30,13:30-16:30; Th 13:30-16:30; Fr 11:00-12:30,13:30-16:30")


def test_hub_lo_siren_is_the_pivot_and_promeneurs_du_net_a_programme(reference_db):
    pivot, parent, dispositifs = one(reference_db, "select pivot, structure_parente, dispositif_programmes_nationaux from membres where cle = 'hub-lo-5'")
    assert (pivot, parent, json.loads(dispositifs)) == ("775575699", "ASS DEPART SAUVEGARDE ENFANT A L'ADULTE", ["Promeneurs du net"])


def test_etapes_numeriques_postcodes_get_their_zero_and_the_label(reference_db):
    # etapes-numerique.json ID 1: "Code postal": 1000, "Code INSEE": 1053
    row = one(reference_db, "select code_postal, code_insee, formations_labels, pivot from membres where cle = 'etapes-numeriques-1'")
    assert row == ("01000", "01053", '["Étapes numériques (La Poste)"]', "35600000063516")


@pytest.mark.parametrize("field", ["adresse", "code_postal", "commune"])
def test_aidants_connect_online_services_are_all_rejected_for_lack_of_a_place(reference_db, field):
    with sqlite3.connect(reference_db) as conn:
        lines = conn.execute("select ligne from rejets where source = 'aidants-connect' and champ = ?", [field]).fetchall()
    assert len(lines) == 5


def test_hinaura_test_records_are_rejected_not_loaded(reference_db):
    with sqlite3.connect(reference_db) as conn:
        names = conn.execute("select valeur from rejets where source = 'hinaura' and champ = 'nom' order by ligne").fetchall()
        loaded = conn.execute("select count(*) from lieux where sources = '[\"hinaura\"]' and nom like '%test%'").fetchone()
    assert [n for (n,) in names] == ["TestZoomacom", "Test1", "Château d'Annecy (test)", "Tramway du Mont-Blanc (test)"]
    assert loaded == (0,)


@pytest.mark.parametrize("lieu, expected", [
    # siilab-hdf_export.csv ID 225: "Lundi, mercredi et vendredi : 09:00-12:00 et 14:00-17:15 / Mardi : 14:00-17:15 /
    # Jeudi : 14:15-17:15 / Samedi : 09:00-12:00"
    ("les-assembleurs-225", "Mo 09:00-12:00,14:00-17:15; Tu 14:00-17:15; We 09:00-12:00,14:00-17:15; Th 14:15-17:15; "
                            "Fr 09:00-12:00,14:00-17:15; Sa 09:00-12:00"),
    # Lot-et-Garonne Num 24: "MARDI JEUDI VENDREDI de 9h à 12h30 et de 14h à 18h"
    ("hubik-lot-et-garonne-24", "Tu 09:00-12:30,14:00-18:00; Th-Fr 09:00-12:30,14:00-18:00"),
])
def test_free_text_hours_naming_days_become_osm(reference_db, lieu, expected):
    assert one(reference_db, "select horaires from membres where cle = ?", [lieu]) == (expected,)
