"""Commune names and postcodes as sources write them."""

import pytest

from lieux.geo.names import clean_postcode, name_key, plm_arrondissement


@pytest.mark.parametrize("value, expected", [
    ("Saint-Étienne", "SAINT ETIENNE"),
    ("ST ETIENNE", "SAINT ETIENNE"),              # La Poste / hub spelling
    ("St-Étienne CEDEX 2", "SAINT ETIENNE"),
    ("Ste-Foy-lès-Lyon", "SAINTE FOY LES LYON"),
    ("L'Abergement-Clémenciat", "L ABERGEMENT CLEMENCIAT"),   # hexasmal: L ABERGEMENT CLEMENCIAT
    ("  bordeaux   cedex ", "BORDEAUX"),
    ("Œuilly", "OEUILLY"),
    ("Stella-Plage", "STELLA PLAGE"),             # "St" only as a whole word
    (None, ""),
])
def test_name_key(value, expected):
    assert name_key(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("Paris 15e Arrondissement", ("PARIS", 15)),
    ("PARIS 15", ("PARIS", 15)),
    ("Marseille 1er Arrondissement", ("MARSEILLE", 1)),
    ("Lyon 3ème", ("LYON", 3)),
    ("Paris", None),
    ("Lyons-la-Forêt", None),
    ("Marseillan", None),
])
def test_plm_arrondissement(value, expected):
    assert plm_arrondissement(value) == expected


@pytest.mark.parametrize("value, expected", [("33 000", "33000"), ("03100", "03100"), ("3100", None), ("ABCDE", None), (None, None)])
def test_clean_postcode(value, expected):
    assert clean_postcode(value) == expected
