"""Each territory's clock and calendar: one table keyed by département or collectivité code.

A lieu's territory is read from its INSEE commune code first (97701 is Saint-Barthélemy although its
postcode 97133 looks like Guadeloupe's), then its département code, then its postcode. The table
gives the IANA time zone (several in Polynésie française, chosen by commune) and the subdivision of
the `holidays` package's France calendar that holds the territory's own public holidays (Alsace-
Moselle's Vendredi saint and Saint-Étienne, each overseas territory's abolition of slavery day…).
Pure functions; the holiday tables are computed once per territory and year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

METROPOLE = "métropole"


@dataclass(frozen=True)
class Territoire:
    code: str                      # département or collectivité code; "" for metropolitan France
    nom: str                       # in French, for "heure locale de …"
    fuseau: str                    # IANA time zone
    subdivision: str | None = None  # holidays.France(subdiv=…); None: the national days only
    fuseaux_communes: dict = field(default_factory=dict)      # INSEE code -> time zone, where it differs
    fuseaux_codes_postaux: dict = field(default_factory=dict)  # postcode -> time zone (no INSEE code known)


MARQUISES = "Pacific/Marquesas"
GAMBIER = "Pacific/Gambier"

# Îles Marquises: Fatu-Hiva, Hiva-Oa, Nuku-Hiva, Tahuata, Ua-Huka, Ua-Pou; Gambier: the commune of Gambier
# (codes of the Code officiel géographique; postcodes of La Poste's base, 98790 is shared with the Tuamotu).
POLYNESIE_COMMUNES = {"98718": MARQUISES, "98723": MARQUISES, "98731": MARQUISES, "98746": MARQUISES,
                      "98756": MARQUISES, "98757": MARQUISES, "98719": GAMBIER}
POLYNESIE_CODES_POSTAUX = {**{f"987{n}": MARQUISES for n in range(40, 50)}, "98796": MARQUISES,
                           "98755": GAMBIER, "98792": GAMBIER, "98793": GAMBIER}

DEFAULT = Territoire("", METROPOLE, "Europe/Paris")
TERRITOIRES = {t.code: t for t in (
    Territoire("57", "Moselle", "Europe/Paris", "57"),
    Territoire("67", "Bas-Rhin", "Europe/Paris", "6AE"),
    Territoire("68", "Haut-Rhin", "Europe/Paris", "6AE"),
    Territoire("971", "Guadeloupe", "America/Guadeloupe", "971"),
    Territoire("972", "Martinique", "America/Martinique", "972"),
    Territoire("973", "Guyane", "America/Cayenne", "973"),
    Territoire("974", "La Réunion", "Indian/Reunion", "974"),
    Territoire("975", "Saint-Pierre-et-Miquelon", "America/Miquelon", "PM"),
    Territoire("976", "Mayotte", "Indian/Mayotte", "976"),
    Territoire("977", "Saint-Barthélemy", "America/St_Barthelemy", "BL"),
    Territoire("978", "Saint-Martin", "America/Marigot", "MF"),
    Territoire("984", "Terres australes et antarctiques françaises", "Indian/Kerguelen", "TF",
               {"98414": "Antarctica/DumontDUrville"}),
    Territoire("986", "Wallis-et-Futuna", "Pacific/Wallis", "WF"),
    Territoire("987", "Polynésie française", "Pacific/Tahiti", "PF", POLYNESIE_COMMUNES, POLYNESIE_CODES_POSTAUX),
    Territoire("988", "Nouvelle-Calédonie", "Pacific/Noumea", "NC"),
)}
# Codes whose département is named by three characters (the rest of France by two).
OVERSEAS_PREFIXES = ("97", "98")


def _clean(code) -> str:
    return str(code).strip().upper() if code not in (None, "") else ""


def territory_code(departement_code=None, code_insee=None, code_postal=None) -> str:
    """The code of the TERRITOIRES row a lieu belongs to ("" for the rest of France)."""
    insee, dep, postcode = _clean(code_insee), _clean(departement_code), _clean(code_postal)
    if len(insee) == 5 and insee.startswith(OVERSEAS_PREFIXES):
        return insee[:3] if insee[:3] in TERRITOIRES else ""
    if dep:
        if dep in TERRITOIRES:
            return dep
        if dep.startswith(OVERSEAS_PREFIXES) and len(dep) == 2 and not insee and postcode[:3] in TERRITOIRES:
            return postcode[:3]  # a two-character "98" from an older build: the postcode says which
        return dep[:3] if dep[:3] in TERRITOIRES else ""
    if len(insee) == 5:
        return insee[:2] if insee[:2] in TERRITOIRES else ""
    if len(postcode) == 5 and postcode.isdigit():
        return postcode[:3] if postcode[:3] in TERRITOIRES else (postcode[:2] if postcode[:2] in TERRITOIRES else "")
    return ""


def territoire(departement_code=None, code_insee=None, code_postal=None) -> Territoire:
    """The territory of a lieu (metropolitan France when nothing is known)."""
    return TERRITOIRES.get(territory_code(departement_code, code_insee, code_postal), DEFAULT)


def fuseau(departement_code=None, code_insee=None, code_postal=None) -> str:
    """The IANA time zone of a lieu: its commune's where a territory has several, else its territory's."""
    t = territoire(departement_code, code_insee, code_postal)
    insee, postcode = _clean(code_insee), _clean(code_postal)
    return t.fuseaux_communes.get(insee) or (None if insee else t.fuseaux_codes_postaux.get(postcode)) or t.fuseau


# Time zones of part of a territory, in words (the territory's name otherwise).
ZONE_NAMES = {MARQUISES: "Îles Marquises", GAMBIER: "Gambier", "Antarctica/DumontDUrville": "Terre-Adélie"}


def zone_name(row: dict) -> str:
    """Where a lieu's clock is, in French: "métropole" (Alsace-Moselle included), "La Réunion", "Îles Marquises"."""
    zone = fuseau_of_row(row)
    if zone == DEFAULT.fuseau:
        return METROPOLE
    return ZONE_NAMES.get(zone) or territoire_of_row(row).nom


def territoire_of_row(row: dict) -> Territoire:
    return territoire(row.get("departement_code"), row.get("code_insee"), row.get("code_postal"))


def fuseau_of_row(row: dict) -> str:
    return fuseau(row.get("departement_code"), row.get("code_insee"), row.get("code_postal"))


# -- public holidays -----------------------------------------------------------------------------

@lru_cache(maxsize=512)
def _year(subdivision: str | None, year: int) -> dict:
    calendar = holidays.France(subdiv=subdivision, years=year, language="fr")
    return {day: name for day, name in calendar.items()}


def jours_feries(subdivision: str | None, year: int) -> dict:
    """{date: name in French} of one year, for a subdivision of holidays.France (None: national days)."""
    return _year(subdivision, year)


def jour_ferie(t: Territoire, day: date) -> str | None:
    """The name of the public holiday on `day` in territory `t`, or None."""
    return _year(t.subdivision, day.year).get(day)


def feries_entre(t: Territoire, start: date, days: int = 14) -> list[tuple[date, str]]:
    """The public holidays of `t` from `start` (included) over `days` days, in date order."""
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        name = jour_ferie(t, day)
        if name:
            out.append((day, name))
    return out
