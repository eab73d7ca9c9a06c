"""How the public pages show a lieu: pure helpers, no Datasette, no database.

Everything returned here is plain text; the templates escape it (Jinja autoescape).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from urllib.parse import urlencode

import phonenumbers

from . import openapi

# The filters of the search page are those of /api/proches (openapi.FILTERS), so the page's query string
# is an API query; each gets a French legend here.
FILTER_LEGENDS = {
    "services": "Services proposés",
    "publics_specifiquement_adresses": "Publics accueillis",
    "prise_en_charge_specifique": "Prise en charge spécifique",
    "frais_a_charge": "Coût",
    "dispositif_programmes_nationaux": "Dispositifs et programmes nationaux",
    "modalites_acces": "Modalités d'accès",
}
FILTER_NAMES = openapi.FILTERS
FILTER_FIELDS = tuple((name, FILTER_LEGENDS[name]) for name in FILTER_NAMES)

# From this distance on, an approximate point's distance is told ("à environ 12 km, dans la commune de …").
APPROXIMATE_FAR_KM = 5
# The distance choice of the search page: (value of rayon_km, label); "" means no limit.
RADIUS_CHOICES = (("", "Sans limite"), ("2", "2 km"), ("5", "5 km"), ("10", "10 km"), ("20", "20 km"),
                  ("50", "50 km"), ("100", "100 km"))

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")

# The commonest codes of data.inclusion's structure typology (the standard's `typologie`), in words;
# any other code is shown as given.
TYPOLOGIES = {
    "ACI": "Atelier et chantier d'insertion", "AFPA": "Agence nationale pour la formation professionnelle des adultes", "AI": "Association intermédiaire",
    "ASE": "Aide sociale à l'enfance", "ASSO": "Association", "ASSO_CHOMEUR": "Association de chômeurs",
    "BIB": "Bibliothèque – médiathèque", "CAARUD": "Centre d'accueil et d'accompagnement à la réduction des risques",
    "CADA": "Centre d'accueil de demandeurs d'asile", "CAF": "Caisse d'allocations familiales",
    "CAP_EMPLOI": "Cap emploi", "CC": "Communauté de communes",
    "CCAS": "Centre communal d'action sociale", "CCONS": "Chambre consulaire", "CD": "Conseil départemental",
    "CHRS": "Centre d'hébergement et de réinsertion sociale", "CHU": "Centre d'hébergement d'urgence",
    "CIAS": "Centre intercommunal d'action sociale", "CIDFF": "Centre d'information sur les droits des femmes et des familles",
    "CITMET": "Cité des métiers", "CPH": "Centre provisoire d'hébergement", "CS": "Centre social",
    "CSAPA": "Centre de soins, d'accompagnement et de prévention en addictologie", "DEPT": "Services sociaux du conseil départemental", "E2C": "École de la deuxième chance", "EA": "Entreprise adaptée", "EATT": "Entreprise adaptée de travail temporaire",
    "EI": "Entreprise d'insertion", "EPCI": "Intercommunalité", "EPIDE": "Établissement pour l'insertion dans l'emploi",
    "ESS": "Structure de l'économie sociale et solidaire", "ETTI": "Entreprise de travail temporaire d'insertion",
    "GEIQ": "Groupement d'employeurs pour l'insertion et la qualification",
    "LA_POSTE": "La Poste", "MDE": "Maison de l'emploi", "MDEF": "Maison de l'emploi et de la formation",
    "MDPH": "Maison départementale des personnes handicapées", "MDS": "Maison départementale des solidarités",
    "MJC": "Maison des jeunes et de la culture", "ML": "Mission locale", "MQ": "Maison de quartier",
    "MSA": "Mutualité sociale agricole", "MUNI": "Mairie", "OACAS": "Organisme d'accueil communautaire et d'activités solidaires",
    "OF": "Organisme de formation", "PAD": "Point d'accès au droit", "PE": "France Travail",
    "PENSION": "Pension de famille", "PIJ_BIJ": "Point ou bureau information jeunesse", "PIMMS": "Point information médiation multi services",
    "PJJ": "Protection judiciaire de la jeunesse", "PLIE": "Plan local pour l'insertion et l'emploi",
    "PREF": "Préfecture, sous-préfecture", "PREVENTION": "Service ou club de prévention", "REG": "Région",
    "RFS": "France Services", "RS_FJT": "Résidence sociale, foyer de jeunes travailleurs", "SPIP": "Service pénitentiaire d'insertion et de probation", "TIERS_LIEUX": "Tiers-lieu et coworking",
    "UDAF": "Union départementale des affaires familiales",
}


def as_list(value) -> list:
    """A multi-valued field as a list: JSON array text (the database), a list (the API), or None."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v not in (None, "")]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                return [text]
            return [v for v in parsed if v not in (None, "")] if isinstance(parsed, list) else [text]
        return [text]
    return [value]


def format_distance(km) -> str:
    """A distance in French: "350 m", "1,2 km", "12 km"."""
    if km is None:
        return ""
    km = float(km)
    if km < 1:
        return f"{max(10, round(km * 1000, -1)):.0f} m"
    if km < 10:
        return f"{km:.1f} km".replace(".", ",")
    return f"{km:.0f} km"


def distance_text(km, approximate: bool = False, commune: str | None = None) -> str:
    """What a result says of where a lieu is: "à 350 m"; for a point that is not the place's own,
    "dans la commune de X (position approximative)", with "à environ 12 km, " first when far."""
    if not approximate:
        return f"à {format_distance(km)}" if km is not None else ""
    where = f"dans la commune de {commune}" if commune else "dans sa commune"
    text = f"{where} (position approximative)"
    if km is not None and float(km) >= APPROXIMATE_FAR_KM:
        text = f"à environ {format_distance(km)}, {text}"
    return text


def lieu_distance(lieu: dict) -> str:
    """distance_text of a lieu of /api/proches or nearest(): its territory too when far or across the sea
    ("à 1 408 km, à Mayotte", lieux.locating), never a distance for a point that is not its own."""
    from . import positions

    approximate = positions.approximative(lieu.get("qualite_geo"))
    if lieu.get("distance_libelle") and not approximate:
        return lieu["distance_libelle"]
    return distance_text(lieu.get("distance_km"), approximate, lieu.get("commune"))


def format_day(day: date, year: bool = False) -> str:
    """ "dimanche 20 décembre" (with the year when asked)."""
    first = "1er" if day.day == 1 else str(day.day)
    text = f"{WEEKDAYS[day.weekday()]} {first} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def format_moment(moment: datetime) -> str:
    """ "samedi 12 décembre 2026 à 10 h" (a local date and time)."""
    minutes = "" if moment.minute == 0 else f" {moment.minute:02d}"
    return f"{format_day(moment.date(), year=True)} à {moment.hour} h{minutes}"


def format_phone(value: str | None) -> str | None:
    """A phone number as a French reader writes it ("01 43 00 00 00"); the value itself when unparseable."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def tel_href(value: str | None) -> str | None:
    """The tel: link of a phone number, digits and a leading + only."""
    if not value:
        return None
    digits = re.sub(r"[^\d+]", "", value)
    return f"tel:{digits}" if digits else None


def format_date(value) -> str | None:
    """An ISO date or timestamp in French words: "1er janvier 2026"; the value itself when not a date."""
    if not value:
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
        except ValueError:
            try:
                day = date.fromisoformat(str(value)[:10])
            except ValueError:
                return str(value)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def typology_label(code: str) -> str:
    return TYPOLOGIES.get(code, code)


def search_query(params: dict) -> str:
    """The query string of a search, in a stable order, without empty values ("" when nothing)."""
    pairs = []
    for key, value in params.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if v not in (None, ""):
                pairs.append((key, v))
    return urlencode(pairs)


def format_count(count: int) -> str:
    """A whole number as French writes it: 7577 → "7 577" (narrow no-break space between thousands)."""
    return f"{count:,}".replace(",", "\u202f")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 lieu", "0 lieu", "3 lieux", "7 577 lieux" (French: 0 and 1 are singular)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{format_count(count)}\u00a0{word}"


def http_url(value) -> str | None:
    """The value when it is an http(s) URL, else None: data never becomes a javascript: or data: link."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if re.match(r"(?i)^https?://[^\s<>\"]+$", text) else None
