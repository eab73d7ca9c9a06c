"""The descriptor language (sources/README.md): a list no one here has seen, onboarded with a descriptor alone.

Rows set aside, optional fields dropped rather than rejected, fallbacks, dates in words, nested JSON paths,
split by several separators or a pattern, replace/part/urls, postcode lines, phones beside e-mails."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from lieux import fetch, geo, pipeline, schemas
from lieux.dates import DateError, parse_date
from lieux.filters import compile_rules
from lieux.mapping import Mapper, path_value
from lieux.read import read_json, read_records
from lieux.sources import SOURCES_DIR, load_descriptor
from lieux.process import process_source
from lieux.sources import DescriptorError, parse_descriptor
from lieux.transforms import (Corrected, TransformError, adresse_in_text, code_postal_in_text, commune_in_text,
                              date_iso, make_part, make_replace, splitter, telephone, urls)
from tests.conftest import REFERENCE, requires_reference
from tests.reference_inputs import REFERENCE_INPUTS

# ---------------------------------------------------------------- pure parts


@pytest.mark.parametrize("value, expected", [
    # the forms of the reference lists' date columns (../shared/reference)
    ("2024-04-02", "2024-04-02"), ("07/12/2021", "2021-12-07"), ("22/06/2020 14:38:45", "2020-06-22"),
    ("2020/06/30 14:16:50.898", "2020-06-30"), ("2022-09-26 19:00:45", "2022-09-26"), ("1/8/2019", "2019-08-01"),
    ("25/3/2020", "2020-03-25"), ("25/02/2019 00:00:00", "2019-02-25"),
    # and the other forms lists use
    ("10 04 2019", "2019-04-10"), ("10.04.2019", "2019-04-10"), ("10-04-2019", "2019-04-10"), ("07/12/21", "2021-12-07"),
    ("1er décembre 2019", "2019-12-01"), ("10 décembre 2019", "2019-12-10"), ("mardi 10 déc. 2019", "2019-12-10"),
    ("10-déc-2019", "2019-12-10"), ("3 FÉVR. 2020", "2020-02-03"), ("14 juillet 2020 à 10h30", "2020-07-14"),
    ("December 10, 2019", "2019-12-10"), ("2021-05-05T10:00:00.000Z", "2021-05-05"), ("2021-05-05T10:00:00+02:00", "2021-05-05"),
    ("20191210", "2019-12-10"), (1592830000000, "2020-06-22"), (1592830000, "2020-06-22"),
])
def test_dates_real_lists_write(value, expected):
    assert date_iso(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("Décembre 2019", "2019-12-01"), ("déc. 2019", "2019-12-01"), ("decembre 2019", "2019-12-01"),
    ("12/2019", "2019-12-01"), ("2019-12", "2019-12-01"), ("sept 2020", "2020-09-01"), ("2018", "2018-01-01"),
])
def test_a_month_or_a_year_alone_gives_its_first_day_as_a_correction(value, expected):
    result = date_iso(value)
    assert isinstance(result, Corrected) and result.value == expected
    assert "retenu" in result.reason


@pytest.mark.parametrize("value, words", [
    ("32/12/2019", "le jour 32 n'existe pas"),
    ("31/02/2020", "le 31 février 2020 n'existe pas"),
    ("12/25/2019", "le mois 25 n'existe pas. Jour et mois inversés"),
    ("Décmbre 2019", "« Décmbre » n'est pas un nom de mois"),
    ("10 decmbre 2019", "Vouliez-vous dire « décembre » ?"),
    ("10/12/2019 midi", "« midi » après la date n'est pas une heure"),
    ("3019-01-01", "l'année 3019 est improbable"),
    ("bientôt", "n'est pas une date"),
])
def test_a_typo_is_explained_in_french(value, words):
    with pytest.raises(TransformError) as e:
        date_iso(value)
    assert words in str(e.value) and "AAAA-MM-JJ" in str(e.value)
    with pytest.raises(DateError):
        parse_date(value)


@pytest.mark.parametrize("path, expected", [
    ("geolocalisation.lat", 45.1), ("a.b[0].c", "x"), ("a.b[-1].c", "y"), ("a.b[5].c", None), ("a.z", None),
    ("de_l.etat", 3), ("liste[1]", 20),
])
def test_nested_paths(path, expected):
    data = {"geolocalisation": {"lat": 45.1}, "a": {"b": [{"c": "x"}, {"c": "y"}]}, "de_l.etat": 3, "liste": [10, 20]}
    assert path_value(data, path) == expected


def test_records_may_be_a_path():
    text = '{"resultats": [{"lieux": [{"nom": "A"}, {"nom": "B"}]}]}'
    assert [r.data["nom"] for r in read_json(text, "resultats[0].lieux", "x.json")] == ["A", "B"]
    with pytest.raises(ValueError, match="clé « resultats\\[1\\].lieux » absente du JSON"):
        list(read_json(text, "resultats[1].lieux", "x.json"))


def test_split_several_separators_or_a_pattern():
    assert splitter(";")("a;b") == ["a", "b"]
    assert splitter([";", " / ", " et "])("a;b / c et d") == ["a", "b", "c", "d"]
    assert splitter({"pattern": r"\s*[;,/]\s*"})("a , b/c") == ["a", "b", "c"]
    for bad in ([], "", {"regex": "x"}, {"pattern": "("}):
        with pytest.raises(ValueError):
            splitter(bad)


def test_replace_and_part():
    assert make_replace({"pattern": "^(Mairie|Commune) de ", "by": ""})("Mairie de Pau") == "Pau"
    assert make_replace({"pattern": r"(\d{2})\.(\d{2})", "by": r"\1\2"})("05.56") == "0556"
    assert make_replace({"pattern": ".*"})("tout") is None
    part = make_part({"separator": " - ", "n": 2})
    assert part("EPN - Médiathèque - Pau") == "Médiathèque"
    assert make_part({"separator": [",", ";"], "n": -1})("a, b; c") == "c"
    assert make_part({"n": 1})("Pau centre") == "Pau"
    assert part("seul") is None
    for bad in ({"separator": "-"}, {"n": 0}, {"n": "1"}, {"pattern": "x", "n": 1}, "x"):
        with pytest.raises(ValueError):
            make_part(bad)
    with pytest.raises(ValueError):
        make_replace({"pattern": "("})


def test_urls_in_text_umap_and_markdown():
    text = "Site : [[https://x.fr/a|Notre site]], agenda [[http://y.fr/agenda]] ; [Doc](https://z.fr/doc) ou www.w.fr."
    assert urls(text) == ["https://x.fr/a", "http://y.fr/agenda", "https://z.fr/doc", "www.w.fr"]
    assert urls("https://x.fr https://x.fr") == ["https://x.fr"]
    assert urls("aucune adresse") is None


def test_postcode_line_in_addresses():
    block = "Mairie de Talence\n1 rue X\n33400 Talence Cedex\nFrance"
    assert (code_postal_in_text(block), commune_in_text(block), adresse_in_text(block)) == ("33400", "Talence", "1 rue X")
    line = "8 rue X - 33000 Bordeaux"
    assert (code_postal_in_text(line), commune_in_text(line), adresse_in_text(line)) == ("33000", "Bordeaux", "8 rue X")
    below = "12 place du Marché 64000\nPau"
    assert (commune_in_text(below), adresse_in_text(below)) == ("Pau", "12 place du Marché")


def test_telephone_ignores_emails_and_urls():
    with pytest.raises(TransformError):
        telephone("contact0556000000@mairie.fr")
    with pytest.raises(TransformError):
        telephone("https://www.mairie.fr/page-0556000000")
    with pytest.raises(TransformError):
        telephone("[[https://x.fr/0556000000|site]]")
    result = telephone("accueil0556000000@mairie.fr - 05 56 11 22 33")
    assert getattr(result, "value", result) == "+33556112233"
    assert telephone("Tél. : 05 56 00 00 00 (accueil)") == "+33556000000"


def test_set_aside_rules_are_checked():
    rules = compile_rules([{"column": "statut", "equals": ["Inactif", "fermé"], "reason": "fermé"},
                           {"column": "p.visible", "is": False, "reason": "masqué"},
                           {"column": "nom", "matches": "ferm[ée] définitivement", "reason": "fermé (nom)"},
                           {"column": "fin", "empty": False, "reason": "date de fin"}], "x.yml")
    missing = {""}
    assert rules[0].holds({"statut": "INACTIF"}, missing) and rules[0].holds({"statut": "Fermé"}, missing)
    assert not rules[0].holds({"statut": "actif"}, missing) and not rules[0].holds({}, missing)
    assert rules[1].holds({"p": {"visible": "false"}}, missing) and not rules[1].holds({"p": {"visible": True}}, missing)
    assert not rules[1].holds({"p": {}}, missing)  # unknown is not "no"
    assert rules[2].holds({"nom": "EPN (FERMÉ DÉFINITIVEMENT)"}, missing)
    assert rules[3].holds({"fin": "2020"}, missing) and not rules[3].holds({"fin": ""}, missing)
    for bad, words in [({"column": "x", "reason": "r"}, "indiquez une condition"),
                       ({"column": "x", "equals": 1}, "motif"), ({"equals": 1, "reason": "r"}, "colonne"),
                       ({"column": "x", "is": "non", "reason": "r"}, "true ou false"),
                       ({"column": "x", "matches": "(", "reason": "r"}, "expression régulière"),
                       ({"column": "x", "equal": 1, "reason": "r"}, r"clé\(s\) inconnue\(s\) equal")]:
        with pytest.raises(ValueError, match=words):
            compile_rules([bad], "x.yml")
    with pytest.raises(DescriptorError, match="set_aside, règle 1"):
        parse_descriptor({**BASE, "set_aside": [{"column": "x"}]}, Path("x.yml"))


def mapper(fields, maps=None):
    return Mapper(fields, maps or {}, schemas.load_schema(schemas.LIEUX), schemas.multi_valued(schemas.LIEUX), {"", "null"})


def test_fallback_for_a_required_field():
    m = mapper({"nom": {"column": "nom", "fallback": [{"column": "structure"}, {"value": "Lieu sans nom"}]},
                "code_postal": {"column": "cp", "fallback": {"column": "adresse", "transforms": ["code_postal_in_text"]}}})
    out = m.map({"nom": "", "structure": "Médiathèque", "cp": "33 000 Bordeaux", "adresse": "1 rue X 33000 Bordeaux"})
    # "33 000 Bordeaux" is off the postcode's pattern: the fallback stands in
    assert out.values["nom"] == "Médiathèque" and out.values["code_postal"] == "33000"
    assert out.corrections[-1].reason == ("valeur de repli (colonne « adresse ») : « 33 000 Bordeaux » ne respecte pas "
                                          "le format du champ")
    out = m.map({"nom": None, "structure": None, "cp": "", "adresse": "1 rue X 33000 Bordeaux"})
    assert out.values["nom"] == "Lieu sans nom" and out.values["code_postal"] == "33000"
    reasons = [c.reason for c in out.corrections]
    assert any(r.startswith("valeur de repli (valeur « Lieu sans nom ») : valeur absente") for r in reasons)
    assert not out.issues
    # no fallback gives a value: the main spec's problem stays
    m = mapper({"date_maj": {"column": "maj", "fallback": {"column": "creation"}}})
    out = m.map({"maj": "31/02/2020", "creation": "bientôt"})
    assert out.values["date_maj"] is None and "31 février 2020" in out.issues[0].message
    out = m.map({"maj": "31/02/2020", "creation": "2020-02-01"})
    assert out.values["date_maj"] == "2020-02-01" and not out.issues
    assert "31 février 2020 n'existe pas" in out.corrections[-1].reason


def test_parametrised_transforms_and_split_in_a_mapper():
    m = mapper({"services": {"column": "s", "split": [";", " / "], "map": "services"},
                "nom": {"column": "n", "transforms": [{"replace": {"pattern": "^EPN - ", "by": ""}}, {"part": {"separator": " (", "n": 1}}]},
                "site_web": {"column": "desc", "transforms": ["urls"]}},
               {"services": {"a": "Aide aux démarches administratives", "b": "Maîtrise des outils numériques du quotidien"}})
    out = m.map({"s": "a; b / a", "n": "EPN - Médiathèque (Pau)", "desc": "voir [[https://x.fr|site]] et www.y.fr"})
    assert out.values["services"] == ["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"]
    assert out.values["nom"] == "Médiathèque"
    assert out.values["site_web"] == ["https://x.fr", "https://www.y.fr"]
    with pytest.raises(ValueError, match="replace : écrivez"):
        mapper({"nom": {"column": "n", "transforms": [{"replace": "x"}]}})
    with pytest.raises(ValueError, match="n'est pas une transformation"):
        mapper({"nom": {"column": "n", "transforms": [{"inconnue": {}}]}})


# ---------------------------------------------------------------- a list no one has seen, through the build

BASE = {"id": "inedite", "title": "Liste inédite", "producer": "Un producteur", "format": "json",
        "licence": {"name": "inconnue", "title": "Licence non précisée par le producteur"}, "fields": {"nom": "nom"}}

DESCRIPTOR = {
    **BASE,
    "records": "data.lieux",
    "changes": ["Lieux inactifs ou masqués écartés."],
    "set_aside": [{"column": "etat.actif", "is": False, "reason": "lieu marqué inactif par le producteur"},
                  {"column": "etat.publication", "equals": ["masquée", "brouillon"], "reason": "fiche masquée par le producteur"}],
    "fields": {
        "id": {"template": "inedite-{ids[0].valeur}"},
        "pivot": {"column": "siret", "default": "00000000000000"},
        "nom": {"column": "nom", "fallback": {"column": "structure.nom"}},
        "adresse": {"column": "adresse", "transforms": ["adresse_in_text"]},
        "code_postal": {"column": "adresse", "transforms": ["code_postal_in_text"]},
        "commune": {"column": "adresse", "transforms": ["commune_in_text"]},
        "code_insee": "insee",
        "latitude": "geolocalisation.lat",
        "longitude": "geolocalisation.lon",
        "telephone": "contact",
        "site_web": {"column": "description", "transforms": ["urls"]},
        "date_maj": "maj",
        "typologie": {"column": "types", "split": {"pattern": r"\s*[;/]\s*"}, "map": "typologie"},
    },
    "maps": {"typologie": {"médiathèque": "BIB", "association": "ASSO"}},
}


def lieu(i, **changes):
    record = {"ids": [{"valeur": f"L{i}"}], "nom": f"Lieu {i}", "adresse": f"Mairie\n{i} rue de la Paix\n33000 Bordeaux",
              "insee": "33063", "geolocalisation": {"lat": 44.84, "lon": -0.58}, "contact": f"lieu{i}0556000000@x.fr / 05 56 00 00 0{i % 10}",
              "description": "Voir [[https://lieu.example/agenda|l'agenda]]", "maj": "Décembre 2019",
              "types": "Médiathèque / Association", "etat": {"actif": True, "publication": "publiée"}}
    record.update(changes)
    return record


RECORDS = [
    lieu(1),
    lieu(2, etat={"actif": False, "publication": "publiée"}),                 # set aside: inactive
    lieu(3, etat={"actif": "oui", "publication": "Masquée"}),                 # set aside: hidden
    lieu(4, insee="2B14"),                                                     # optional field dropped, row loaded
    lieu(5, nom="", structure={"nom": "Espace numérique de la Bastide"}),      # required field's fallback
    lieu(6, maj="31 févr. 2020"),                                              # a typo: rejected, explained
    lieu(7, maj="1er décembre 2019", contact="06 12"),                         # bad phone: dropped, row loaded
    lieu(8, adresse="sans code postal"),                                       # rejected: no postcode
]


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inedite")
    data = folder / "inedite.json"
    data.write_text(json.dumps({"data": {"lieux": RECORDS}}, ensure_ascii=False), encoding="utf-8")
    (folder / "inedite.yml").write_text(yaml.safe_dump(DESCRIPTOR, allow_unicode=True), encoding="utf-8")
    descriptor = parse_descriptor(yaml.safe_load((folder / "inedite.yml").read_text(encoding="utf-8")), folder / "inedite.yml")
    return descriptor, data, folder


def test_read_equals_loaded_plus_rejected_plus_set_aside(unseen):
    descriptor, data, _ = unseen
    result = process_source(descriptor, data)
    assert (result.read, result.loaded[schemas.LIEUX], result.rejected[schemas.LIEUX], result.set_aside) == (8, 4, 2, 2)
    assert [(e.ligne, e.motif, e.regle) for e in result.ecartes] == [
        (2, "lieu marqué inactif par le producteur", "etat.actif = False"),
        (3, "fiche masquée par le producteur", "etat.publication = Masquée")]
    rows = {r["id"]: r for r in result.rows[schemas.LIEUX]}
    assert set(rows) == {"inedite-L1", "inedite-L4", "inedite-L5", "inedite-L7"}
    one = rows["inedite-L1"]
    assert (one["adresse"], one["code_postal"], one["commune"]) == ("1 rue de la Paix", "33000", "Bordeaux")
    assert (one["latitude"], one["longitude"], one["telephone"]) == (44.84, -0.58, "+33556000001")
    assert one["site_web"] == ["https://lieu.example/agenda"] and one["date_maj"] == "2019-12-01"
    assert one["typologie"] == ["BIB", "ASSO"]
    assert rows["inedite-L4"]["code_insee"] is None
    assert rows["inedite-L5"]["nom"] == "Espace numérique de la Bastide"
    assert rows["inedite-L7"]["telephone"] is None and rows["inedite-L7"]["date_maj"] == "2019-12-01"
    corrections = {(c.ligne, c.champ): c.motif for c in result.corrections}
    assert corrections[(4, "code_insee")].startswith("valeur retirée (champ facultatif) : ")
    assert corrections[(5, "nom")].startswith("valeur de repli (colonne « structure.nom »)")
    assert corrections[(7, "telephone")].startswith("valeur retirée")
    assert corrections[(1, "date_maj")].startswith("mois seul « Décembre 2019 »")
    rejets = {r.ligne: r.issue for r in result.rejets}
    assert set(rejets) == {6, 8}
    assert rejets[6].field == "date_maj" and "le 31 février 2020 n'existe pas" in rejets[6].message


def test_the_build_records_set_aside_rows(unseen, tmp_path):
    descriptor, data, _ = unseen
    inp = pipeline.SourceInput(descriptor, fetch.resolve_input(descriptor.id, str(data)), "ok")
    db = tmp_path / "lieux.db"
    reports = pipeline.build(db, [inp], geography=geo.prepare({}))
    [report] = reports
    assert (report.read, report.loaded, report.rejected, report.set_aside) == (8, 4, 2, 2)
    assert reports.lieux == 4
    # row 8 (no postcode) fails on code_postal and commune, row 6 on date_maj: three reasons, one row each
    assert sorted(report.reasons) == [("code_postal : valeur inutilisable", 1), ("commune : valeur inutilisable", 1),
                                      ("date_maj : valeur inutilisable", 1)]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select lignes_lues, lignes_chargees, lignes_rejetees, lignes_ecartees from sources").fetchall() == [(8, 4, 2, 2)]
        ecartes = conn.execute("select source, ligne, motif, regle, ligne_source from ecartes order by ligne").fetchall()
        assert [e[:4] for e in ecartes] == [("inedite", 2, "lieu marqué inactif par le producteur", "etat.actif = False"),
                                            ("inedite", 3, "fiche masquée par le producteur", "etat.publication = Masquée")]
        assert json.loads(ecartes[0][4])["nom"] == "Lieu 2"
    lines = pipeline.summary_lines(reports)
    assert lines[0].split()[:6] == ["source", "lues", "chargées", "rejetées", "écartées", "corrigées"]
    assert lines[1].split()[:5] == ["inedite", "8", "4", "2", "2"]


@requires_reference
@pytest.mark.parametrize("source_id", sorted(REFERENCE_INPUTS))
def test_every_date_of_the_reference_lists_reads(source_id):
    """The date columns of the reference lists (date_maj or a `date` transform), every value: no rejection for a date."""
    descriptor = load_descriptor(SOURCES_DIR / f"{source_id}.yml")
    columns = {spec["column"] for out in descriptor.outputs for name, spec in out.fields.items()
               if isinstance(spec, dict) and "column" in spec and (name == "date_maj" or "date" in (spec.get("transforms") or []))}
    columns |= {spec for out in descriptor.outputs for name, spec in out.fields.items() if name == "date_maj" and isinstance(spec, str)}
    read = 0
    for record in read_records(REFERENCE / REFERENCE_INPUTS[source_id], descriptor.format, descriptor.encoding,
                               descriptor.delimiter, descriptor.records):
        for column in columns:
            value = path_value(record.data, column)
            if value not in (None, "") and str(value).strip() not in descriptor.missing_values:
                date_iso(value)  # a year alone reads too (year_as_date is then a no-op)
                read += 1
    assert read or not columns


@pytest.mark.parametrize("value", [10**400, 1e308, float("inf"), float("nan"), -5, 5.5, 10**20, "9" * 5000, True])
def test_numbers_that_are_not_dates_are_refused_in_french(value):
    with pytest.raises(DateError, match="n'est pas une date"):
        parse_date(value)
