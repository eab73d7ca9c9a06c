"""France's territories by code: each one's clock, calendar, phone region and projections, and which one a
postcode or INSEE code is in.

One table, TERRITOIRES, keyed by the code of the overseas département or collectivité (the first 3 digits of
its communes' INSEE codes): the DROM (971, 972, 973, 974, 976) and the collectivités d'outre-mer that have
communes in the COG (975, 977, 978, 986, 987, 988). For each: its phonenumbers region, its legal projected
systems, its IANA time zone (several in Polynésie française, chosen by commune), and the subdivision of the
`holidays` package's France calendar that holds its own public holidays (the abolition of slavery days…).
Metropolitan France is DEFAULT (Europe/Paris, the national days), except Alsace-Moselle's three
départements (ALSACE_MOSELLE: Vendredi saint and 26 décembre).

A lieu's territory is read from its INSEE commune code first (97701 is Saint-Barthélemy), then its
département code, then its postcode (97133 and 97150 are Saint-Barthélemy's and Saint-Martin's although
they begin like Guadeloupe's). Pure data and functions; the holiday tables are computed once per year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays

METROPOLE = "métropole"


@dataclass(frozen=True)
class Territoire:
    code: str                  # INSEE code of the département or collectivité ("" for metropolitan France)
    nom: str
    telephone: str = "FR"      # phonenumbers region: its own country calling code (+590, +687...)
    projections: tuple = ()    # legal projected systems (EPSG), tried when a list gives undeclared projected values
    collectivite: bool = False
    fuseau: str = "Europe/Paris"   # IANA time zone
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

TERRITOIRES = {t.code: t for t in (
    Territoire("971", "Guadeloupe", "GP", ("EPSG:5490",), fuseau="America/Guadeloupe", subdivision="971"),  # RGAF09 / UTM 20N
    Territoire("972", "Martinique", "MQ", ("EPSG:5490",), fuseau="America/Martinique", subdivision="972"),
    Territoire("973", "Guyane", "GF", ("EPSG:2972",), fuseau="America/Cayenne", subdivision="973"),  # RGFG95 / UTM 22N
    Territoire("974", "La Réunion", "RE", ("EPSG:2975",), fuseau="Indian/Reunion", subdivision="974"),  # RGR92 / UTM 40S
    Territoire("976", "Mayotte", "YT", ("EPSG:4471",), fuseau="Indian/Mayotte", subdivision="976"),  # RGM04 / UTM 38S
    Territoire("975", "Saint-Pierre-et-Miquelon", "PM", ("EPSG:4467",), True,  # RGSPM06 / UTM 21N
               fuseau="America/Miquelon", subdivision="PM"),
    Territoire("977", "Saint-Barthélemy", "BL", ("EPSG:5490",), True, fuseau="America/St_Barthelemy", subdivision="BL"),
    Territoire("978", "Saint-Martin", "MF", ("EPSG:5490",), True, fuseau="America/Marigot", subdivision="MF"),
    Territoire("986", "Wallis-et-Futuna", "WF", ("EPSG:8903",), True,  # RGWF96 / UTM 1S
               fuseau="Pacific/Wallis", subdivision="WF"),
    Territoire("987", "Polynésie française", "PF", ("EPSG:3297", "EPSG:3296", "EPSG:3298"), True,  # RGPF / UTM 6S, 5S, 7S
               fuseau="Pacific/Tahiti", subdivision="PF",
               fuseaux_communes=POLYNESIE_COMMUNES, fuseaux_codes_postaux=POLYNESIE_CODES_POSTAUX),
    Territoire("988", "Nouvelle-Calédonie", "NC", ("EPSG:3163",), True,  # RGNC91-93 / Lambert Nouvelle-Calédonie
               fuseau="Pacific/Noumea", subdivision="NC"),
)}
DEFAULT = Territoire("", METROPOLE)
# Metropolitan départements with public holidays of their own (local law of Alsace-Moselle).
ALSACE_MOSELLE = {t.code: t for t in (
    Territoire("57", "Moselle", subdivision="57"),
    Territoire("67", "Bas-Rhin", subdivision="6AE"),
    Territoire("68", "Haut-Rhin", subdivision="6AE"),
)}

# Postcodes of a collectivité that begin like another territory's: Saint-Barthélemy and Saint-Martin kept the
# Guadeloupe postcodes they had before 2007.
POSTCODE_EXCEPTIONS = {"97133": "977", "97150": "978"}


def of_postcode(code_postal) -> str | None:
    """The overseas territory of a postcode ("98826" gives 988, "97133" gives 977), None for mainland France."""
    cp = str(code_postal or "").strip()
    if len(cp) != 5 or not cp.isdigit():
        return None
    if cp in POSTCODE_EXCEPTIONS:
        return POSTCODE_EXCEPTIONS[cp]
    return cp[:3] if cp[:3] in TERRITOIRES else None


def of_insee(code_insee) -> str | None:
    """The overseas territory of a commune's INSEE code ("98818" gives 988), None for mainland France."""
    code = str(code_insee or "").strip()
    return code[:3] if len(code) == 5 and code[:3] in TERRITOIRES else None


def of_codes(code_insee, code_postal) -> str | None:
    """The overseas territory of an address: its INSEE code first, else its postcode."""
    return of_insee(code_insee) or of_postcode(code_postal)


def phone_region(code_insee, code_postal) -> str:
    """The phonenumbers region to read a local number of this address with: FR in mainland France."""
    territoire = TERRITOIRES.get(of_codes(code_insee, code_postal) or "")
    return territoire.telephone if territoire else "FR"


# -- clock and calendar of a lieu ----------------------------------------------------------------

def _clean(code) -> str:
    return str(code).strip().upper() if code not in (None, "") else ""


def territory_code(departement_code=None, code_insee=None, code_postal=None) -> str:
    """The code of a lieu's row in TERRITOIRES or ALSACE_MOSELLE ("" for the rest of France)."""
    insee, dep = _clean(code_insee), _clean(departement_code)
    overseas = of_insee(insee)
    if overseas:
        return overseas
    if dep in TERRITOIRES or dep in ALSACE_MOSELLE:
        return dep
    if len(insee) == 5:
        return insee[:2] if insee[:2] in ALSACE_MOSELLE else ""
    overseas = of_postcode(code_postal)
    if overseas and (not dep or dep.startswith(("97", "98"))):  # a two-character "98" from an older build
        return overseas
    if dep:
        return ""
    postcode = _clean(code_postal)
    return postcode[:2] if len(postcode) == 5 and postcode[:2] in ALSACE_MOSELLE else ""


def territoire(departement_code=None, code_insee=None, code_postal=None) -> Territoire:
    """The territory of a lieu (metropolitan France when nothing is known)."""
    code = territory_code(departement_code, code_insee, code_postal)
    return TERRITOIRES.get(code) or ALSACE_MOSELLE.get(code) or DEFAULT


def fuseau(departement_code=None, code_insee=None, code_postal=None) -> str:
    """The IANA time zone of a lieu: its commune's where a territory has several, else its territory's."""
    return clock(departement_code, code_insee, code_postal)[1]


@lru_cache(maxsize=65536)
def clock(departement_code=None, code_insee=None, code_postal=None) -> tuple[Territoire, str]:
    """(territory, IANA time zone) of a lieu's codes, computed once per distinct codes."""
    t = territoire(departement_code, code_insee, code_postal)
    insee, postcode = _clean(code_insee), _clean(code_postal)
    return t, t.fuseaux_communes.get(insee) or (None if insee else t.fuseaux_codes_postaux.get(postcode)) or t.fuseau


# Time zones of part of a territory, in words (the territory's name otherwise).
ZONE_NAMES = {MARQUISES: "Îles Marquises", GAMBIER: "Gambier"}


def zone_name(row: dict) -> str:
    """Where a lieu's clock is, in French: "métropole" (Alsace-Moselle included), "La Réunion", "Îles Marquises"."""
    zone = fuseau_of_row(row)
    if zone == DEFAULT.fuseau:
        return METROPOLE
    return ZONE_NAMES.get(zone) or territoire_of_row(row).nom


def clock_of_row(row: dict) -> tuple[Territoire, str]:
    return clock(row.get("departement_code"), row.get("code_insee"), row.get("code_postal"))


def territoire_of_row(row: dict) -> Territoire:
    return clock_of_row(row)[0]


def fuseau_of_row(row: dict) -> str:
    return clock_of_row(row)[1]


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
