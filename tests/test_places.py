"""lieux.places: places as people type them, checked on the whole reference geography (../shared).

The homonyms, arrondissements, former communes and shared postcodes are computed here from the
reference files, not listed by hand: every commune name borne by several communes, every
arrondissement municipal, every commune déléguée or associée, every postcode shared by several communes.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

import pytest

from lieux import places
from lieux.geo.tables import commune_rows, former_commune_rows


@pytest.fixture(scope="module")
def directory(geography):
    departements = [{"code": code, "nom": d["nom"], "region_code": d.get("region"),
                     "region_nom": geography.region_nom(d.get("region")), "zone": d.get("zone")}
                    for code, d in geography.departements.items()]
    communes = [r for r in commune_rows(geography) if r["latitude"] is not None]
    return places.build_directory(communes, list(former_commune_rows(geography)), departements)


def current(d):
    return [c for c in d.communes.values() if c.type == "commune-actuelle"]


@pytest.fixture(scope="module")
def homonyms(directory):
    """{name key: [communes]} for every name borne by several communes actuelles ("La Chapelle" and
    "Lachapelle" are one name as typed: the search cannot tell them apart either)."""
    groups = defaultdict(list)
    for c in current(directory):
        groups[places.key(c.nom)].append(c)
    return {k: cs for k, cs in groups.items() if len(cs) > 1}


def plain(text: str) -> str:
    """As typed on a phone in a hurry: no accents, no hyphens, no apostrophes, capitals."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("-", " ").replace("'", " ").upper()


def abbreviated(nom: str) -> str:
    """ "Saint-Denis" → "St Denis", "Sainte-Marie" → "Ste Marie" (the name unchanged otherwise)."""
    for word, short in (("Sainte-", "Ste "), ("Saint-", "St "), ("Saintes-", "Stes "), ("Saints-", "Sts ")):
        if nom.startswith(word):
            return short + nom[len(word):]
    return nom


def codes(res) -> list[str]:
    return [c.commune.code for c in res.choices]


def resolve(d, text):
    return places.resolve(d, text)


# -- pure helpers -------------------------------------------------------------------------------

@pytest.mark.parametrize("tokens,expected", [
    (["13"], (13, 1)), (["13E"], (13, 1)), (["13EME"], (13, 1)), (["13IEME"], (13, 1)), (["1ER"], (1, 1)),
    (["XIII"], (13, 1)), (["XIIIE"], (13, 1)), (["IER"], (1, 1)), (["13", "EME"], (13, 2)), (["XX"], (20, 1)),
    (["IIII"], None), (["ABC"], None), (["0"], None), ([], None),
])
def test_ordinal(tokens, expected):
    assert places.ordinal(tokens) == expected


@pytest.mark.parametrize("a,b", [
    ("Saint-Denis", "ST DENIS"), ("saint   denis", "St-Denis"), ("Sainte-Marie", "ste marie"),
    ("L'Haÿ-les-Roses", "LHay les Roses"), ("Œuilly", "oeuilly"),
])
def test_keys_ignore_how_names_are_typed(a, b):
    assert places.key(a) == places.key(b)


# -- homonyms -----------------------------------------------------------------------------------

def test_the_reference_has_many_homonyms(homonyms):
    assert len(homonyms) > 1000  # Sainte-Colombe, Saint-Sauveur, Beaulieu, Valence, Saint-Denis…


@pytest.mark.parametrize("form", ["as written", "plain", "abbreviated", "lower case"])
def test_a_homonym_alone_is_never_resolved_silently(directory, homonyms, form):
    typed = {"as written": lambda n: n, "plain": plain, "abbreviated": abbreviated, "lower case": str.lower}[form]
    failures = []
    for communes in homonyms.values():
        for nom in {c.nom for c in communes}:
            res = resolve(directory, typed(nom))
            expected = {c.code for c in communes}
            got = codes(res)
            populations = [c.commune.population for c in res.choices]
            if res.status != places.AMBIGUOUS or not expected <= set(got) or populations != sorted(populations, reverse=True):
                failures.append((typed(nom), res.status, got))
    assert failures == []


@pytest.mark.parametrize("form", [
    "{nom} {dep}", "{nom} ({dep})", "{nom}, {dep}", "{plain} {dep}", "{abbr} ({dep})", "  {nom}   {dep}  ",
    "{nom} {dep_nom}", "{plain} {dep_nom_plain}", "{nom} ({dep_nom})", "{nom} {region}", "{nom} de {region}",
])
def test_a_homonym_with_its_departement_or_region_resolves_right(directory, homonyms, geography, form):
    failures, tried = [], 0
    for communes in homonyms.values():
        for c in communes:
            nom = c.nom
            same_dep = [o for o in communes if o.departement == c.departement]
            region_code = geography.region_of(c.departement)
            region = geography.region_nom(region_code) or ""
            same_region = [o for o in communes if geography.region_of(o.departement) == region_code]
            if len(same_dep) > 1 or ("{region}" in form and len(same_region) > 1) or "(" in nom:
                continue  # told apart by postcode or INSEE code instead (test below)
            dep_nom = directory.departement_nom(c.departement) or ""
            text = form.format(nom=nom, dep=c.departement, plain=plain(nom), abbr=abbreviated(nom), dep_nom=dep_nom,
                               dep_nom_plain=plain(dep_nom), region=region)
            if places.key(text) in directory.names:
                continue  # "Saint-Laurent Bretagne" is itself a commune (64): the whole name wins
            tried += 1
            res = resolve(directory, text)
            if res.status != places.FOUND or codes(res) != [c.code]:
                failures.append((text, res.status, codes(res)[:3]))
    assert tried > 1000
    assert failures == []


def test_every_candidate_label_resolves_to_that_candidate(directory, homonyms):
    """The labels offered ("Saint-Denis (93)", "Bors (16190)"…) each lead back to their commune."""
    failures = []
    for communes in homonyms.values():
        nom = communes[0].nom
        res = resolve(directory, nom)
        for choice, label in zip(res.choices, places.choice_labels(directory, res.choices)):
            again = resolve(directory, label)
            if again.status != places.FOUND or codes(again) != [choice.commune.code]:
                failures.append((nom, label, again.status, codes(again)[:3]))
    assert failures == []


@pytest.mark.parametrize("text,departement", [
    ("Saint-Denis 93", "93"), ("Saint-Denis (93)", "93"), ("Saint-Denis 974", "974"), ("Saint-Denis La Réunion", "974"),
    ("saint denis de la reunion", "974"), ("ST-DENIS 974", "974"), ("St Denis Seine-Saint-Denis", "93"),
    ("Ste Marie Martinique", "972"), ("Sainte-Marie (974)", "974"), ("Valence Drôme", "26"),
    ("Saint-Denis, Seine-Saint-Denis (93)", "93"), ("Saint-Denis Île-de-France", "93"),
])
def test_forms_people_write(directory, text, departement):
    res = resolve(directory, text)
    assert res.status == places.FOUND, (text, res.status, codes(res))
    assert res.found.commune.departement == departement


def test_a_departement_without_that_name_offers_the_communes_of_that_name(directory):
    res = resolve(directory, "Saint-Denis 75")
    assert res.status == places.AMBIGUOUS
    assert {c.commune.departement for c in res.choices} >= {"93", "974"}
    assert "Aucune commune « Saint-Denis »" in res.notes[0]


# -- arrondissements ----------------------------------------------------------------------------

def arrondissements(directory):
    out = []
    for code, city in directory.city_of.items():
        arm = directory.communes[code]
        number = next(n for n, c in directory.arrondissements[city].items() if c == code)
        out.append((directory.communes[city].nom, number, arm))
    return out


def test_the_45_arrondissements_municipaux_are_known(directory):
    found = arrondissements(directory)
    assert len(found) == 45
    assert {city for city, _, _ in found} == {"Paris", "Lyon", "Marseille"}


@pytest.mark.parametrize("form", [
    "{city} {n}", "{city} {n}e", "{city} {ordinal}", "{city} {n}ème", "{city} {n}eme", "{city} {roman}",
    "{city} {roman}e", "{CITY} {n}E ARRONDISSEMENT", "{city} {n}e arrondissement", "{ordinal} arrondissement de {city}",
    "{city} {n} arr", "{postcode}", "{postcode} {city}", "{city}  {n} ème",
])
def test_every_arrondissement_in_several_spellings(directory, form):
    failures = []
    for city, n, arm in arrondissements(directory):
        text = form.format(city=city, CITY=city.upper(), n=n, ordinal="1er" if n == 1 else f"{n}e",
                           roman=places.to_roman(n), postcode=arm.codes_postaux[0])
        res = resolve(directory, text)
        if res.status != places.FOUND or codes(res) != [arm.code]:
            failures.append((text, res.status, codes(res)[:3]))
    assert failures == []


def test_a_city_without_a_number_is_the_city(directory):
    for city in ("Paris", "Lyon", "Marseille", "Paris 75", "Marseille Bouches-du-Rhône"):
        res = resolve(directory, city)
        assert res.status == places.FOUND and res.found.commune.type == "commune-actuelle", city


# -- former communes -------------------------------------------------------------------------------

def test_former_communes_lead_to_their_commune_nouvelle_with_a_note(directory):
    unique = [f for k, fs in directory.former.items() if len(fs) == 1 and k not in directory.names for f in fs]
    assert len(unique) > 1500
    failures = []
    for f in unique:
        res = resolve(directory, f.nom)
        if res.status != places.FOUND or codes(res) != [f.commune] or "ancienne commune" not in " ".join(res.notes):
            failures.append((f.nom, res.status, codes(res)[:3]))
    assert failures == []


def test_a_former_commune_named_like_current_ones_is_a_candidate(directory):
    shared = [k for k in directory.former if k in directory.names]
    assert shared
    for k in shared[:200]:
        f = directory.former[k][0]
        res = resolve(directory, f.nom)
        assert res.status == places.AMBIGUOUS and f.commune in codes(res), f.nom


def test_a_former_insee_code_leads_to_its_commune(directory):
    f = next(iter(directory.former_codes.values()))
    res = places.resolve_code(directory, f.code)
    assert codes(res) == [f.commune] and res.notes


# -- postcodes --------------------------------------------------------------------------------------

def test_a_shared_postcode_offers_the_choice_or_takes_the_named_commune(directory):
    shared = {cp: cs for cp, cs in directory.postcodes.items() if len(cs) > 1}
    assert len(shared) > 1000
    failures = []
    for cp, communes in shared.items():
        res = resolve(directory, cp)
        if res.status != places.AMBIGUOUS or set(codes(res)) != set(communes):
            failures.append((cp, res.status))
        names = defaultdict(list)
        for code in communes:
            names[places.key(directory.communes[code].nom)].append(code)
        for code in communes:
            nom = directory.communes[code].nom
            if len(names[places.key(nom)]) > 1:
                continue
            for text in (f"{cp} {nom}", f"{nom} {cp}", f"{cp} {plain(nom)}"):
                res = resolve(directory, text)
                if res.status != places.FOUND or codes(res) != [code]:
                    failures.append((text, res.status, codes(res)[:3]))
    assert failures == []


def test_a_postcode_of_one_commune_is_that_commune(directory):
    single = [(cp, cs[0]) for cp, cs in directory.postcodes.items() if len(cs) == 1][:500]
    for cp, code in single:
        res = resolve(directory, cp)
        assert res.status == places.FOUND and codes(res) == [code], cp


# -- addresses ------------------------------------------------------------------------------------

def test_the_example_address(directory):
    res = resolve(directory, "12 rue de la Paix 29200 Brest")
    assert res.status == places.FOUND and res.found.commune.nom == "Brest"
    assert res.street == "12 RUE DE LA PAIX" and res.postcode == "29200"
    assert any("Adresse réduite à sa commune" in n for n in res.notes)


@pytest.mark.parametrize("form", [
    "3 rue de la Gare {cp} {nom}", "3, rue de la Gare, {cp} {nom}", "3 rue de la Gare, {nom}",
    "place de la Mairie {nom} {dep}", "12 bis avenue Jean Jaurès {cp} {plain}",
])
def test_addresses_are_reduced_to_their_commune(directory, form):
    names = defaultdict(list)
    for c in current(directory):
        names[places.key(c.nom)].append(c)
    sample = [cs[0] for cs in names.values() if len(cs) == 1 and cs[0].codes_postaux][::40]
    failures = []
    for c in sample:
        if ("{dep}" not in form and places.key(c.nom) in directory.former) or "(" in c.nom:
            continue
        text = form.format(cp=c.codes_postaux[0], nom=c.nom, plain=plain(c.nom), dep=c.departement)
        res = resolve(directory, text)
        got = [directory.city_of.get(code, code) for code in codes(res)]  # 13001 Marseille: its arrondissement
        if res.status != places.FOUND or got != [c.code] or not res.street:
            failures.append((text, res.status, codes(res)[:3], res.street))
    assert len(sample) > 500
    assert failures == []


@pytest.mark.parametrize("text", ["zzzz", "", "   ", "12", "rue de nulle part"])
def test_unknown_text_is_not_found(directory, text):
    assert resolve(directory, text).status == places.UNKNOWN


def test_mail_routing_mentions_are_not_the_commune(directory):
    """CEDEX, BP, CS and TSA and their numbers are routing, not places; five digits that are no postcode are an
    INSEE code only when no commune is named, and the answer says so."""
    def nom(res):
        return [c.commune.nom for c in res.choices]

    assert nom(resolve(directory, "38044 Grenoble Cedex 9")) == ["Grenoble"]
    assert nom(resolve(directory, "Mairie, BP 123, 29200 Brest Cedex")) == ["Brest"]
    assert nom(resolve(directory, "CS 70001 69007 Lyon")) == ["Lyon 7e Arrondissement"]
    res = resolve(directory, "38044")
    assert res.status == places.FOUND and nom(res) == ["Biol"]
    assert res.notes[0] == "« 38044 » n'est pas un code postal : c'est le code officiel (INSEE) de la commune Biol."
