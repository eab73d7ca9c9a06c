"""Resolving code_postal ↔ code_insee ↔ commune on the real reference geography."""

import pytest

from lieux.geo.addresses import arm_code, plm_parent, resolve


@pytest.mark.parametrize("code_insee, code_postal, commune, expected_commune, expected_insee", [
    # code INSEE missing: filled when the postcode and the name give one commune
    (None, "42000", "ST ETIENNE", "42218", "42218"),
    (None, "42100", "St-Étienne CEDEX 1", "42218", "42218"),
    (None, "01400", "L ABERGEMENT CLEMENCIAT", "01001", "01001"),
    (None, "01400", "l'abergement-clémenciat", "01001", "01001"),
    (None, "03100", "Montluçon", "03185", "03185"),                     # postcode that lost its 0, restored upstream
    (None, "33000", "BORDEAUX CEDEX", "33063", "33063"),
    # Paris, Lyon, Marseille: the arrondissement, from the name or the postcode
    (None, "75015", "Paris", "75115", "75115"),
    (None, "75015", "PARIS 15E ARRONDISSEMENT", "75115", "75115"),
    (None, "13001", "Marseille 1er Arrondissement", "13201", "13201"),
    (None, "69003", "Lyon", "69383", "69383"),
    # a shortened name, unique among the postcode's communes (092020_test_bdd_Hinaura.csv)
    (None, "74200", "THONON", "74281", "74281"),
    # a misspelt name, close to one commune of the postcode (Cartographies departements - Lot-et-Garonne.csv)
    (None, "47350", "Saint-Barthélemyd'Agenais", "47232", "47232"),
    # the postcode of another commune: the name, unique in the département, wins (francilin, Lot-et-Garonne)
    (None, "93400", "Sevran", "93071", "93071"),
    (None, "47160", "Aiguillon", "47004", "47004"),
    # a postcode that exists nowhere, a name that exists once in France (corse.json: "Mairie de Partinello 21017 PARTINELLO")
    (None, "21017", "PARTINELLO", "2A203", "2A203"),
    # a commune nouvelle, through the name of its former commune (hexasmal Ligne_5)
    (None, "74960", "MEYTHET", "74010", "74010"),
    (None, "01300", "Arbignieu", "01015", "01015"),
    # code INSEE of a former commune: replaced by the commune nouvelle (cnfs.json and liste-fs: 49069 → 49126)
    ("49069", "49270", "Champtoceaux", "49126", "49126"),
    # code INSEE of a homonym elsewhere (a geocoder's error, cnfs.json record 1303): postcode + name win
    ("04174", "97470", "Saint-Benoît", "97410", "97410"),
    # an overseas collectivité, absent from geo.api.gouv.fr (Fabriques de territoire: ANIS, Saint-Martin)
    (None, "97150", "Saint-Martin", "97801", "97801"),
    # consistent codes: nothing changes
    ("33063", "33000", "Bordeaux", "33063", "33063"),
    ("75056", "75015", "Paris", "75115", "75056"),                      # the commune code is kept, the centre is the arrondissement's
])
def test_resolve(geography, code_insee, code_postal, commune, expected_commune, expected_insee):
    found = resolve(geography, code_insee, code_postal, commune)
    assert found.commune is not None and found.commune.code == expected_commune
    assert found.code_insee == expected_insee
    assert (found.code_insee_motif is None) == (code_insee == expected_insee)


@pytest.mark.parametrize("code_insee, code_postal, commune, field, words", [
    ("42218", "42300", "Saint-Étienne", "code_postal", "n'est pas celui de la commune Saint-Étienne"),   # cnfs.json
    (None, "15015", "Aurillac", "code_postal", "absent de la base officielle"),                        # liste-fs: a CEDEX code
    ("99999", "33000", "Nulle-Part", "code_insee", "inconnu"),
    (None, "93400", "Sevran", "code_postal", "n'est pas celui de la commune Sevran"),
])
def test_inconsistencies_are_reported_not_changed(geography, code_insee, code_postal, commune, field, words):
    found = resolve(geography, code_insee, code_postal, commune)
    assert any(f == field and words in message for f, message in found.problems), found.problems


def test_ambiguous_name_is_not_filled(geography):
    # 01400 serves ten communes; an unknown name must not pick one of them.
    found = resolve(geography, None, "01400", "Lieu-dit inconnu")
    assert found.commune is None and found.code_insee is None


@pytest.mark.parametrize("city, number, code", [("PARIS", 15, "75115"), ("LYON", 3, "69383"), ("MARSEILLE", 16, "13216"), ("PARIS", 21, None)])
def test_arm_code(city, number, code):
    assert arm_code(city, number) == code


@pytest.mark.parametrize("code, parent", [("75115", "75056"), ("69381", "69123"), ("13216", "13055"), ("75056", None), ("13217", None)])
def test_plm_parent(code, parent):
    assert plm_parent(code) == parent
