"""The overseas départements and collectivités: territory of a code, telephone region, and a real build with them."""

import csv
import json
import sqlite3

import pytest
import shapely
from shapely.geometry import box

from lieux import territoires
from lieux.load import departement_from_codes
from lieux.transforms import TransformError, code_departement, telephone
from tests.conftest import REFERENCE, requires_reference, run_build
from tests.reference_inputs import GEO_REFERENCE_INPUTS

EXAMPLE = REFERENCE / "standard-mediation-num" / "exemple-valide.csv"


@pytest.mark.parametrize("code_insee, code_postal, expected", [
    ("98818", "98800", "988"), (None, "98826", "988"), (None, "97133", "977"), (None, "97150", "978"),
    ("97701", None, "977"), (None, "97500", "975"), (None, "98600", "986"), (None, "98714", "987"),
    (None, "97100", "971"), ("97105", "97100", "971"), (None, "98000", None),     # Monaco
    ("33063", "33000", "33"), (None, "20200", "2B"), ("2A004", None, "2A"),
])
def test_departement_from_codes(code_insee, code_postal, expected):
    assert departement_from_codes(code_insee, code_postal) == expected


@pytest.mark.parametrize("value, code_postal, expected", [
    ("27 12 34", "98800", "+687271234"),          # Nouméa: six digits, +687
    ("(+687) 27.12.34", "98826", "+687271234"),
    ("40 41 23 45", "98714", "+68940412345"),     # Papeete: eight digits, +689
    ("72 12 34", "98600", "+681721234"),          # Wallis: +681
    ("41 12 34", "97500", "+508411234"),          # Saint-Pierre: +508
    ("0590 27 12 34", "97133", "+590590271234"),  # Saint-Barthélemy (a Guadeloupe postcode): +590
    ("0590 87 12 34", "97150", "+590590871234"),  # Saint-Martin
    ("01 23 45 67 89", "98800", "+33123456789"),  # a number of mainland France, from Nouméa
    ("0262 12 34 56", "97400", "+262262123456"),
    ("05 56 12 34 56", "33000", "+33556123456"),
])
def test_telephone_of_every_territory(value, code_postal, expected):
    assert telephone(value, {"code_postal": code_postal}) == expected


def test_phone_regions_are_the_ones_phonenumbers_knows():
    import phonenumbers

    for t in territoires.TERRITOIRES.values():
        assert t.telephone in phonenumbers.SUPPORTED_REGIONS, t


@pytest.mark.parametrize("value, expected", [("988", "988"), ("98818", "988"), ("97701", "977"), ("975", "975")])
def test_code_departement_knows_the_collectivites(value, expected):
    assert code_departement(value) == expected


def test_code_departement_refuses_what_is_not_a_territory():
    with pytest.raises(TransformError):
        code_departement("970")


def test_every_projection_is_known_to_pyproj():
    from lieux.geo.coordinates import transformer

    for t in territoires.TERRITOIRES.values():
        for crs in t.projections:
            transformer(crs)


def standard_rows(rows: list[dict], path):
    """The national standard's example with some fields replaced, one row per dict."""
    with open(EXAMPLE, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, example = reader.fieldnames, next(reader)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow({**example, "id": f"lieu-{i}", "pivot": f"4349331230{i:04d}", "code_insee": "", **row})
    return path


def contours(path, features: dict):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "nom": nom}, "geometry": shapely.geometry.mapping(g)}
        for code, (nom, g) in features.items()]}), encoding="utf-8")
    return path


@requires_reference
def test_a_build_with_nouvelle_caledonie(tmp_path, cache_dir):
    """A real build: Nouméa's phone gets +687, Poum's lieu geocoded in Nouméa goes back to Poum, names are cleaned."""
    source = standard_rows([
        {"nom": "Médiathèque de Nouméa", "commune": "Nouméa", "code_postal": "98800", "latitude": "-22.276",
         "longitude": "166.445", "telephone": "27 12 34"},
        {"nom": "Maison commune de Poum", "commune": "POUM", "code_postal": "98826", "latitude": "-22.276",
         "longitude": "166.445", "telephone": "47 12 34"},
        {"nom": "Espace numérique d'Épernay", "commune": "Épernay, Marne, Grand Est, FRA", "code_postal": "51200",
         "latitude": "49.0436", "longitude": "3.9567", "telephone": "03 26 12 34 56"},
    ], tmp_path / "lieux.csv")
    outlines = contours(tmp_path / "contours.geojson", {
        "98818": ("Nouméa", box(166.40, -22.32, 166.49, -22.22)), "98826": ("Poum", box(163.85, -20.45, 164.25, -20.05)),
        "51230": ("Épernay", box(3.90, 49.00, 4.00, 49.08))})
    inputs = {**{k: REFERENCE / v for k, v in GEO_REFERENCE_INPUTS.items()}, "geo-communes-contours": outlines,
              "mediation-numerique": source}
    db = tmp_path / "lieux.db"
    output = run_build(db, *[a for k, v in inputs.items() for a in ("--input", f"{k}={v}")])
    with sqlite3.connect(db) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            "select nom, commune, code_insee, departement_code, departement_nom, telephone, qualite_geo, latitude from lieux")}
        corrections = conn.execute("select champ, valeur_source, valeur_retenue from corrections where source = 'mediation-numerique'").fetchall()
    assert rows["Médiathèque de Nouméa"][:6] == ("Nouméa", "98818", "988", "Nouvelle-Calédonie", "+687271234", "source")
    commune, code, departement, _, phone, qualite, lat = rows["Maison commune de Poum"]
    assert (commune, code, departement, phone, qualite) == ("Poum", "98826", "988", "+687471234", "centre_commune")
    assert -20.45 < lat < -20.05
    assert rows["Espace numérique d'Épernay"][:3] == ("Épernay", "51230", "51")
    assert ("latitude", "-22.276", str(lat)) in corrections                      # Poum's source point is kept
    assert ("commune", "Épernay, Marne, Grand Est, FRA", "Épernay") in corrections
    assert "Géographie des lieux chargés" in output
