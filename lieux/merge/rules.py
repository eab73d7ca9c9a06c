"""The matching rules: `match_pair` says which rule makes two prepared rows the same place, if any."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from .normalise import (CONSEILLERS, FRANCE_SERVICES, PLACE_TYPE_WORDS, address_relation, house_number,
                        is_acronym_of, name_tokens)
from .prepared import Prepared, both_telephone_and_email, haversine_m
from .thresholds import (ADDRESS_MAX_M, KIND_PENALTY, NAME_MIN_ADDRESS, NAME_MIN_NEAR, NAME_MIN_SIRET, NEAR_M, SAME_DOOR_M,
                         SIRET_NEAR_M)


def kinds_of(p: Prepared) -> set:
    """The words of a name that say what kind of place it is (médiathèque, MJC...)."""
    return set(p.core.split()) & PLACE_TYPE_WORDS


def one_names_its_kind(a: Prepared, b: Prepared) -> bool:
    """Only one of the names says what kind of place it is ("Bibliothèque Méjanes", "Commune d'Aix")."""
    kinds_a, kinds_b = kinds_of(a), kinds_of(b)
    return kinds_a != kinds_b and not (kinds_a and kinds_b)


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


def shared_contacts(a: Prepared, b: Prepared, same_door) -> frozenset:
    """At one door any contact in common says one reception; elsewhere only their own contacts do."""
    return a.contacts & b.contacts if same_door else a.own_contacts & b.own_contacts


def several_doors(p: Prepared) -> bool:
    """An address that several doors of its commune may have: in a commune nouvelle, whose villages keep
    their squares and hamlets, an address without a house number (« place de la Mairie », « le Bourg »).
    Elsewhere (measured on the reference lists, README « Fusion ») one address is one door, and two points
    kilometres apart mean that one of them is misplaced, not that there are two places."""
    return p.commune_nouvelle and not house_number(p.address)


def same_commune(a: Prepared, b: Prepared) -> bool:
    """Commune codes when both have one, else postcode and commune name; in a commune nouvelle, two rows
    that name two of its villages (communes déléguées, lieux/geo/deleguees.py) are two communes."""
    if a.deleguee and b.deleguee and a.deleguee != b.deleguee:
        return False
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
    if relation != "differente" and distance is not None and distance > ADDRESS_MAX_M \
            and not (a.approximate or b.approximate) and (several_doors(a) or several_doors(b)):
        # one address that several villages have, two points far apart: two places (the « place de la
        # Mairie » of each village of a commune nouvelle), whatever rule would rely on the address
        relation = "differente"
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


RULE_ORDER = {"identifiant": 8, "doublon": 7, "siret": 6, "adresse": 5, "adresse-programme": 4, "contact": 3,
              "adresse-mot": 2, "adresse-genre": 2, "proximite": 1}
