"""The reader's pieces one by one: encoding detection, mojibake, JSON limits, field length caps."""

from __future__ import annotations

import io
import json

import pytest

from lieux import encodings
from lieux.limits import FIELD_MAX_CHARS, cap_lengths, max_chars
from lieux.read import BigNumber, ReadInfo, Record, SourceReadError, checked, geojson_record, iter_json_array, problem_in

FRENCH = "Médiathèque François-Mitterrand, espace numérique à l'Hôtel de Ville ; accès libre, Châteauroux, Besançon.\n"


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252"), ("mac_roman", "mac-roman"),
])
def test_the_encoding_of_french_text_is_detected(encoding, expected):
    raw = ("id;nom\n" + "".join(f"{i};{FRENCH}" for i in range(20))).encode(encoding)
    found = encodings.detect(io.BytesIO(raw), None, "f")
    assert (found.name, found.declared, found.mixed_bytes) == (expected, False, 0)
    assert raw.decode(found.codec).lstrip("\ufeff").startswith("id;nom")


def test_a_declared_encoding_is_checked_over_the_whole_file():
    raw = ("a;b\n" + "x;y\n" * 300_000 + "é;è\n").encode("mac_roman")  # the bad byte far beyond the first block
    with pytest.raises(encodings.EncodingError, match="pas encodé en cp1252 .octet 0x8F à la ligne 300002"):
        encodings.detect(io.BytesIO(raw), "cp1252", "f")
    assert encodings.detect(io.BytesIO(raw), "mac_roman", "f").label == "Mac Roman, déclaré"
    with pytest.raises(encodings.EncodingError, match="encodage « klingon » inconnu"):
        encodings.detect(io.BytesIO(raw), "klingon", "f")


def test_a_mostly_utf8_file_is_mixed_and_a_mostly_cp1252_file_is_not():
    mixed = FRENCH.encode("utf-8") * 5 + "Lyôn\n".encode("cp1252")
    found = encodings.detect(io.BytesIO(mixed), None, "f")
    assert found.mixed_bytes == 1 and found.errors == "surrogateescape" and found.mixed_example.startswith("ligne 6 : octet 0xF4")
    assert "encodage mixte : 1 octet(s)" in found.label
    cp1252 = FRENCH.encode("cp1252") * 5 + "MÃ©diath\n".encode("utf-8")  # one UTF-8 word in a Windows-1252 file
    assert encodings.detect(io.BytesIO(cp1252), None, "f").name == "cp1252"


@pytest.mark.parametrize("text, suspect", [
    ("MÃ©diathÃ¨que", True), ("l\u00e2\u20ac\u2122espace", True), ("M√©diath√®que", True), ("MŽdiathque", True),
    ("MÈdiathËque", True), ("Lieu\u0092s", True), ("Médiathèque de l'Île-d'Yeu", False), ("aujourd’hui", False),
    ("São Paulo", False), ("McDonald", False), ("ÉCOLE ÉLÉMENTAIRE", False), ("Noël à Saint-Étienne", False),
])
def test_mojibake_is_spotted_and_french_is_not(text, suspect):
    assert (encodings.mojibake(text) is not None) == suspect


def test_json_limits_make_a_row_unreadable_without_recursion():
    deep = 0
    for _ in range(5000):
        deep = [deep]
    assert problem_in({"a": deep}) == ("objet imbriqué sur plus de 64 niveaux", True)
    assert problem_in({"n": BigNumber("1" * 500)})[0].startswith("nombre de 500 caractères dans « n »")
    assert "moitié de paire UTF-16 \\ud800" in problem_in({"nom": "a\ud800"})[0]
    assert problem_in({"nom": "Lieu", "x": [[1, 2], {"y": 3.5}]}) == (None, False)
    record = checked(Record(1, {"nom": "a\ud800b"}), ReadInfo())
    assert record.error and record.data == {"nom": "a\\ud800b"}  # a text a database can hold
    json.dumps(record.data).encode("utf-8")


def test_the_streaming_reader_keeps_huge_numbers_as_text_and_refuses_deep_nesting():
    items = list(iter_json_array(io.StringIO('[{"a": ' + "9" * 200 + "}, 1" + "0" * 150 + "]"), "f", chunk_size=7))
    assert isinstance(items[0]["a"], BigNumber) and isinstance(items[1], BigNumber) and len(items[1]) == 151
    with pytest.raises(SourceReadError, match="imbriqué sur plus de 64 niveaux"):
        list(iter_json_array(io.StringIO("[" + "[" * 5000 + "]" * 5000 + "]"), "f"))


@pytest.mark.parametrize("feature, error", [
    (3, "n'est pas un objet Feature mais un nombre"),
    ({"properties": "x"}, "« properties » n'est pas un objet mais un texte"),
    ({"properties": {}, "geometry": "x"}, "n'est pas une géométrie GeoJSON"),
    ({"properties": {}, "geometry": {"type": "Point", "coordinates": [True, 1]}}, "coordonnées du point illisibles"),
    ({"properties": {"a": 1}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 1], [0, 0]]]}}, None),
    ({"properties": None, "geometry": {"type": "Point", "coordinates": [2.3, 48.8, 35]}}, None),
])
def test_odd_geojson_features(feature, error):
    record = geojson_record(1, feature)
    assert record.error == error or (error and error in (record.error or ""))
    if error is None and feature["geometry"]["type"] == "Point":
        assert (record.data["_longitude"], record.data["_latitude"]) == (2.3, 48.8)


def test_long_texts_are_shortened_with_a_correction():
    values = {"nom": "Médiathèque " * 10_000, "adresse": "1 rue X", "services": ["a" * 5000, "b"], "_ligne": "x" * 5000}
    corrections = cap_lengths(values)
    assert len(values["nom"]) <= FIELD_MAX_CHARS["nom"] and values["nom"].endswith("…")
    assert values["adresse"] == "1 rue X" and values["_ligne"] == "x" * 5000
    assert len(values["services"][0]) <= max_chars("services") and values["services"][1] == "b"
    by_field = {c.field: c for c in corrections}
    assert set(by_field) == {"nom", "services"}
    assert by_field["nom"].reason.startswith("texte de 120000 caractères raccourci à 200 au plus")
    assert by_field["nom"].before.endswith("… (120000 caractères en tout)") and len(by_field["nom"].before) < 1100


def test_the_build_caps_a_long_name_and_records_it(tmp_path):
    import sqlite3

    from tests.conftest import run_build
    from tests.hostile_data import standard_rows

    header, rows = standard_rows()
    long_name = "Médiathèque " + "très " * 10_000 + "longue"
    path = tmp_path / "lieux.csv"
    path.write_text("\n".join([header, rows[0].replace("Médiathèque démo n°1 (Paris)", long_name, 1), rows[1]]) + "\n",
                    encoding="utf-8")
    db = tmp_path / "lieux.db"
    run_build(db, "--demo", "--input", f"demo={path}")
    with sqlite3.connect(db) as conn:
        [(nom,)] = conn.execute("select nom from lieux where id = 'demo-001'").fetchall()
        [(before, after, motif)] = conn.execute(
            "select valeur_source, valeur_retenue, motif from corrections where champ = 'nom'").fetchall()
    assert nom == after and len(nom) <= 200 and nom.startswith("Médiathèque très")
    assert motif == f"texte de {len(long_name)} caractères raccourci à 200 au plus (longueur maximale de ce champ dans l'annuaire)"
    assert before.startswith("Médiathèque très") and before.endswith(f"({len(long_name)} caractères en tout)")


def test_a_file_of_more_records_than_the_limit_is_unreadable(tmp_path, monkeypatch):
    from lieux import read

    monkeypatch.setattr(read, "MAX_RECORDS", 3)
    csv_path = tmp_path / "f.csv"
    csv_path.write_text("a,b\n" + "1,2\n\n" * 4, encoding="utf-8")  # blank lines are not records
    with pytest.raises(SourceReadError, match="plus de 3 lignes, au-delà de la limite"):
        list(read.read_records(csv_path, "csv", name="f"))
    json_path = tmp_path / "f.json"
    json_path.write_text("[1, 2, 3, 4]", encoding="utf-8")
    with pytest.raises(SourceReadError, match="plus de 3 lignes"):
        list(read.read_records(json_path, "json", name="f"))
    json_path.write_text("[1, 2, 3]", encoding="utf-8")
    assert len(list(read.read_records(json_path, "json", name="f"))) == 3
