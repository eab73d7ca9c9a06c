"""What the matcher compares, computed once per row (`Prepared`), and the marks that need every row."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from .normalise import (MOBILE_NAME_WORDS, FRANCE_SERVICES, PLACE_TYPE_WORDS, commune_code, commune_name, fold,
                        name_core, name_tokens, name_with_commune, normalise_address, valid_siret)
from .thresholds import RARE_WORD_ROWS, SHARED_KEY_MAX_ROWS


def haversine_m(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(min(1.0, h)))


# Values of qualite_geo (lieux/geo) for a point that is not the place's own: no distance says anything.
APPROXIMATE_POINTS = {"centre_commune"}


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
    approximate: bool = False             # the point is not the place's own (its commune's centre)
    commune_nouvelle: bool = False        # its commune has communes déléguées (lieux/geo/deleguees.py)
    deleguee: str | None = None           # the code of the commune déléguée it names, if any
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
        mobility=mobility, approximate=(placed := row.get("_geo") or {}).get("qualite_geo") in APPROXIMATE_POINTS,
        commune_nouvelle=bool(placed.get("commune_nouvelle")), deleguee=placed.get("commune_deleguee"),
        programmes=programmes_of(row),
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


def commune_scopes(p: Prepared) -> tuple:
    """Keys of the communes a row can be compared in: its INSEE code, and its postcode with its commune
    name. Two rows that rules.same_commune accepts share one of them (the INSEE code when both have
    one, else the postcode and the name); a row with neither is in no commune and is never matched."""
    scopes = []
    if p.insee:
        scopes.append(("insee", p.insee))
    if p.postcode and p.commune:
        scopes.append(("cp", p.postcode, p.commune))
    return tuple(scopes)


def mark_network_keys(prepared: list[Prepared]) -> None:
    """A SIRET or an own contact that more than SHARED_KEY_MAX_ROWS rows of one commune give is a
    network's (a head office's SIRET on each of its sites, a city's library service e-mail on every
    library): it says nothing about which site a row is, so neither the rules nor the blocking use it
    (comparing every pair of those rows would grow with their square)."""
    counts = defaultdict(int)
    for p in prepared:
        for scope in commune_scopes(p):
            for key in (p.siret, *p.own_contacts):
                if key:
                    counts[(scope, key)] += 1

    def network(p, key):
        return any(counts[(scope, key)] > SHARED_KEY_MAX_ROWS for scope in commune_scopes(p))

    for p in prepared:
        if p.siret and network(p, p.siret):
            p.siret = None
        if any(network(p, c) for c in p.own_contacts):
            p.own_contacts = frozenset(c for c in p.own_contacts if not network(p, c))


def prepare_all(rows: list[dict], lists: dict | None = None) -> list[Prepared]:
    """Every row prepared, with the marks that need all of them (own contacts, network keys, rare words)."""
    lists = lists or {}
    prepared = [prepare(i, r, lists.get(r.get("_source"))) for i, r in enumerate(rows)]
    mark_own_contacts(prepared)
    mark_network_keys(prepared)
    mark_rare_words(prepared)
    return prepared


# A name that says France Services, or its predecessor label "maison de services au public" (MSAP,
# renamed France Services from 2020), is a France Services for matching, whatever the list declares.
FRANCE_SERVICES_NAME = re.compile(r"\b(france services?|msap|mfs|maisons? (de |des )?services? (au|aux) publics?)\b")


def programmes_of(row: dict) -> frozenset:
    programmes = set(row.get("dispositif_programmes_nationaux") or ())
    if FRANCE_SERVICES_NAME.search(fold(row.get("nom"))):
        programmes.add(FRANCE_SERVICES)
    return frozenset(programmes)
