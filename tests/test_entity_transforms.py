"""Transforms and reading options used by the hubs, fabriques, APTIC and conseillers structures descriptors."""

import pytest

from lieux.read import Record, explode
from lieux.transforms import (Corrected, TransformError, code_departement, hex_escapes, html_unescape, oui_non,
                              porteur_in_text, slug, without_porteur)


@pytest.mark.parametrize("value, expected", [
    ("oui", True), ("Oui", True), ("non", False), ("NON", False), ("true", True), ("0", False), (1, True),
])
def test_oui_non(value, expected):
    assert oui_non(value) is expected


@pytest.mark.parametrize("value", ["peut-être", "non renseigné", "2"])
def test_oui_non_refuses_other_words(value):
    with pytest.raises(TransformError, match="ni oui ni non"):
        oui_non(value)


@pytest.mark.parametrize("value, expected", [
    ("Hub du Sud", "hub-du-sud"), ("Francil-in", "francil-in"), ("Hub UltraNumérique", "hub-ultranumerique"),
    ("Hub-Lo", "hub-lo"), ("  Île-de-France  !", "ile-de-france"), ("Mednum Antilles", "mednum-antilles"),
])
def test_slug(value, expected):
    assert slug(value) == expected


def test_slug_needs_a_letter_or_digit():
    with pytest.raises(TransformError):
        slug(" — ")


@pytest.mark.parametrize("value, expected", [
    ("15", "15"), ("2A", "2A"), ("974", "974"), ("01004", "01"), ("2A348", "2A"), ("97801", "978"), ("97209", "972"),
])
def test_code_departement(value, expected):
    assert code_departement(value) == expected


def test_code_departement_restores_the_leading_zero_as_a_correction():
    assert code_departement("1") == Corrected("01", "code département « 1 » : 0 initial restauré")
    assert code_departement(3).value == "03"


@pytest.mark.parametrize("value", ["123", "X1", "1234"])
def test_code_departement_refuses_other_codes(value):
    with pytest.raises(TransformError):
        code_departement(value)


def test_html_unescape_is_a_correction_only_when_something_changed():
    assert html_unescape("Vert&amp;Co") == Corrected("Vert&Co", "entités HTML décodées (&amp; devient &)")
    assert html_unescape("Vert & Co") == "Vert & Co"


def test_hex_escapes_restore_latin1_letters():
    result = hex_escapes("Saint-Pour<e7>ain-sur-Sioule, C<e9>rilly, <c9>vaux")
    assert result.value == "Saint-Pourçain-sur-Sioule, Cérilly, Évaux"
    assert hex_escapes("Aurillac") == "Aurillac"


@pytest.mark.parametrize("value, porteur, rest", [
    ("Tiers-Lieu culturel : L'imprimerie.\nPorté par Domb'Innov / L'Exprimerie",
     "Domb'Innov / L'Exprimerie", "Tiers-Lieu culturel : L'imprimerie"),
    ("Ressourcerie, porté par la Communauté de Communes X (3CMA)", "la Communauté de Communes X (3CMA)", "Ressourcerie"),
    ("Le Lieu-Dit porte ce projet.", None, "Le Lieu-Dit porte ce projet."),       # not "porté par"
    ("LA COLPORTEUSE", None, "LA COLPORTEUSE"),
    ("Le Grain de Sable - porteur du projet", None, "Le Grain de Sable - porteur du projet"),
])
def test_porte_par(value, porteur, rest):
    assert porteur_in_text(value) == porteur
    assert without_porteur(value) == rest


def test_explode_splits_parallel_columns():
    record = Record(7, {"id": "fabt-1; fabt-2", "lib": "A; B", "commune": "Paris"})
    parts = explode(record, ["id", "lib"], "; ")
    assert [(p.data["id"], p.data["lib"], p.data["commune"], p.number) for p in parts] == [
        ("fabt-1", "A", "Paris", 7), ("fabt-2", "B", "Paris", 7)]


def test_explode_pattern_keeps_an_html_entity_whole():
    record = Record(3, {"id": "fabt-1; fabt-2", "lib": "Ressources &amp; Compétences; B"})
    with_separator = explode(record, ["id", "lib"], "; ")
    assert with_separator[0].error is not None  # 2 ids, 3 names: reported, not guessed
    with_pattern = explode(record, ["id", "lib"], "; ", pattern=r"(?<!&amp); ")
    assert [(p.data["id"], p.data["lib"], p.error) for p in with_pattern] == [
        ("fabt-1", "Ressources &amp; Compétences", None), ("fabt-2", "B", None)]
