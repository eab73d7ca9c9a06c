"""Named transforms: each one on the values real lists hold, and on what it must refuse."""

import pytest

from lieux.transforms import (
    Corrected,
    TransformError,
    date_iso,
    horaires_par_jour,
    labelled_lines,
    latitude_of_point,
    longitude_of_point,
    named_day_hours,
    postgres_array,
    refuse_test_record,
    split_capitalised,
    split_commas,
    street_with_number,
    year_as_date,
)


@pytest.mark.parametrize("value, expected", [
    # Hinaura: commas inside an item are kept when the next word is not capitalised
    ("Sensibilisation Vie privée,  Utiliser le numérique pour la recherche d'emploi (CV, plateformes professionnelles...)",
     ["Sensibilisation Vie privée", "Utiliser le numérique pour la recherche d'emploi (CV, plateformes professionnelles...)"]),
    # Lot-et-Garonne: never inside parentheses
    ("Commune (Mairie, CCAS, Centre Culturel, Centre Social...), Association",
     ["Commune (Mairie, CCAS, Centre Culturel, Centre Social...)", "Association"]),
    ("Gratuit", ["Gratuit"]),
    ("", None),
])
def test_split_capitalised(value, expected):
    assert split_capitalised(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("Connexion WIFI, tablettes graphiques", ["Connexion WIFI", "tablettes graphiques"]),
    ("Santé (Carte Vitale, handicap...), accès aux droits", ["Santé (Carte Vitale, handicap...)", "accès aux droits"]),
    # SIILAB: a decimal comma is not a separator
    ("Accompagnement : gratuit / Accès libre : Adhésion 2,50€", ["Accompagnement : gratuit / Accès libre : Adhésion 2,50€"]),
])
def test_split_commas(value, expected):
    assert split_commas(value) == expected


@pytest.mark.parametrize("value, expected", [
    ({"number": "4", "street": "avenue des Landes"}, "4 avenue des Landes"),
    ({"number": "0", "street": "Le Bourg"}, "Le Bourg"),
    ({"number": None, "street": "place Dubarry"}, "place Dubarry"),
    ({"number": "12", "street": None}, None),
])
def test_street_with_number(value, expected):
    assert street_with_number(value) == expected


def test_labelled_lines_leaves_out_empty_cells():
    value = {"": "Ateliers le mercredi.", "Horaires": "Mercredi de 10H à 12H", "Tarifs": None, "Accès": "  "}
    assert labelled_lines(value) == "Ateliers le mercredi.\nHoraires : Mercredi de 10H à 12H"
    assert labelled_lines({"Horaires": None}) is None


def test_year_as_date_is_recorded_and_never_later_than_the_truth():
    result = year_as_date("2018")
    assert isinstance(result, Corrected) and result.value == "2018-01-01" and "2018" in result.reason
    assert year_as_date("5/3/2019") == "5/3/2019"
    assert date_iso(year_as_date("5/3/2019")) == "2019-03-05"


@pytest.mark.parametrize("value, expected", [
    ("22/06/2020 14:38:45", "2020-06-22"),       # Hinaura datetime_latest
    ("2020/06/30 14:16:50.898", "2020-06-30"),   # Hub-Lo c__edit_datemaj
    ("2022-09-28 11:05:08", "2022-09-28"),       # Angers DATE_MAJ
])
def test_dates_with_times(value, expected):
    assert date_iso(value) == expected


def test_postgres_array():
    assert postgres_array('{EPN,"Promeneur du net",Club-info}') == ["EPN", "Promeneur du net", "Club-info"]
    assert postgres_array("{}") is None
    with pytest.raises(TransformError):
        postgres_array("EPN, Médiathèque")


def test_point_columns():
    assert latitude_of_point("47.263017,-1.57286") == 47.263017
    assert longitude_of_point("47.263017,-1.57286") == -1.57286
    with pytest.raises(TransformError):
        latitude_of_point("47.263017")


@pytest.mark.parametrize("day, expected", [
    ("9h à 12h - 13h30 à 17h", "Mo 09:00-12:00,13:30-17:00"),   # " - " between two ranges
    ("9h-12h 14h-17h", "Mo 09:00-12:00,14:00-17:00"),           # "12h 14h" is not 12:14
    ("de 8 h 30 à 12 h et de 13h30 à 17h", "Mo 08:30-12:00,13:30-17:00"),
    ("Fermé", None),
])
def test_hours_per_day_forms(day, expected):
    assert horaires_par_jour({"Mo": day, "Tu": "fermé"}) == expected


@pytest.mark.parametrize("day", ["9/17", "sur rendez vous", "10h30 à 12h (hors vacances)"])
def test_hours_per_day_refuses_what_it_cannot_read(day):
    with pytest.raises(TransformError):
        horaires_par_jour({"Mo": day})


@pytest.mark.parametrize("value, expected", [
    ("Du lundi au vendredi de 9h à 12h et de 14h à 17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
    ("9h-12h et 14h-17h du lundi au vendredi", "Mo-Fr 09:00-12:00,14:00-17:00"),
    ("Lundi et Jeudi : 14h à 18h Mardi et Vendredi : 9h à 12h30 et 14h à 18h",
     "Mo 14:00-18:00; Tu 09:00-12:30,14:00-18:00; Th 14:00-18:00; Fr 09:00-12:30,14:00-18:00"),
    ("Lundi, mardi, mercredi et vendredi : 9h-12h / 14h-18h\nJeudi: 14h-18h",
     "Mo-We 09:00-12:00,14:00-18:00; Th 14:00-18:00; Fr 09:00-12:00,14:00-18:00"),
    ("<ul><li>- lundi matin: 8h30-12h / lundi après-midi: 13h30-17h<br>\n</li><li>- </li></ul>", "Mo 08:30-12:00,13:30-17:00"),
    ("<ul><li>- </li><li>- </li></ul>", None),
    ("Lundi - Jeudi : 9h-12h / 14h-17h\nVendredi : 9h-12h", "Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00"),
])
def test_named_day_hours(value, expected):
    assert named_day_hours(value) == expected


@pytest.mark.parametrize("value", [
    "Du lundi au vendredi de 8:30 à 12h30 et sur RDV les après midi",
    "Les mardis toutes les trois semaines de 14h00 à 17h00",
    "9h-12h / 13h30-17h",  # no day: which days?
    "lundi - mardi - jeudi : 9h-12h et 14h-17h\nmercredi - vendredi : 14h-17h",  # hyphens: list or range?
    "Une fois par mois à la demande",
])
def test_named_day_hours_refuses_rather_than_guesses(value):
    with pytest.raises(TransformError):
        named_day_hours(value)


@pytest.mark.parametrize("name", ["TestZoomacom", "Test1", "Château d'Annecy (test)", "Tramway du Mont-Blanc ( test )"])
def test_refuse_test_record(name):
    with pytest.raises(TransformError, match="fiche de test"):
        refuse_test_record(name)


@pytest.mark.parametrize("name", ["Bibliothèque La Teste de Buch", "Médiathèque B612", "Contest numérique"])
def test_refuse_test_record_keeps_real_names(name):
    assert refuse_test_record(name) == name
