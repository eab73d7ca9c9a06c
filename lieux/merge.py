"""Merging the lieux of every source: one row per place, its provenance, an audit trail, stable ids.

Pure functions, no I/O. The build calls `merge(lieux, previous, priorities)` once every source
is read, mapped, validated and geocoded; `link_to_lieux(rows, lieux)` links other entities
(structures hosting conseillers numériques, fabriques) to the merged lieux.

Matching (`match_pair`) compares two rows of the same commune — never across communes — and
fires the first rule that holds (thresholds below, in one place):

  identifiant        two vintages of one list (an older one names the current one in its
                     descriptor's `vintage_of`) give the same row id: the producer's own identifier
                     (France Services' matricule) names one place in every vintage; two ids of two
                     vintages are two places unless rule `adresse` holds (a renumbered place);
  doublon            same source, same normalised name and same normalised address, or the same
                     address and a contact in common (a list that repeats a place; a cannot-link
                     otherwise keeps two rows of one source apart); never two mobile places;
  siret              same valid SIRET (pivot 00000000000000 means unknown) AND names of similarity
                     ≥ NAME_MIN_SIRET, or — unless only one name says what kind of place it is (a
                     library of the commune) — the same address or SIRET_NEAR_M metres apart: a
                     SIRET shared by several sites is not enough on its own;
  adresse            same normalised address (or addresses of similarity ≥ ADDRESS_MIN with the
                     same house number) and names of similarity ≥ NAME_MIN_ADDRESS;
  adresse-programme  same door and a national programme in common, or a place and the host
                     structure of a conseiller numérique at its door; or the same street,
                     SAME_DOOR_M apart, and a programme in common; or two France Services at the
                     same numberless address (but an older vintage's, which it may have left);
  contact            a telephone or e-mail in common at the same door; or one of their own contacts
                     (see mark_own_contacts) and the same street or NEAR_M; or their own telephone
                     AND e-mail anywhere in the commune (one reception, that moved);
  adresse-mot        same door and a proper name in common: a word at most RARE_WORD_ROWS names
                     have, or one name is the other's acronym;
  adresse-genre      same door (street and house number) and names that say the same kind of place
                     ("Médiathèque François Mitterrand" and "Médiathèque d'Ambès");
  proximite          at most NEAR_M metres apart and names of similarity ≥ NAME_MIN_NEAR, every
                     word counting but the commune's, unless a name is only the commune's.

A mobile place (itinerance Itinérant only, or "bus"/"itinérant(e)" in its name) merges only with
another mobile place: a bus based at a town hall is not the town hall's counter.

Clustering: accepted pairs are applied best score first (union-find); a merge is refused when
both groups already hold a row of the same source (rule `doublon` excepted), because a
producer that lists two rows means two places. Refused merges are kept in `fusions` too.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from rapidfuzz import fuzz
from stdnum.fr import siret as stdnum_siret

from . import schemas

# ---------------------------------------------------------------------------------------------
# Thresholds: the one place where the matcher's behaviour is tuned (see README, « Fusion »).
# Similarities are rapidfuzz scores from 0 to 100; distances are in metres.
NAME_MIN_ADDRESS = 80     # same address: names at least this similar
NAME_MIN_NEAR = 85        # no shared address: names at least this similar ...
NEAR_M = 90               # ... and at most this far apart
NAME_MIN_SIRET = 60       # same SIRET, no shared address and not close: names at least this similar
SIRET_NEAR_M = 150        # same SIRET: this close counts as the same site
SAME_DOOR_M = 30          # same street, another house number, this close: the same door (geocoding noise)
ADDRESS_MIN = 90          # two addresses this similar, with the same house number, are the same
RARE_WORD_ROWS = 5        # a name word this few rows have is a proper name (rule adresse-mot)
KIND_PENALTY = 0.8        # names of which only one says the kind of place (médiathèque, MJC...): score × this
GRID_M = 100              # blocking grid: cells at least this wide (more than NEAR_M) up to 52° of latitude
# ---------------------------------------------------------------------------------------------

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


def kinds_of(p: Prepared) -> set:
    """The words of a name that say what kind of place it is (médiathèque, MJC...)."""
    return set(p.core.split()) & PLACE_TYPE_WORDS


def one_names_its_kind(a: Prepared, b: Prepared) -> bool:
    """Only one of the names says what kind of place it is ("Bibliothèque Méjanes", "Commune d'Aix")."""
    kinds_a, kinds_b = kinds_of(a), kinds_of(b)
    return kinds_a != kinds_b and not (kinds_a and kinds_b)


def is_acronym_of(word: str, name: str) -> bool:
    """"apor" for "Association pour l'orientation et le reclassement", "ccas" for "Centre communal
    d'action sociale": the initials of consecutive words (stop words aside), four letters at least."""
    if len(word) < 4 or not word.isalpha():
        return False
    tokens = name_tokens(name)
    return len(tokens) >= len(word) and word in "".join(t[0] for t in tokens) and word not in tokens


def share_a_proper_name(a: Prepared, b: Prepared) -> bool:
    """Both names have a word few names have, the street's words aside ("ASS LAIQUE ... ALCIDE" and
    "Association ALCIDE Centre socioculturel"), or one name has the other's acronym ("OSPA")."""
    if (a.rare_words & b.rare_words) - set(a.address.split()) - set(b.address.split()):
        return True
    return any(is_acronym_of(w, y.name) for x, y in ((a, b), (b, a)) for w in name_tokens(x.name))


def strict_names_similarity(a: Prepared, b: Prepared) -> float:
    """0-100: like names_similarity, but every word counts (order does not), except the commune's name,
    which both share ("CC Cœur de Garonne" and "France services de Cazères - CC Cœur de Garonne")."""
    ca, cb = (" ".join(t for t in p.core.split() if t not in p.commune_words) or p.core for p in (a, b))
    if ca.replace(" ", "") == cb.replace(" ", ""):
        return 100.0
    return float(fuzz.token_sort_ratio(ca, cb))


def names_similarity(a: Prepared, b: Prepared) -> float:
    """0-100: how alike two names are once their organisation words are set aside.

    Token-set similarity forgives word order and extra words ("France services de Montargis" and
    "PIMMS de Montargis"), and "socio culturel" is "socioculturel"; but when only one of the names
    says what kind of place it is ("Callac" and "Médiathèque de Callac", "MJC de Montluçon" and
    "France services Montluçon"), word order counts and the score is scaled by KIND_PENALTY.
    """
    ca, cb = a.core, b.core
    if not ca or not cb:
        return 0.0
    ta, tb = set(ca.split()), set(cb.split())
    if ta == tb or ca.replace(" ", "") == cb.replace(" ", ""):
        return 100.0
    if one_names_its_kind(a, b):
        return float(fuzz.token_sort_ratio(ca, cb)) * KIND_PENALTY
    return float(fuzz.token_set_ratio(ca, cb))


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


def haversine_m(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(min(1.0, h)))


@dataclass
class Prepared:
    """What the matcher compares, computed once per row."""

    index: int
    source: str
    liste: str                    # the source, or the list it is a vintage of (descriptor `vintage_of`)
    key: str                      # the source row id (the per-source `id`)
    ligne: int | None
    insee: str | None
    postcode: str | None
    commune: str
    name: str
    address: str
    siret: str | None
    lat: float | None
    lon: float | None
    mobility: str | None          # "itinerant" (by itinerance or by name), "fixe" or None (unknown)
    core: str = ""                        # name_core(name)
    commune_words: frozenset = frozenset()  # name_tokens(commune)
    programmes: frozenset = frozenset()   # dispositif_programmes_nationaux
    name_is_commune: bool = False         # the name, without organisation words, is the commune's name
    contacts: frozenset = frozenset()     # telephone and e-mails
    own_contacts: frozenset = frozenset() # those no row of another commune gives (see mark_own_contacts)
    rare_words: frozenset = frozenset()   # words of the name few rows have (see mark_rare_words)

    @property
    def commune_block(self) -> str:
        return self.commune or (self.postcode or "")


def prepare(index: int, row: dict, liste: str | None = None) -> Prepared:
    itinerance = set(row.get("itinerance") or [])
    mobility = None
    if itinerance == {"Itinérant"} or MOBILE_NAME_WORDS & set(fold(row.get("nom")).split()):
        mobility = "itinerant"
    elif itinerance == {"Fixe"}:
        mobility = "fixe"
    lat, lon = row.get("latitude"), row.get("longitude")
    return Prepared(
        index=index, source=row.get("_source", ""), liste=liste or row.get("_source", ""), key=str(row.get("id")),
        ligne=row.get("_ligne"),
        insee=commune_code(row.get("code_insee")), postcode=row.get("code_postal"),
        commune=commune_name(row.get("commune")), name=row.get("nom") or "",
        address=normalise_address(row.get("adresse")), siret=valid_siret(row.get("pivot")),
        lat=float(lat) if lat is not None else None, lon=float(lon) if lon is not None else None,
        mobility=mobility, programmes=programmes_of(row),
        core=(core := name_core(name_with_commune(row.get("nom"), row.get("commune")))),
        commune_words=(commune_words := frozenset(name_tokens(row.get("commune")))),
        name_is_commune=set(core.split()) <= commune_words,
        contacts=(contacts := contacts_of(row)), own_contacts=contacts,
    )


def contacts_of(row: dict) -> frozenset:
    """The telephone (already E.164) and the e-mails (lower case) of a row."""
    emails = row.get("courriels") or ()
    if isinstance(emails, str):
        emails = [emails]
    return frozenset({row["telephone"]} if row.get("telephone") else set()) | {e.strip().lower() for e in emails if e}


def mark_rare_words(prepared: list[Prepared]) -> None:
    """The words of each name that at most RARE_WORD_ROWS rows have in theirs, the commune's and the
    organisation words aside: a proper name ("ALCIDE", "OSPA"), not a common word ("numérique", "Jean")."""
    counts = defaultdict(int)
    for p in prepared:
        for w in set(p.core.split()):
            counts[w] += 1
    for p in prepared:
        p.rare_words = frozenset(w for w in p.core.split() if counts[w] <= RARE_WORD_ROWS and len(w) >= 3
                                 and w not in p.commune_words and w not in PLACE_TYPE_WORDS and not w.isdigit())


def both_telephone_and_email(contacts: frozenset) -> bool:
    return any(c.startswith("+") for c in contacts) and any("@" in c for c in contacts)


def shared_contacts(a: Prepared, b: Prepared, same_door) -> frozenset:
    """At one door any contact in common says one reception; elsewhere only their own contacts do."""
    return a.contacts & b.contacts if same_door else a.own_contacts & b.own_contacts


def mark_own_contacts(prepared: list[Prepared]) -> None:
    """A place's own contacts are those of one commune: a number or an address that rows of several
    communes give belongs to a person or a network serving several places (a conseiller numérique on
    tour, a centre social's antennas, a département's help line), not to one door; at one door it
    still says one reception."""
    communes = defaultdict(set)
    for p in prepared:
        for c in p.contacts:
            communes[c].add(p.insee or p.commune_block)
    for p in prepared:
        p.own_contacts = frozenset(c for c in p.contacts if len(communes[c]) == 1)


# A name that says France Services, or its predecessor label "maison de services au public" (MSAP,
# renamed France Services from 2020), is a France Services for matching, whatever the list declares.
FRANCE_SERVICES_NAME = re.compile(r"\b(france services?|msap|mfs|maisons? (de |des )?services? (au|aux) publics?)\b")


def programmes_of(row: dict) -> frozenset:
    programmes = set(row.get("dispositif_programmes_nationaux") or ())
    if FRANCE_SERVICES_NAME.search(fold(row.get("nom"))):
        programmes.add(FRANCE_SERVICES)
    return frozenset(programmes)


def same_commune(a: Prepared, b: Prepared) -> bool:
    """Commune codes when both have one, else postcode and commune name."""
    if a.insee and b.insee:
        return a.insee == b.insee
    return bool(a.postcode) and a.postcode == b.postcode and bool(a.commune) and a.commune == b.commune


@dataclass(frozen=True)
class Match:
    rule: str                     # a key of RULE_ORDER
    score: float                  # 0-100, the evidence that decided (name similarity mostly)
    distance_m: float | None
    name_similarity: float
    address_similarity: float


def match_pair(a: Prepared, b: Prepared) -> Match | None:
    """The rule that makes a and b the same place, or None. Never across communes."""
    if not same_commune(a, b):
        return None
    if a.liste == b.liste and a.key == b.key and a.source != b.source:
        return Match("identifiant", 100.0, None, 100.0, 100.0)
    if (a.mobility == "itinerant") != (b.mobility == "itinerant"):
        return None
    distance = haversine_m(a.lat, a.lon, b.lat, b.lon) if None not in (a.lat, a.lon, b.lat, b.lon) else None
    close = distance is not None and distance <= NEAR_M
    very_close = distance is not None and distance <= SAME_DOOR_M
    names = names_similarity(a, b)
    relation, addresses = address_relation(a.address, b.address)
    same_address = relation in ("meme", "compatible")
    same_door = relation == "meme" and house_number(a.address)
    if a.source == b.source:  # a list that repeats a place: same name and address, or one door and one contact
        # (but two buses of one base share its telephone)
        one_contact = a.mobility != "itinerant" and same_address and shared_contacts(a, b, same_door)
        if one_contact or (set(a.core.split()) == set(b.core.split()) and a.address and a.address == b.address
                           and (distance is None or distance <= SIRET_NEAR_M)):
            return Match("doublon", 100.0, distance, names, addresses)
        return None
    if a.liste == b.liste:  # two vintages, two ids: a renumbered place still has its name and address
        return Match("adresse", names, distance, names, addresses) if same_address and names >= NAME_MIN_ADDRESS else None
    if a.siret and a.siret == b.siret:
        # a site named for what it is ("Bibliothèque Méjanes") is not its organisation ("Commune d'Aix") by place alone
        same_site = same_address or (distance is not None and distance <= SIRET_NEAR_M)
        if names >= NAME_MIN_SIRET or (same_site and not one_names_its_kind(a, b)):
            return Match("siret", max(names, addresses), distance, names, addresses)
    if same_address and names >= NAME_MIN_ADDRESS:
        return Match("adresse", names, distance, names, addresses)
    host_of_a_conseiller = CONSEILLERS in a.programmes | b.programmes
    if (same_door and host_of_a_conseiller) \
            or ((same_door or (same_address and close) or (relation == "meme-rue" and very_close))
                and a.programmes & b.programmes) \
            or (same_address and FRANCE_SERVICES in a.programmes & b.programmes
                and a.source == a.liste and b.source == b.liste):  # one France Services a street (not an old address)
        return Match("adresse-programme", addresses, distance, names, addresses)
    # one door and one contact; or one street (or NEAR_M) and one of their own contacts; or, anywhere in
    # the commune, the same own telephone AND e-mail: the same reception that moved or that two lists place
    # differently
    shared = shared_contacts(a, b, same_door)
    if shared and (same_door or relation != "differente" or close or both_telephone_and_email(shared)):
        return Match("contact", addresses, distance, names, addresses)
    if same_door and share_a_proper_name(a, b) and not (kinds_of(a) and kinds_of(b) and kinds_of(a) != kinds_of(b)):
        return Match("adresse-mot", addresses, distance, names, addresses)
    if same_door and kinds_of(a) and kinds_of(a) == kinds_of(b):
        return Match("adresse-genre", names, distance, names, addresses)
    # no address in common: the names must say the same, a name inside a longer one is not enough
    # ("Communauté de communes du Diois" and "Accorderie du Pays Diois")
    if close and not (a.name_is_commune or b.name_is_commune):
        strict = strict_names_similarity(a, b)
        if strict >= NAME_MIN_NEAR:
            return Match("proximite", strict, distance, names, addresses)
    return None


METRES_PER_DEGREE = 111_195
GRID_LAT_DEG = GRID_M / METRES_PER_DEGREE
GRID_LON_DEG = GRID_M / (METRES_PER_DEGREE * math.cos(math.radians(52)))  # Dunkirk is at 51.0°


def grid_cell(lat: float, lon: float) -> tuple[int, int]:
    """Two points at most GRID_M apart are in the same or neighbouring cells."""
    return math.floor(lat / GRID_LAT_DEG), math.floor(lon / GRID_LON_DEG)


def candidate_pairs(prepared: list[Prepared]):
    """Pairs worth comparing (blocking); every pair match_pair can accept (a test checks it):
    same commune and same address or same house number; a street that may contain the other's (one
    address without a number); same SIRET, contact or row id; neighbouring grid cells.

    Each pair (i, j) with i < j is yielded once.
    """
    seen = set()
    for pair in chain(shared_key_pairs(prepared), street_pairs(prepared), grid_pairs(prepared)):
        pair = (pair[0], pair[1]) if pair[0] < pair[1] else (pair[1], pair[0])
        if pair[0] != pair[1] and pair not in seen:
            seen.add(pair)
            yield pair


def commune_key(p: Prepared) -> str:
    return p.insee or p.postcode or p.commune_block


def shared_key_pairs(prepared: list[Prepared]):
    """Rows of one commune with the same address or house number; rows with the same SIRET, contact or id."""
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for p in prepared:
        if p.address:  # address buckets are bounded by the commune (one commune, several postcodes)
            buckets[("adresse", commune_key(p), p.address)].append(p.index)
            if number := house_number(p.address):  # near-identical spellings of one address share its number
                buckets[("numero", commune_key(p), number)].append(p.index)
        if p.siret:
            buckets[("siret", p.siret)].append(p.index)
        for contact in p.own_contacts:
            buckets[("contact", contact)].append(p.index)
        buckets[("identifiant", p.key)].append(p.index)
    for members in buckets.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield members[x], members[y]


def street_pairs(prepared: list[Prepared]):
    """An address without a number is "compatible" with any address of its street, and streets match
    word-set-wise (a street inside another, a word misspelt): a numberless address is paired with every
    address of its commune that has one of its street's words; a numbered one with the numberless
    addresses that have its street's rarest word (the larger street has every word of the smaller)."""
    words: dict[tuple, list[int]] = defaultdict(list)             # (commune, street word) → rows
    numberless_words: dict[tuple, list[int]] = defaultdict(list)  # the same, rows without a house number
    for p in prepared:
        for word in set(street(p.address).split()):
            words[(commune_key(p), word)].append(p.index)
            if not house_number(p.address):
                numberless_words[(commune_key(p), word)].append(p.index)
    for p in prepared:
        street_words, commune = set(street(p.address).split()), commune_key(p)
        if not street_words:
            continue
        if house_number(p.address):
            rarest = min(street_words, key=lambda w: (len(words[(commune, w)]), w))
            others = numberless_words.get((commune, rarest), ())
        else:
            others = {j for w in street_words for j in words[(commune, w)]}
        for j in others:
            yield p.index, j


def grid_pairs(prepared: list[Prepared]):
    """Rows in the same or neighbouring cells of the grid (GRID_M)."""
    grid: dict[tuple, list[int]] = defaultdict(list)
    for p in prepared:
        if p.lat is not None and p.lon is not None:
            grid[grid_cell(p.lat, p.lon)].append(p.index)
    for (gy, gx), members in grid.items():
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for i in members:
                    for j in grid.get((gy + dy, gx + dx), ()):
                        if i < j:
                            yield i, j


def find_matches(rows: list[dict], lists: dict | None = None) -> list[tuple[int, int, Match]]:
    """Every matching pair of rows (indexes into rows), best first: rule, score, then strict name similarity.
    `lists` as in merge()."""
    lists = lists or {}
    prepared = [prepare(i, r, lists.get(r.get("_source"))) for i, r in enumerate(rows)]
    mark_own_contacts(prepared)
    mark_rare_words(prepared)
    found = []
    for i, j in candidate_pairs(prepared):
        m = match_pair(prepared[i], prepared[j])
        if m:
            found.append((-RULE_ORDER[m.rule], -m.score, -strict_names_similarity(prepared[i], prepared[j]), i, j, m))
    # ties go to the names that say the same with every word ("MSAP Semur-en-Auxois" before
    # "Espace numérique Côte-d'Or de Semur-en-Auxois" for "Semur-en-Auxois")
    found.sort(key=lambda t: t[:5])
    return [(i, j, m) for *_, i, j, m in found]


RULE_ORDER = {"identifiant": 8, "doublon": 7, "siret": 6, "adresse": 5, "adresse-programme": 4, "contact": 3,
              "adresse-mot": 2, "adresse-genre": 2, "proximite": 1}


# --- Merging ---------------------------------------------------------------------------------

SINGLE_GROUPS = (
    ("adresse", "complement_adresse", "code_postal", "commune", "code_insee"),
    ("latitude", "longitude"),
)


def rank_key(row: dict, priorities: dict) -> tuple:
    """Best row first: most recent date_maj, then higher descriptor priority, then source and line."""
    date = str(row.get("date_maj") or "")
    return (_desc(date), -priorities.get(row.get("_source"), 50), row.get("_source") or "", row.get("_ligne") or 0)


def _desc(text: str) -> tuple:
    return tuple(-ord(c) for c in text) + (0,)


def fingerprint(row: dict) -> str:
    """A content key for a source row: its name and commune, normalised (finds renumbered rows)."""
    place = commune_code(row.get("code_insee")) or row.get("code_postal")
    return hashlib.sha1(f"{fold(row.get('nom'))}|{place}|{commune_name(row.get('commune'))}".encode()).hexdigest()[:16]


@dataclass
class Decision:
    a: int
    b: int
    match: Match
    accepted: bool
    reason: str | None = None


@dataclass
class MergeResult:
    lieux: list[dict]
    fusions: list[dict] = field(default_factory=list)
    provenance: list[dict] = field(default_factory=list)
    superseded: list[dict] = field(default_factory=list)  # rows of an older vintage that the current one drops

    def __iter__(self):  # lieux, fusions, provenance = merge(...)
        return iter((self.lieux, self.fusions, self.provenance))


def cluster(rows: list[dict], matches, refused_pairs=frozenset()) -> tuple[list[list[int]], list[Decision]]:
    """Union-find over the matches, best first, with the one-row-per-source constraint."""
    parent = list(range(len(rows)))
    sources = [{rows[i].get("_source")} for i in range(len(rows))]

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    decisions = []
    for i, j, m in matches:
        keys = frozenset((member_key(rows[i]), member_key(rows[j])))
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if keys in refused_pairs:
            decisions.append(Decision(i, j, m, False, "fusion annulée par un relecteur"))
            continue
        if m.rule != "doublon" and sources[ri] & sources[rj]:
            decisions.append(Decision(i, j, m, False, "les deux groupes ont déjà une ligne de la même source"))
            continue
        parent[rj] = ri
        sources[ri] |= sources[rj]
        decisions.append(Decision(i, j, m, True))
    groups = defaultdict(list)
    for i in range(len(rows)):
        groups[find(i)].append(i)
    return [sorted(g) for g in groups.values()], decisions


def member_key(row: dict) -> tuple[str, str]:
    return (row.get("_source") or "", str(row.get("id")))


INTERNAL_KEYS = {"_source", "_ligne", "_sources", "_membres"}  # set by merge_group itself


def merge_group(rows: list[dict], priorities: dict) -> tuple[dict, list[dict]]:
    """One lieu from the rows of one place, and its provenance (field, source, key, line)."""
    multi = set(schemas.multi_valued(schemas.LIEUX))
    ranked = sorted(rows, key=lambda r: rank_key(r, priorities))
    lieu, provenance = {}, []

    def note(champ, r):
        provenance.append({"champ": champ, "source": r["_source"], "cle": str(r.get("id")), "ligne": r.get("_ligne")})

    grouped = {f for g in SINGLE_GROUPS for f in g}
    placed = None  # the row that gives the coordinates
    for group in SINGLE_GROUPS:
        best = next((r for r in ranked if r.get(group[0]) not in (None, "", [])), None)
        for f in group:
            lieu[f] = best.get(f) if best else None
            if best and lieu[f] not in (None, "", []):
                note(f, best)
        if group[0] == "latitude":
            placed = best
    # Internal keys of earlier steps (the geography step's `_geo`: département, région, qualite_geo,
    # hub) describe where a row was placed: they come with the coordinates, else from the best row.
    for r in [placed] * bool(placed) + ranked:
        for k, v in r.items():
            if k.startswith("_") and k not in INTERNAL_KEYS and k not in lieu:
                lieu[k] = v
    keys = []
    for r in ranked:
        for k in r:
            if k not in keys and not k.startswith("_") and k != "id" and k not in grouped:
                keys.append(k)
    for k in keys:
        if k in multi:
            values = []
            for r in ranked:
                vals = r.get(k) or []
                if vals:
                    note(k, r)
                for v in vals:
                    if v not in values:
                        values.append(v)
            lieu[k] = values or None
        else:  # an unknown pivot (00000000000000) gives way to a known SIRET
            best = next((r for r in ranked if r.get(k) not in (None, "", [], UNKNOWN_PIVOT if k == "pivot" else None)),
                        None) or next((r for r in ranked if r.get(k) not in (None, "", [])), None)
            lieu[k] = best.get(k) if best else None
            if best:
                note(k, best)
    lieu["_source"] = ranked[0]["_source"]
    lieu["_ligne"] = ranked[0].get("_ligne")
    lieu["_sources"] = sorted({r["_source"] for r in rows}, key=lambda s: (-priorities.get(s, 50), s))
    lieu["_membres"] = [{"source": r["_source"], "cle": str(r.get("id")), "ligne": r.get("_ligne"),
                         "empreinte": fingerprint(r)} for r in sorted(rows, key=member_key)]
    return lieu, provenance


def representative(rows: list[dict], priorities: dict) -> dict:
    """The row that names a new lieu: highest descriptor priority, then smallest source key."""
    return min(rows, key=lambda r: (-priorities.get(r.get("_source"), 50), r.get("_source") or "", str(r.get("id"))))


def previous_ids(members, ids) -> dict:
    """What `assign_ids` reads of a previous build, from its members (lieu id, source, cle, fingerprint)
    and its lieu ids: "by_key" maps (source, cle) to (lieu id, fingerprint); "by_fingerprint" maps
    (source, fingerprint) to [((source, cle), lieu id)]; "ids" lists every lieu id."""
    by_key, by_fingerprint = {}, {}
    for lieu_id, source, cle, empreinte in members:
        by_key[(source, cle)] = (lieu_id, empreinte)
        by_fingerprint.setdefault((source, empreinte), []).append(((source, cle), lieu_id))
    return {"by_key": by_key, "by_fingerprint": by_fingerprint, "ids": list(ids)}


def previous_of(lieux: list[dict]) -> dict:
    """`previous_ids` of merged lieux still in memory (what the next build would read from the database)."""
    return previous_ids(((l["id"], m["source"], m["cle"], m["empreinte"]) for l in lieux for m in l["_membres"]),
                        (l["id"] for l in lieux))


def assign_ids(groups: list[list[dict]], previous: dict, priorities: dict, lists: dict | None = None) -> list[str]:
    """Stable ids (README, « Identifiants stables »).

    1. A group whose rows were members of a lieu of the previous build keeps that lieu's id: each
       row votes for the lieu of the previous row it continues (`previous_lieu_of`). An id goes
       to the group with most votes; a lieu that split keeps its id in its larger part.
    2. Any other group takes the source row id of its representative row (highest descriptor
       priority, then smallest source and row id), e.g. `france-services-4`; if that id is
       already taken, `--2`, `--3`... is appended.
    """
    lists = lists or {}
    in_lists = set(lists) | set(lists.values())  # the sources of which a vintage is in the build
    by_list_key = {(lists.get(s, s), c): v for (s, c), v in previous.get("by_key", {}).items() if s in in_lists}
    still_here = {(member_key(r), fingerprint(r)) for g in groups for r in g}
    candidates = []
    for gi, group in enumerate(groups):
        votes = defaultdict(int)
        for r in group:
            if found := previous_lieu_of(r, previous, by_list_key, still_here, lists):
                votes[found[0]] += found[1]
        named_after = str(representative(group, priorities).get("id"))
        for old_id, n in votes.items():  # ties: the larger group, then the id the group would be named after
            candidates.append((-n, -len(group), old_id != named_after, old_id, gi))
    candidates.sort()
    ids: list[str | None] = [None] * len(groups)
    used = set()
    for *_, old_id, gi in candidates:
        if ids[gi] is None and old_id not in used:
            ids[gi] = old_id
            used.add(old_id)
    reserved = used | set(previous.get("ids", ()))
    for gi, group in enumerate(groups):
        if ids[gi] is None:
            base = str(representative(group, priorities).get("id"))
            new, n = base, 1
            while new in reserved:
                n += 1
                new = f"{base}--{n}"
            ids[gi] = new
            reserved.add(new)
    return ids


def previous_lieu_of(row: dict, previous: dict, by_list_key: dict, still_here: set, lists: dict
                     ) -> tuple[str, int] | None:
    """The previous build's lieu that this row continues, with the weight of its vote (2 sure, 1 likely).

    A row continues the previous row with the same source and source row id (or, for a vintage
    of a list, the same id in that list) when both have the same fingerprint (name and commune).
    A source row id is not always the producer's: for a list without ids it is the row number,
    which a new vintage shifts. So when the fingerprints differ, the row continues the previous
    row of its source with its fingerprint, if that row is not still here under its own id;
    failing that, the previous row with its id, at weight 1 (a place renamed or moved).
    """
    key, print_ = member_key(row), fingerprint(row)
    old = previous.get("by_key", {}).get(key) or by_list_key.get((lists.get(key[0], key[0]), key[1]))  # see assign_ids
    if old and old[1] == print_:
        return old[0], 2
    for old_key, old_id in previous.get("by_fingerprint", {}).get((key[0], print_), []):
        if (old_key, print_) not in still_here:
            return old_id, 2
    return (old[0], 1) if old else None


def merge(lieux: list[dict], previous: dict | None = None, priorities: dict | None = None,
          refused_pairs=frozenset(), lists: dict | None = None) -> MergeResult:
    """One lieu per place: `lieux, fusions, provenance = merge(rows, previous, priorities)`.

    `rows` carry `_source` and `_ligne`; `previous` is what `load.read_previous_ids` read from
    the database being replaced (empty on a first build); `priorities` maps source ids to their
    descriptor priority; `refused_pairs` holds frozensets of two (source, source row id) that a
    reviewer has said are different places; `lists` maps a source that is an older vintage of
    another list to that list's id (descriptor `vintage_of`).

    A place known only from older vintages of a list whose current vintage is in the build is
    not a lieu: the producer no longer lists it (closed, renumbered, or moved to another commune).
    Its rows are returned in `superseded`, for the build to record why they are left out.
    """
    previous = previous or {}
    priorities = priorities or {}
    lists = lists or {}
    matches = find_matches(lieux, lists)
    groups, decisions = cluster(lieux, matches, refused_pairs)
    groups.sort(key=lambda g: g[0])
    present = {r.get("_source") for r in lieux}
    outdated = {s for s, current in lists.items() if current in present}
    is_superseded = [all(lieux[i].get("_source") in outdated for i in g) for g in groups]
    superseded = [g for g, gone in zip(groups, is_superseded) if gone]
    groups = [g for g, gone in zip(groups, is_superseded) if not gone]
    row_groups = [[lieux[i] for i in g] for g in groups]
    ids = assign_ids(row_groups, previous, priorities, lists)
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    merged, provenance = [], []
    for lieu_id, rows in zip(ids, row_groups):
        lieu, prov = merge_group(rows, priorities)
        lieu = {"id": lieu_id, **lieu}
        merged.append(lieu)
        provenance += [{"lieu_id": lieu_id, **p} for p in prov]
    fusions = []
    for n, d in enumerate(decisions, 1):
        a, b = lieux[d.a], lieux[d.b]
        fusions.append({
            "id": n, "lieu_id": ids[group_of[d.a]] if d.accepted and d.a in group_of else None,
            "decision": "fusionnée" if d.accepted else "refusée", "regle": d.match.rule,
            "score": round(d.match.score, 1), "similarite_nom": round(d.match.name_similarity, 1),
            "similarite_adresse": round(d.match.address_similarity, 1),
            "distance_m": round(d.match.distance_m, 1) if d.match.distance_m is not None else None,
            "source_a": a["_source"], "cle_a": str(a.get("id")), "ligne_a": a.get("_ligne"), "nom_a": a.get("nom"),
            "source_b": b["_source"], "cle_b": str(b.get("id")), "ligne_b": b.get("_ligne"), "nom_b": b.get("nom"),
            "motif_refus": d.reason,
        })
    return MergeResult(merged, fusions, provenance, [lieux[i] for g in superseded for i in g])


# --- Merges undone by a reviewer ---------------------------------------------------------------

def refused_pairs_from(data) -> frozenset:
    """The pairs a reviewer has separated, from fusions-annulees.yml's content.

    The file is a list of {a: "source-id/cle", b: "source-id/cle", motif: "..."}, the two source
    rows of a `fusions` row; the build then never puts those two rows in one lieu.
    """
    pairs = set()
    for n, item in enumerate(data or [], 1):
        try:
            a, b, motif = item["a"], item["b"], item["motif"]
            pairs.add(frozenset((tuple(a.split("/", 1)), tuple(b.split("/", 1)))))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValueError(f"fusions-annulees.yml, entrée {n} : écrivez « a: source/cle », « b: source/cle » et "
                             "« motif: ... », par exemple a: france-services/france-services-4.") from None
        if not motif or any(len(k.split("/", 1)) != 2 for k in (a, b)):
            raise ValueError(f"fusions-annulees.yml, entrée {n} : « a » et « b » s'écrivent source/cle, et le motif est obligatoire.")
    return frozenset(pairs)


# --- Links from other entities ---------------------------------------------------------------

LINK_NAME_MIN_COMMUNE_ONLY = 90   # a row known only by its commune links on a very similar name
# Entity tables linked to their lieu, and whether their coordinates locate the entity itself
# (the fabriques map has one point per commune, not per place).
LINKED_SCHEMAS = {"structures-conseillers-numeriques": True, "fabriques-de-territoire": False}


def link_to_lieux(rows: list[dict], lieux: list[dict], use_coordinates: bool = True) -> list[dict | None]:
    """For each row, the merged lieu it belongs to: {"lieu_id", "regle", "score"}, or None.

    A row has any of: `_source` and `id` (its source row: if that row is a member of a lieu,
    rule "membre"), siret or pivot, nom or raison_sociale, commune, code_postal, code_insee,
    adresse, latitude, longitude. Otherwise the merge rules apply (never across communes), the
    best rule winning; a row with a commune but neither address nor usable coordinates links
    to a fixed lieu of that commune whose name (organisation words aside, word order counting)
    has similarity ≥ LINK_NAME_MIN_COMMUNE_ONLY and says more than the commune, and only if
    exactly one lieu qualifies.
    """
    members = {(m["source"], m["cle"]): l["id"] for l in lieux for m in l.get("_membres", [])}
    prepared_lieux = [prepare(i, {**l, "_source": "lieux"}) for i, l in enumerate(lieux)]
    by_commune = defaultdict(list)
    by_siret = defaultdict(list)
    grid = defaultdict(list)
    for p in prepared_lieux:
        by_commune[p.insee or f"{p.postcode}|{p.commune}"].append(p)
        if p.commune:
            by_commune[f"nom|{p.commune}"].append(p)
        if p.siret:
            by_siret[p.siret].append(p)
        if p.lat is not None and p.lon is not None:
            grid[grid_cell(p.lat, p.lon)].append(p)
    links = []
    for i, row in enumerate(rows):
        lieu_id = members.get((row.get("_source"), f"{row.get('_source')}-{row.get('id')}")) or \
            members.get((row.get("_source"), str(row.get("id"))))
        if lieu_id:
            links.append({"lieu_id": lieu_id, "regle": "membre", "score": 100.0})
            continue
        values = {**row, "nom": row.get("nom") or row.get("raison_sociale"), "pivot": row.get("pivot") or row.get("siret"),
                  "_source": "lien", "id": i}
        if not use_coordinates:
            values["latitude"] = values["longitude"] = None
        r = prepare(i, values)
        pool = {id(p): p for p in by_siret.get(r.siret, [])}
        pool.update({id(p): p for p in by_commune.get(r.insee or f"{r.postcode}|{r.commune}", [])})
        if r.commune:
            pool.update({id(p): p for p in by_commune.get(f"nom|{r.commune}", [])})
        if r.lat is not None and r.lon is not None:
            gy, gx = grid_cell(r.lat, r.lon)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    pool.update({id(p): p for p in grid.get((gy + dy, gx + dx), [])})
        best = None
        for p in pool.values():
            m = match_pair(r, p)
            if m and (best is None or (RULE_ORDER[m.rule], m.score) > (RULE_ORDER[best[1].rule], best[1].score)):
                best = (p, m)
        if best is None and not r.address and r.lat is None:
            # word order counts here (no subset forgiveness): "Crefad Loire" is not the "Département de la Loire"
            close = [(p, float(fuzz.token_sort_ratio(r.core, p.core))) for p in pool.values()
                     if same_commune(r, p) and not p.name_is_commune and p.mobility != "itinerant"]
            close = [(p, score) for p, score in close if score >= LINK_NAME_MIN_COMMUNE_ONLY]
            if len(close) == 1:
                best = (close[0][0], Match("commune-nom", close[0][1], None, 0, 0))
        links.append({"lieu_id": lieux[best[0].index]["id"], "regle": best[1].rule, "score": round(best[1].score, 1)}
                     if best else None)
    return links


def link_results(processed, lieux: list[dict]) -> None:
    """Add `lieu_id` and `lien_regle` to the rows of the linked entity tables (LINKED_SCHEMAS).

    The rows are replaced, not edited in place: a source's rows may be a spool read from disk.
    """
    for inp, result in processed:
        if result is None:
            continue
        for schema, use_coordinates in LINKED_SCHEMAS.items():
            rows = result.rows.get(schema)
            if not rows:
                continue
            tagged = [{**r, "_source": inp.descriptor.id} for r in rows]
            result.rows[schema] = [
                {**r, "lieu_id": link["lieu_id"] if link else None, "lien_regle": link["regle"] if link else None}
                for r, link in zip(rows, link_to_lieux(tagged, lieux, use_coordinates))
            ]
