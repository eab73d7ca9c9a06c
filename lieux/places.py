"""Places as people type them, resolved against the reference geography, never guessing between homonyms.

`resolve(directory, text)` reads free text ("Saint-Denis 93", "St Denis (974)", "Saint-Denis La Réunion",
"Paris XIII", "Lyon 3e", "29200 Brest", "12 rue de la Paix 29200 Brest", a commune déléguée's name…)
and answers a `Resolution`: one commune found (with notes saying how), several candidates (most
populous first: the caller asks which one), or nothing.

The rules are general, read from the reference tables the build writes (communes, communes_anciennes,
departements, regions): no place name is written here. Names are compared as `name_key` gives them
(no accents, no case, St/Ste expanded), with spaces removed, so "Saint Denis", "SAINT-DENIS" and
"St-Denis" are one key. A name may be followed (or, for arrondissements, preceded) by a qualifier:
a département code, a département or région name, an arrondissement number (13, 13e, 1er, XIII).
An address is a commune preceded by a street: the commune is the longest ending of the text that
names one.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from .communes import name_key

POSTCODE = re.compile(r"\d{5}")
INSEE = re.compile(r"\d{5}|2[AB]\d{3}")
DEPARTEMENT_CODE = re.compile(r"\d{1,3}|2A|2B")
ORDINAL = re.compile(r"(\d{1,2})(ER|ERE|E|EME|IEME|ME|EM)?")
ROMAN_ORDINAL = re.compile(r"([IVXL]{1,7})(ER|ERE|E|EME|IEME|ME)?")
ORDINAL_SUFFIXES = {"ER", "ERE", "E", "EME", "IEME", "ME", "EM"}
ARRONDISSEMENT_WORDS = {"ARR", "ARRT", "ARRDT", "ARROND", "ARRONDT", "ARRONDISSEMENT"}
ARRONDISSEMENT_NAME = re.compile(r"(.+) (\d{1,2})(?:E|ER) ARRONDISSEMENT")
ARTICLES = {"LE", "LA", "LES", "L"}
LINK_WORDS = {"DE", "DU", "DES", "D", "EN", "A", "AU", "AUX", "DANS"} | ARTICLES
# Words that make the text before a commune a street address (with a house number or a comma).
STREET_WORDS = {
    "RUE", "R", "AVENUE", "AV", "AVE", "BOULEVARD", "BD", "BLD", "BLVD", "PLACE", "PL", "CHEMIN", "CH", "CHE",
    "IMPASSE", "IMP", "ALLEE", "ALLEES", "ROUTE", "RTE", "QUAI", "COURS", "SQUARE", "SQ", "PASSAGE", "RESIDENCE",
    "RES", "LOTISSEMENT", "LOT", "CITE", "HAMEAU", "HAM", "LIEU", "LIEUDIT", "VOIE", "SENTIER", "VILLA", "PROMENADE",
    "ESPLANADE", "PARVIS", "FAUBOURG", "FG", "FBG", "MONTEE", "RUELLE", "TRAVERSE", "CHAUSSEE", "CARREFOUR",
    "ROND", "POINT", "ZA", "ZI", "ZAC", "BP", "BIS", "TER", "BATIMENT", "BAT", "ETAGE", "APPARTEMENT", "APT",
}
# Mail routing mentions of an address, with their number: "38044 GRENOBLE CEDEX 9", "BP 12345", "CS 70001".
MAIL_ROUTING = {"CEDEX", "BP", "CS", "TSA"}
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
FOUND, AMBIGUOUS, UNKNOWN = "trouve", "ambigu", "introuvable"
TYPE_LABELS = {"commune-deleguee": "commune déléguée", "commune-associee": "commune associée"}


def compact(tokens) -> str:
    return "".join(tokens)


def key(text) -> str:
    """The comparison key of a name: "Saint-Denis", "ST DENIS" and "saint denis" give "SAINTDENIS"."""
    return compact(name_key(text).split())


def base_name(nom: str) -> str:
    """A name without its parenthesised precision: "Castillon (Canton de Lembeye)" → "Castillon"."""
    return re.sub(r"\s*\([^)]*\)", "", nom).strip() or nom


def name_keys(nom: str) -> set[str]:
    keys = {key(nom)}
    if "(" in nom:
        keys.add(key(base_name(nom)))
    return keys - {""}


def roman(text: str) -> int | None:
    """The value of a Roman numeral (I to L range, as arrondissements need), None if it is not one."""
    total, previous = 0, 0
    for char in reversed(text):
        value = ROMAN_VALUES.get(char)
        if value is None:
            return None
        total += -value if value < previous else value
        previous = max(previous, value)
    return total if total > 0 and to_roman(total) == text else None


def to_roman(n: int) -> str:
    out = ""
    for value, letters in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def ordinal(tokens: list[str]) -> tuple[int, int] | None:
    """(number, tokens used) when tokens start with an arrondissement number: 13, 13E, 13EME, 1ER, XIII, "13 E"."""
    if not tokens:
        return None
    m = ORDINAL.fullmatch(tokens[0])
    if m:
        number, suffix = int(m.group(1)), m.group(2)
    else:
        m = ROMAN_ORDINAL.fullmatch(tokens[0])
        number, suffix = (roman(m.group(1)), m.group(2)) if m else (None, None)
    if not number:
        return None
    used = 2 if not suffix and len(tokens) > 1 and tokens[1] in ORDINAL_SUFFIXES else 1
    return number, used


# -- the directory: reference tables indexed for look-ups -----------------------------------------

@dataclass(frozen=True)
class Commune:
    code: str
    nom: str
    type: str                      # commune-actuelle | arrondissement-municipal
    departement: str | None
    population: int
    lat: float
    lon: float
    codes_postaux: tuple[str, ...] = ()


@dataclass(frozen=True)
class Former:
    """A commune déléguée or associée and the commune it now belongs to."""
    code: str
    nom: str
    type: str
    commune: str


@dataclass
class Directory:
    communes: dict[str, Commune] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)          # name key -> commune codes
    former: dict[str, list[Former]] = field(default_factory=dict)     # name key -> former communes
    former_codes: dict[str, Former] = field(default_factory=dict)     # former code (not a current one) -> Former
    postcodes: dict[str, list[str]] = field(default_factory=dict)     # postcode -> commune/arrondissement codes
    arrondissements: dict[str, dict[int, str]] = field(default_factory=dict)  # city code -> {number: code}
    city_of: dict[str, str] = field(default_factory=dict)             # arrondissement code -> city code
    departements: dict[str, dict] = field(default_factory=dict)       # code -> {nom, region_code, region_nom, zone}
    areas: dict[str, set[str]] = field(default_factory=dict)          # département/région name key -> départements

    def departement_nom(self, code: str | None) -> str | None:
        return (self.departements.get(code or "") or {}).get("nom")


def build_directory(communes: list[dict], former: list[dict], departements: list[dict]) -> Directory:
    """The directory from rows shaped as the build's tables (pure: tests give it rows directly)."""
    d = Directory()
    for row in communes:
        postcodes = row.get("codes_postaux") or []
        if isinstance(postcodes, str):
            postcodes = json.loads(postcodes or "[]")
        c = Commune(row["code"], row["nom"], row.get("type") or "commune-actuelle", row.get("departement_code"),
                    row.get("population") or 0, row["latitude"], row["longitude"], tuple(str(p) for p in postcodes))
        d.communes[c.code] = c
        if c.type != "arrondissement-municipal":
            for k in name_keys(c.nom):
                d.names.setdefault(k, set()).add(c.code)
    for c in d.communes.values():
        m = ARRONDISSEMENT_NAME.fullmatch(name_key(c.nom)) if c.type == "arrondissement-municipal" else None
        if not m:
            continue
        cities = [code for code in d.names.get(key(m.group(1)), ()) if d.communes[code].departement == c.departement]
        if len(cities) == 1:
            d.arrondissements.setdefault(cities[0], {})[int(m.group(2))] = c.code
            d.city_of[c.code] = cities[0]
    for c in d.communes.values():
        for cp in c.codes_postaux:
            d.postcodes.setdefault(cp, []).append(c.code)
    for cp, codes in d.postcodes.items():
        # A city divided in arrondissements lists all their postcodes: a postcode leads to its arrondissement.
        cities = {d.city_of[code] for code in codes if code in d.city_of}
        d.postcodes[cp] = [code for code in codes if code not in cities]
    for row in former:
        parent = d.communes.get(row["commune_code"])
        if parent is None:
            continue
        f = Former(row["code"], row["nom"], row.get("type") or "commune-deleguee", parent.code)
        if f.code not in d.communes:
            d.former_codes.setdefault(f.code, f)
        for k in name_keys(f.nom) - name_keys(parent.nom):
            d.former.setdefault(k, []).append(f)
    regions: dict[str, set[str]] = {}
    for row in departements:
        d.departements[row["code"]] = dict(row)
        add_area(d, row["nom"], {row["code"]})
        if row.get("region_nom"):
            regions.setdefault(row["region_nom"], set()).add(row["code"])
    for nom, codes in regions.items():
        add_area(d, nom, codes)
    return d


def add_area(d: Directory, nom: str, codes: set[str]) -> None:
    tokens = name_key(nom).split()
    variants = [tokens] + ([tokens[1:]] if len(tokens) > 1 and tokens[0] in ARTICLES else [])
    for t in variants:
        d.areas.setdefault(compact(t), set()).update(codes)


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [name]).fetchone() is not None


def rows(conn: sqlite3.Connection, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, r)) for r in cursor]


def load_directory(conn: sqlite3.Connection) -> Directory | None:
    """The directory of a built database; None when it has no reference communes (built without geography)."""
    if not has_table(conn, "communes"):
        return None
    communes = rows(conn, "select code, nom, type, codes_postaux, departement_code, population, latitude, longitude "
                          "from communes where latitude is not null and longitude is not null")
    if not communes:
        return None
    former = rows(conn, "select code, nom, type, commune_code from communes_anciennes") \
        if has_table(conn, "communes_anciennes") else []
    departements = rows(conn, "select code, nom, region_code, region_nom, zone from departements") \
        if has_table(conn, "departements") else []
    return build_directory(communes, former, departements)


# -- resolution -------------------------------------------------------------------------------

@dataclass
class Choice:
    """One commune a text may mean (through a former commune's name, when `via` is set)."""
    commune: Commune
    via: Former | None = None


@dataclass
class Resolution:
    status: str                                   # trouve | ambigu | introuvable
    asked: str
    choices: list[Choice] = field(default_factory=list)   # one when found; the candidates when ambiguous
    street: str | None = None                     # the address typed before the commune
    postcode: str | None = None                   # the postcode typed, when any
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> Choice | None:
        return self.choices[0] if self.status == FOUND else None


def by_population(choices: list[Choice]) -> list[Choice]:
    unique: dict[str, Choice] = {}
    for c in choices:  # a commune met both by its name and through a former commune's: its own name wins
        if c.commune.code not in unique or unique[c.commune.code].via is not None and c.via is None:
            unique[c.commune.code] = c
    return sorted(unique.values(), key=lambda c: (-c.commune.population, c.commune.departement or "", c.commune.code))


def name_matches(d: Directory, tokens: list[str]) -> list[Choice]:
    k = compact(tokens)
    out = [Choice(d.communes[code]) for code in d.names.get(k, ())]
    out += [Choice(d.communes[f.commune], f) for f in d.former.get(k, ())]
    return out


def in_areas(choices: list[Choice], departements: set[str] | None) -> list[Choice]:
    return choices if departements is None else [c for c in choices if c.commune.departement in departements]


def trailing_qualifiers(d: Directory, tokens: list[str]):
    """(tokens left, départements) for each way the end of `tokens` names a département or région, longest first."""
    for k in range(min(6, len(tokens) - 1), 0, -1):
        area = d.areas.get(compact(tokens[-k:]))
        if area:
            yield tokens[:-k], area
    last = tokens[-1] if len(tokens) > 1 else ""
    if DEPARTEMENT_CODE.fullmatch(last):
        code = last.zfill(2) if last.isdigit() else last
        if code in d.departements:
            yield tokens[:-1], {code}


def without_links(tokens: list[str]) -> list[list[str]]:
    """tokens, then tokens without their trailing link words ("Saint-Denis de la" → "Saint-Denis")."""
    out = [tokens]
    while tokens and tokens[-1] in LINK_WORDS:
        tokens = tokens[:-1]
        if tokens:
            out.append(tokens)
    return out


def arrondissement(d: Directory, city_tokens: list[str], number: int, departements) -> list[Choice]:
    out = []
    for c in in_areas(name_matches(d, city_tokens), departements):
        code = d.arrondissements.get(c.commune.code, {}).get(number)
        if code and c.via is None:
            out.append(Choice(d.communes[code]))
    return out


class Missed:
    """Names met whose qualifier excluded every commune (to say so when nothing else matches)."""

    def __init__(self):
        self.choices: list[Choice] = []
        self.name: list[str] | None = None


def interpret(d: Directory, tokens: list[str], departements: set[str] | None, missed: Missed,
              depth: int = 0) -> list[Choice]:
    """The communes `tokens` name as a whole (a name, an arrondissement, a name and its qualifiers)."""
    if not tokens or depth > 3:
        return []
    everywhere = name_matches(d, tokens)
    found = in_areas(everywhere, departements)
    if departements is not None and any(c.via is None for c in found):
        # "Saint-X (14)", as offered among the candidates, names the commune itself, not a former one.
        found = [c for c in found if c.via is None]
    if found:
        return found
    if everywhere and missed.name is None:
        missed.name, missed.choices = tokens, everywhere
    # An arrondissement: "Paris 13", "Paris 13e arrondissement", "Lyon 3 eme", "13e arrondissement de Paris".
    body = tokens
    while len(body) > 1 and body[-1] in ARRONDISSEMENT_WORDS:
        body = body[:-1]
    for i in range(1, len(body)):
        number = ordinal(body[i:])
        if number and i + number[1] == len(body):
            city = body[:i]
            if city and city[-1] in ARRONDISSEMENT_WORDS:
                city = city[:-1]
            found = arrondissement(d, city, number[0], departements)
            if found:
                return found
    number = ordinal(tokens)
    if number and len(tokens) > number[1] + 1 and tokens[number[1]] in ARRONDISSEMENT_WORDS:
        for city in without_links(tokens[number[1] + 1:])[::-1]:
            found = arrondissement(d, [t for t in city if t not in LINK_WORDS] or city, number[0], departements)
            if found:
                return found
    # A qualifier at the end: "Saint-Denis 93", "Saint-Denis (974)", "Saint-Denis de La Réunion".
    for rest, area in trailing_qualifiers(d, tokens):
        narrowed = area if departements is None else departements & area
        if not narrowed:
            continue
        for candidate in without_links(rest)[::-1]:  # "Ger de Occitanie" is Ger, not Gerde
            found = interpret(d, candidate, narrowed, missed, depth + 1)
            if found:
                return found
    return []


def looks_like_street(tokens: list[str], had_comma: bool) -> bool:
    return had_comma or any(t[0].isdigit() or t in STREET_WORDS for t in tokens)


def label_tokens(tokens: list[str]) -> str:
    return " ".join(tokens).lower()


def resolve_words(d: Directory, tokens: list[str], had_comma: bool, asked: str) -> Resolution:
    missed = Missed()
    found = interpret(d, tokens, None, missed)
    street = None
    if not found:
        # An address: the longest ending of the text that names a commune, after a street.
        for start in range(1, len(tokens)):
            if not looks_like_street(tokens[:start], had_comma):
                continue
            found = interpret(d, tokens[start:], None, Missed())
            if found:
                street = tokens[:start]
                break
    if not found and missed.choices:
        choices = by_population(missed.choices)
        return Resolution(AMBIGUOUS, asked, choices, notes=[
            f"Aucune commune « {choices[0].commune.nom} » dans le département ou la région indiqués : "
            "voici les communes de ce nom."])
    return outcome(d, asked, found, street)


def outcome(d: Directory, asked: str, found: list[Choice], street: list[str] | None,
            postcode: str | None = None, notes: list[str] | None = None) -> Resolution:
    notes = list(notes or [])
    if not found:
        return Resolution(UNKNOWN, asked, notes=notes)
    choices = by_population(found)
    res = Resolution(FOUND if len(choices) == 1 else AMBIGUOUS, asked, choices,
                     street=" ".join(street) if street else None, postcode=postcode, notes=notes)
    if res.status == FOUND:
        res.notes += found_notes(d, res)
    return res


def found_notes(d: Directory, res: Resolution) -> list[str]:
    choice = res.choices[0]
    notes = []
    if choice.via:
        notes.append(f"{choice.via.nom} est une ancienne commune ({TYPE_LABELS.get(choice.via.type, choice.via.type)}) : "
                     f"elle fait aujourd'hui partie de la commune {choice.commune.nom} ({choice.commune.departement}). "
                     "La recherche part du centre de cette commune.")
    if res.street:
        notes.append(f"Adresse réduite à sa commune : recherche autour du centre de {label(d, choice, res.postcode)}.")
    return notes


def resolve_postcode(d: Directory, tokens: list[str], index: int, asked: str, had_comma: bool) -> Resolution | None:
    """A text with a postcode: the commune named after it (or before it), else the postcode's communes."""
    cp = tokens[index]
    before, after = tokens[:index], tokens[index + 1:]
    codes = d.postcodes.get(cp)
    if not codes:
        return None
    places = [Choice(d.communes[code]) for code in codes]

    def named(name_tokens):
        k = compact(name_tokens)
        out = []
        for c in places:
            keys = name_keys(c.commune.nom)
            city = d.city_of.get(c.commune.code)
            if city:
                keys |= name_keys(d.communes[city].nom)
            if k in keys:
                out.append(c)
            else:
                out += [Choice(c.commune, f) for f in d.former.get(k, ()) if f.commune in (c.commune.code, city)]
        return out

    street = before
    if after:
        found = named(after) or [c for candidate in without_links(after) for c in named(candidate)]
        if not found:
            # "29200 Brest 12 rue…" is rare; a name after the postcode that is none of its communes is said.
            found = places
    else:
        found = []
        for start in range(len(before)):
            found = named(before[start:])
            if found:
                street = before[:start]
                break
        found = found or places
    return outcome(d, asked, found, street or None, postcode=cp)


def without_mail_routing(tokens: list[str]) -> list[str]:
    """The words of an address without its mail routing mentions (CEDEX, BP, CS, TSA) and their numbers."""
    out, skip_number = [], False
    for t in tokens:
        if t in MAIL_ROUTING:
            skip_number = True
            continue
        if skip_number and t.isdigit():
            skip_number = False
            continue
        skip_number = False
        out.append(t)
    return out


def resolve(d: Directory, text: str | None) -> Resolution:
    """What free text names (commune, arrondissement, former commune, postcode or address)."""
    asked = (text or "").strip()
    tokens = without_mail_routing(name_key(asked).split())
    if not tokens:
        return Resolution(UNKNOWN, asked)
    had_comma = "," in asked
    for i in range(len(tokens) - 1, -1, -1):
        if POSTCODE.fullmatch(tokens[i]):
            res = resolve_postcode(d, tokens, i, asked, had_comma)
            if res is not None:
                return res
            # Five digits that are no postcode: an INSEE code, unless the other words name a commune (then the
            # digits are a CEDEX code, "38044 Grenoble Cedex 9", or a typo: the name is what the person meant).
            by_code = resolve_code(d, tokens[i], asked)
            rest = tokens[:i] + tokens[i + 1:]
            named = resolve_words(d, rest, had_comma, asked) if rest else None
            if named is not None and named.status != UNKNOWN:
                return named
            if by_code.status == FOUND:
                choice = by_code.choices[0]
                by_code.notes.insert(0, f"« {tokens[i]} » n'est pas un code postal : c'est le code officiel (INSEE) "
                                        f"de la commune {(choice.via or choice.commune).nom}.")
                return by_code
    if len(tokens) == 1 and INSEE.fullmatch(tokens[0]):
        return resolve_code(d, tokens[0], asked)
    return resolve_words(d, tokens, had_comma, asked)


def resolve_code(d: Directory, code: str, asked: str | None = None) -> Resolution:
    """An INSEE code: a commune, an arrondissement, or a former commune (then its commune nouvelle)."""
    code = code.strip().upper()
    asked = asked or code
    if code in d.communes:
        return Resolution(FOUND, asked, [Choice(d.communes[code])])
    f = d.former_codes.get(code)
    if f:
        return outcome(d, asked, [Choice(d.communes[f.commune], f)], None)
    return Resolution(UNKNOWN, asked)


def resolve_search(d: Directory, commune: str | None = None, code_postal: str | None = None,
                   q: str | None = None) -> Resolution:
    """The API's and the page's parameters: commune (name or INSEE code), code_postal, or q."""
    if code_postal:
        text = f"{code_postal} {commune}" if commune else code_postal
        return resolve(d, text)
    if commune:
        if INSEE.fullmatch(commune.strip().upper()):
            res = resolve_code(d, commune)
            if res.status != UNKNOWN:
                return res
        return resolve(d, commune)
    return resolve(d, q)


# -- labels -----------------------------------------------------------------------------------

def label(d: Directory, choice: Choice, postcode: str | None = None) -> str:
    """How a place is named to the public: "Saint-Denis (93)", "Brest (29200)", "Paris 13e Arrondissement"."""
    c = choice.commune
    if c.type == "arrondissement-municipal":
        return c.nom
    return f"{c.nom} ({postcode or c.departement})"


def display_label(d: Directory, choice: Choice, text: str) -> str:
    """The label shown for a candidate: a former commune says which commune it belongs to."""
    if choice.via:
        return f"{choice.via.nom} ({TYPE_LABELS.get(choice.via.type, choice.via.type)} de {choice.commune.nom}, " \
               f"{choice.commune.departement})"
    return text


def choice_labels(d: Directory, choices: list[Choice]) -> list[str]:
    """Labels that tell the candidates apart: "Nom (département)", else "Nom (code postal)", else the INSEE code."""
    labels = []
    for choice in choices:
        c = choice.commune
        if c.type == "arrondissement-municipal" or choice.via:
            labels.append(label(d, choice))
            continue
        base = f"{c.nom} ({c.departement})"
        same = [o for o in choices if o.commune.nom == c.nom and o.commune.departement == c.departement]
        if len(same) > 1:
            own = [p for p in c.codes_postaux if not any(p in o.commune.codes_postaux for o in same if o is not choice)]
            base = f"{c.nom} ({own[0]})" if own else f"{c.nom} ({c.code})"
        labels.append(base)
    return labels


def describe(d: Directory, choice: Choice) -> str:
    """A candidate's detail line: département name, population, former commune."""
    c = choice.commune
    parts = []
    dep = d.departement_nom(c.departement)
    if dep:
        parts.append(dep)
    if c.population:
        parts.append(f"{c.population:,} habitants".replace(",", "\u202f"))
    return ", ".join(parts)


# -- one directory per database, rebuilt when the database changes -------------------------------

_cache: dict = {}


def directory(conn: sqlite3.Connection) -> Directory | None:
    from .communes import database_key

    k = database_key(conn)
    if k not in _cache:
        if len(_cache) > 4:
            _cache.clear()
        _cache[k] = load_directory(conn)
    return _cache[k]
