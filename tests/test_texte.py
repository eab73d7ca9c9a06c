"""What the public reads (lieux/texte.py): normal case, acronyms, raw phrases, places without public reception."""

from __future__ import annotations

import pytest

from lieux import texte

NAMES = [
    ("COMMUNE DE BREST", "Commune de Brest"),
    ("CCAS DE SAINT-ÉTIENNE", "CCAS de Saint-Étienne"),
    ("MAISON DE L'EMPLOI", "Maison de l'Emploi"),
    ("L'ESPACE DU BOURG", "L'Espace du Bourg"),
    ("EPN DE LA MAIRIE", "EPN de la Mairie"),
    ("MSAP DU PAYS DE LOUIS XIV", "MSAP du Pays de Louis XIV"),
    ("ESPACE FRANCE SERVICES (MSAP) - CDC DU VAL", "Espace France Services (MSAP) - CDC du Val"),
    ("SAINT-JEAN-DE-LUZ", "Saint-Jean-de-Luz"),
    # Left as written: not in capitals.
    ("Médiathèque de Brest", "Médiathèque de Brest"),
    ("EPN", "EPN"),
    ("La Poste de BREST", "La Poste de BREST"),
]
ADDRESSES = [
    ("2 RUE FREZIER", "2 rue Frezier"),
    ("PLACE DU FOIRAIL", "Place du Foirail"),
    ("RD 1091", "RD 1091"),
    ("12BIS AVENUE DU GÉNÉRAL DE GAULLE", "12bis avenue du Général de Gaulle"),
    ("3 BIS BOULEVARD VICTOR HUGO", "3 bis boulevard Victor Hugo"),
    ("1 rue de la République", "1 rue de la République"),
]


@pytest.mark.parametrize("raw, shown", NAMES)
def test_names_in_capitals_are_shown_in_normal_case(raw, shown):
    assert texte.normal_case(raw) == shown


@pytest.mark.parametrize("raw, shown", ADDRESSES)
def test_addresses_in_capitals_are_shown_in_normal_case(raw, shown):
    assert texte.normal_case(raw, address=True) == shown


def test_every_acronym_of_the_vocabulary_stays_in_capitals():
    vocab = texte.vocabulary()
    for sigle in list(vocab["sigles"]) + list(vocab["majuscules"]):
        assert texte.normal_case(f"ESPACE {sigle} DE BREST") == f"Espace {sigle} de Brest"


def test_acronyms_are_spelled_out_from_the_one_vocabulary():
    assert texte.acronyms("EPN de Brest", ["CCAS", None], "le TIC") == [
        ("EPN", "espace public numérique"), ("CCAS", "centre communal d'action sociale"),
        ("TIC", "technologies de l'information et de la communication")]
    assert texte.acronyms("Épine, EPNX, epn") == []


@pytest.mark.parametrize("raw", ["Structure NON itinérante", "Structure non itinérante.", "STRUCTURE ITINÉRANTE",
                                 "  structure   itinerante "])
def test_raw_source_phrases_are_never_shown_as_they_are(raw):
    assert texte.public_text(raw) == ""


def test_other_free_texts_are_kept_or_put_in_normal_case():
    assert texte.public_text("Sur rendez-vous le samedi") == "Sur rendez-vous le samedi"
    assert texte.public_text("ACCUEIL SUR RENDEZ-VOUS") == "Accueil sur Rendez-Vous"
    assert texte.public_text(None) is None


def test_itinerance_values_in_words():
    assert texte.itinerance_label("Fixe") == "accueil dans ses locaux"
    assert texte.itinerance_label("Itinérant").startswith("accueil itinérant")
    assert texte.itinerance_label("Autre chose") == "Autre chose"


def test_a_place_without_public_reception():
    assert texte.receives_public(["Téléphoner", "Ce lieu n’accueille pas de public"]) is False
    assert texte.receives_public(["Se présenter"]) is True and texte.receives_public([]) is True


def test_the_data_keeps_the_source_text():
    lieu = {"id": "x", "nom": "COMMUNE DE BREST", "adresse": "2 RUE FREZIER", "commune": "BREST",
            "presentation_detail": "Structure NON itinérante", "modalites_acces": '["Ce lieu n\'accueille pas de public"]'}
    shown = texte.public_lieu(lieu)
    assert (shown["nom"], shown["adresse"], shown["commune"]) == ("Commune de Brest", "2 rue Frezier", "Brest")
    assert shown["presentation_detail"] is None and shown["accueil_public"] is False
    assert lieu["nom"] == "COMMUNE DE BREST" and lieu["presentation_detail"] == "Structure NON itinérante"
