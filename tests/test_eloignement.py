"""lieux.eloignement: territories, sensible distance and the French labels (pure functions)."""

from __future__ import annotations

import pytest

from lieux import eloignement


@pytest.mark.parametrize("departement,expected", [
    ("75", "metropole"), ("2A", "corse"), ("2B", "corse"), ("974", "974"), ("976", "976"), ("988", "988"),
    (None, None), ("", None), ("99", "metropole"),
])
def test_territory(departement, expected):
    assert eloignement.territory(departement) == expected


@pytest.mark.parametrize("km,dep,centre,expected", [
    (1408.2, "976", "974", "à 1\u00a0408 km, à Mayotte"),
    (211.4, "35", "29", "à 211 km"),
    (220, "06", "2A", "à 220 km, en France métropolitaine"),
    (3431, "971", None, "à 3\u00a0431 km, en Guadeloupe"),
    (12345, "988", "75", "à 12\u00a0345 km, en Nouvelle-Calédonie"),
])
def test_far_label(km, dep, centre, expected):
    assert eloignement.far_label(km, dep, centre) == expected


@pytest.mark.parametrize("km,dep,centre,far", [
    (10, "974", "974", False), (10, "976", "974", True), (60, "29", "29", True), (49, "06", "2A", True),
    (49, "35", "29", False), (49, "35", None, False), (None, "35", "29", False),
])
def test_is_far(km, dep, centre, far):
    assert eloignement.is_far(km, dep, centre) is far


def test_nothing_near_names_the_nearest_and_its_territory():
    text = eloignement.nothing_near("position donnée", {"distance_km": 1408, "departement_code": "976"}, None)
    assert text == ("Aucun lieu recensé à moins de 50 km de la position donnée. "
                    "Le plus proche est à 1\u00a0408 km, à Mayotte ; nous l'indiquons quand même.")
