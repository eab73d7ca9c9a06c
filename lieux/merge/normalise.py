"""Names and addresses as the matcher compares them: folding, tokens, organisation and kind words,
street types and numbers, SIRET and commune keys. Pure text functions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from stdnum.fr import siret as stdnum_siret

from .thresholds import ADDRESS_MIN

UNKNOWN_PIVOT = "00000000000000"
FRANCE_SERVICES = "France Services"
CONSEILLERS = "Conseillers numériques"
STOPWORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur", "sous"}
# Words that say what kind of organisation runs a place, not which place it is: "COMMUNAUTE DE
# COMMUNES DU PAYS D'HURIEL" and "France services Huriel" name the same counter in Huriel.
GENERIC_NAME_WORDS = {
    "france", "services", "service", "fs", "msap", "maison", "commune", "communes", "communaute",
    "cc", "ca", "cu", "agglomeration", "agglo", "metropole", "pays", "ville", "syndicat", "intercommunal",
    "intercommunale", "public", "publics", "mfs", "departement", "departemental", "departementale", "conseil", "sas", "sarl",
    "association", "asso", "multisites", "municipal", "municipale", "communal", "communale", "efs",
    "bus", "itinerant", "itinerante", "antenne", "siege", "principal", "site",
}
TOWN_HALL_WORDS = {"mairie", "hotel", "ville"}
# Words that name a kind of place: when one name is the other plus one of these words ("Callac"
# vs "Médiathèque de Callac"), the names are NOT taken as the same.
PLACE_TYPE_WORDS = {
    "mediatheque", "bibliotheque", "ludotheque", "ecole", "college", "lycee", "universite", "ehpad",
    "cyber", "cybercentre", "cyberbase", "epn", "fablab", "tiers", "lieu", "cafe", "centre", "social",
    "socioculturel", "caf", "cpam", "mission", "locale", "pole", "emploi", "poste", "mjc", "ccas", "cias",
    "emmaus", "secours", "croix", "atelier", "pij", "bij", "garage", "club", "foyer",
    "residence", "gare", "office", "tourisme", "musee", "salle", "annexe", "quartier", "jeunesse",
    "jeunes", "insertion", "formation", "greta", "afpa", "permanence", "permanences",
}
MOBILE_NAME_WORDS = {"bus", "itinerant", "itinerante", "itinerance", "mobile", "camion"}
STREET_ABBREVIATIONS = {
    "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "boul": "boulevard",
    "pl": "place", "r": "rue", "rte": "route", "chem": "chemin", "che": "chemin", "ch": "chemin", "all": "allee",
    "imp": "impasse", "fg": "faubourg", "fbg": "faubourg", "st": "saint", "ste": "sainte",
    "sq": "square", "crs": "cours", "pass": "passage", "prom": "promenade", "qu": "quai",
    "res": "residence", "lot": "lotissement", "hlm": "hlm", "mal": "marechal", "gal": "general",
    "gen": "general", "pdt": "president", "dr": "docteur", "prof": "professeur", "esp": "esplanade",
    "za": "zone", "zi": "zone", "zac": "zone", "lieudit": "lieu-dit", "bis": "bis", "ter": "ter",
}
# Paris, Lyon and Marseille: arrondissement codes belong to their commune.
ARRONDISSEMENTS = (("751", "75056"), ("6938", "69123"), ("132", "13055"))


def fold(text) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces."""
    if text is None:
        return ""
    return _fold(str(text))


@lru_cache(maxsize=200_000)
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


SAINTS = {"st": "saint", "ste": "sainte"}


# Long forms written as their acronym, so that "Centre communal d'action sociale" is "CCAS"
ACRONYMS = {
    ("centre", "communal", "action", "sociale"): "ccas", ("centre", "intercommunal", "action", "sociale"): "cias",
}


def name_tokens(name) -> list[str]:
    tokens = [SAINTS.get(t, t) for t in fold(name).split() if t not in STOPWORDS]
    for phrase, acronym in ACRONYMS.items():
        n = len(phrase)
        i = 0
        while i + n <= len(tokens):
            if tuple(tokens[i:i + n]) == phrase:
                tokens[i:i + n] = [acronym]
            i += 1
    return tokens


def name_with_commune(name, commune) -> str:
    """A name made only of organisation or town hall words names that place in its commune:
    "Mairie" at Sucy-en-Brie is "Mairie Sucy-en-Brie", as "COMMUNE DE SUCY EN BRIE" is."""
    if name and set(name_tokens(name)) <= GENERIC_NAME_WORDS | TOWN_HALL_WORDS:
        return f"{name} {commune or ''}"
    return name


def name_core(name) -> str:
    """A name without its organisation words ("Communauté de communes du pays de X" → "x")."""
    tokens = name_tokens(name)
    core = [t for t in tokens if t not in GENERIC_NAME_WORDS]
    return " ".join(core or tokens)


def is_acronym_of(word: str, name: str) -> bool:
    """"apor" for "Association pour l'orientation et le reclassement", "ccas" for "Centre communal
    d'action sociale": the initials of consecutive words (stop words aside), four letters at least."""
    if len(word) < 4 or not word.isalpha():
        return False
    tokens = name_tokens(name)
    return len(tokens) >= len(word) and word in "".join(t[0] for t in tokens) and word not in tokens


ORDINAL_WORDS = {"premier": "1", "premiere": "1", "deuxieme": "2", "second": "2", "seconde": "2", "troisieme": "3",
                 "quatrieme": "4", "cinquieme": "5", "sixieme": "6", "septieme": "7", "huitieme": "8",
                 "neuvieme": "9", "dixieme": "10",
                 # dates in street names: "place du Huit Mai 1945" = "place du 8 mai"
                 "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "six": "6", "sept": "7", "huit": "8",
                 "neuf": "9", "dix": "10", "onze": "11", "douze": "12", "treize": "13", "quatorze": "14",
                 "quinze": "15", "seize": "16", "vingt": "20", "trente": "30"}
ROMAN_ORDINAL = re.compile(r"([ivx]+)(eme|er|ere)")
ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def ordinal(token: str) -> str:
    """"cinquieme", "veme" and "5eme" are "5" (place de la Cinquième / Vème République), "huit" is "8"."""
    if token in ORDINAL_WORDS:
        return ORDINAL_WORDS[token]
    if m := re.fullmatch(r"(\d+)(eme|er|ere)", token):
        return m.group(1)
    if m := ROMAN_ORDINAL.fullmatch(token):
        values = [ROMAN_VALUES[c] for c in m.group(1)]
        return str(sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)))
    return token


def normalise_address(address) -> str:
    """"8e Av. du Maréchal Lyautey" → "8 avenue marechal lyautey": no bis/ter, no stop words, no abbreviations,
    ordinals as numbers."""
    text = re.sub(r"\b(\d+)\s*(bis|ter|quater|[a-e])\b", r"\1", fold(address))
    tokens = [ordinal(STREET_ABBREVIATIONS.get(t, t)) for t in text.split()]
    return " ".join(t for t in tokens if t not in STOPWORDS and t not in ("bis", "ter", "quater"))


def house_number(normalised_address: str) -> str | None:
    """The number before the street type ("mairie 1 rue marx dormoy" → "1"), else a leading number."""
    tokens = normalised_address.split()
    for before, token in zip(tokens, tokens[1:]):
        if token in STREET_TYPES and before.isdigit():
            return before
    m = re.match(r"(\d+)", normalised_address)
    return m.group(1) if m else None


STREET_TYPES = {"rue", "avenue", "boulevard", "place", "route", "chemin", "allee", "impasse", "square", "cours",
                "quai", "passage", "promenade", "esplanade", "faubourg", "lotissement"}


def street(normalised_address: str) -> str:
    """The street of an address without its number nor its type: "8 avenue felix eboue" → "felix eboue".

    Sources disagree on the type ("12 av. Félix Éboué" / "12 rue du Gouverneur Félix Éboué").
    """
    tokens = re.sub(r"^\d+\s*", "", normalised_address).split()
    return " ".join(t for t in tokens if t not in STREET_TYPES) or " ".join(tokens)


def street_type(normalised_address: str) -> str | None:
    """"12 avenue felix eboue" → "avenue"; None when the address does not say."""
    return next((t for t in normalised_address.split() if t in STREET_TYPES), None)


def address_relation(a: str, b: str) -> tuple[str, float]:
    """How two normalised addresses relate, and how alike their streets are (0-100).

    "meme"        same street, same house number (or neither has one);
    "compatible"  same street, only one of them has a number;
    "meme-rue"    same street, different numbers;
    "differente"  otherwise, or an address is missing.
    Streets are compared word-set-wise ("8 place Maréchal de Lattre de Tassigny" and "8 pl Mal de
    Tassigny" share their street); a one-word street must be spelled the same. Two types of street
    are two streets ("place Jean Jaurès", "avenue Jean Jaurès"), unless the house numbers agree
    ("12 av. Félix Éboué", "12 rue du Gouverneur Félix Éboué": a typing slip).
    """
    if not a or not b:
        return "differente", 0.0
    sa, sb = street(a), street(b)
    if sa == sb:
        score = 100.0
    elif min(len(re.sub(r"^\d+\s*", "", x).split()) for x in (a, b)) < 2:  # "mairie" vs "place mairie": too short
        return "differente", float(fuzz.ratio(sa, sb))
    else:
        score = float(fuzz.token_set_ratio(sa, sb))
    if score < ADDRESS_MIN:
        return "differente", score
    na, nb = house_number(a), house_number(b)
    types = street_type(a), street_type(b)
    if None not in types and types[0] != types[1] and not (na and na == nb):
        return "differente", score  # "place Jean Jaurès" is not "18 avenue Jean Jaurès"
    if na == nb:
        return "meme", score
    if na is None or nb is None:
        return "compatible", score
    return "meme-rue", score


def address_same(a: str, b: str) -> tuple[bool, float]:
    """Whether two normalised addresses can name the same door (same street, no conflicting number)."""
    relation, score = address_relation(a, b)
    return relation in ("meme", "compatible"), score


def valid_siret(value) -> str | None:
    if not value or value == UNKNOWN_PIVOT:
        return None
    value = re.sub(r"\s", "", str(value))
    return value if stdnum_siret.is_valid(value) else None


def commune_code(code_insee) -> str | None:
    if not code_insee:
        return None
    for prefix, code in ARRONDISSEMENTS:
        if code_insee.startswith(prefix) and code_insee != code:
            return code
    return code_insee


def commune_name(name) -> str:
    folded = fold(name).replace("saint ", "st ").replace("sainte ", "ste ")
    return re.sub(r"\b(cedex|arrondissement|\d+(er|e|eme)?)\b", "", folded).replace(" ", "")
