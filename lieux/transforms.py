"""Named transforms that descriptors apply to a source value: pure functions, one job each.

A transform takes the value (and the row built so far, for the few that need context) and
returns the new value. It raises TransformError with a French message when the value cannot
be used, and returns Corrected(value, reason) when it changed the content (not only the
layout), so that the build can record the change in the `corrections` table.
"""

from __future__ import annotations

import csv
import html
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import phonenumbers

from . import territoires
from .dates import DateError, parse_date


class TransformError(ValueError):
    """The value cannot be turned into what the field needs; the message says why and how to fix it."""


@dataclass(frozen=True)
class Corrected:
    value: object
    reason: str


# Overseas départements and collectivités: their phone region and their own country calling code (lieux.territoires).
OVERSEAS_PHONE_REGIONS = {code: t.telephone for code, t in territoires.TERRITOIRES.items()}

DAYS_OSM = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def text(value, row=None):
    """Trim and collapse runs of spaces and tabs (line breaks are kept)."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in value.split("\n")).strip()


def one_line(value, row=None):
    """Join the lines of a cell into one line."""
    return re.sub(r"\s+", " ", str(value)).strip()


def first_line(value, row=None):
    """Keep the first line: "1 RUE DES CONCHES\\n03100 MONTLUCON" gives "1 RUE DES CONCHES"."""
    lines = str(value).strip().splitlines()
    return lines[0].strip() if lines else None  # nothing left: the field is empty


def _digits_code(value, length: int, label: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value).strip()
    if re.fullmatch(r"\d+", raw) and len(raw) == length - 1:
        return Corrected("0" + raw, f"{label} « {raw} » : 0 initial restauré")
    return raw


def code_postal(value, row=None):
    """Five digits; a four-digit code (read as an integer upstream) gets its leading 0 back."""
    return _digits_code(value, 5, "code postal")


def code_insee(value, row=None):
    """INSEE code: five characters, Corsica's 2A/2B kept; leading 0 restored."""
    raw = str(value).strip().upper()
    if re.fullmatch(r"2[AB]\d{3}", raw):
        return raw
    return _digits_code(value, 5, "code INSEE")


def number(value, row=None):
    """A decimal number; accepts a decimal comma ("44,93815")."""
    if isinstance(value, bool):
        raise TransformError(f"« {value} » n'est pas un nombre.")
    if isinstance(value, (int, float)):
        try:
            result = float(value)
        except OverflowError:  # an integer with hundreds of digits
            raise TransformError(f"« {str(value)[:20]}… » est un nombre trop grand.") from None
    else:
        raw = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"-?\d+,\d+", raw):
            raw = raw.replace(",", ".")
        try:
            result = float(raw)
        except ValueError:
            raise TransformError(f"« {value} » n'est pas un nombre. Utilisez des chiffres, avec un point ou une virgule décimale.") from None
    if not math.isfinite(result):
        raise TransformError(f"« {value} » n'est pas un nombre fini.")
    return result


def _point(value):
    parts = [p for p in re.split(r"[,;\s]+", str(value).strip()) if p]
    if len(parts) != 2:
        raise TransformError(f"« {value} » n'est pas un point « latitude,longitude ».")
    return parts


def latitude_of_point(value, row=None):
    """The latitude of a "latitude,longitude" cell (Opendatasoft geo_point_2d): "47.263017,-1.57286" gives 47.263017."""
    return number(_point(value)[0])


def longitude_of_point(value, row=None):
    """The longitude of a "latitude,longitude" cell: "47.263017,-1.57286" gives -1.57286."""
    return number(_point(value)[1])


def _bounded(value, low: float, high: float, label: str) -> float:
    result = number(value)
    if not low <= result <= high:
        raise TransformError(f"{label} « {value} » hors de [{low:g}, {high:g}]. Vérifiez que latitude et longitude "
                             "sont en degrés décimaux (WGS84) et ne sont pas inversées.")
    return result


def latitude(value, row=None):
    """A latitude in decimal degrees, between -90 and 90."""
    return _bounded(value, -90, 90, "latitude")


def longitude(value, row=None):
    """A longitude in decimal degrees, between -180 and 180."""
    return _bounded(value, -180, 180, "longitude")


def integer(value, row=None):
    result = number(value)
    if not result.is_integer():
        raise TransformError(f"« {value} » n'est pas un nombre entier.")
    return int(result)


def _departement_of(row) -> str | None:
    """The overseas territory of the row's address (None in mainland France): 97133 is Saint-Barthélemy, 98800 Nouméa."""
    row = row or {}
    return territoires.of_codes(row.get("code_insee"), row.get("code_postal"))


EMAILS_AND_URLS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+|\[\[[^\]]*\]\]", re.I)


def telephone(value, row=None):
    """A phone number in E.164 (+33...), the form the standard requires; overseas numbers get their own code.

    Digits inside an e-mail address or a web address (« accueil01@mairie.fr », « www.x.fr/page-0123456789 »)
    are never read as a number; in a sentence (« Tél. : 05 56 00 00 00 (accueil) ») the number is found.
    """
    raw = str(value).strip()
    region = OVERSEAS_PHONE_REGIONS.get(_departement_of(row) or "", "FR")
    cleaned = EMAILS_AND_URLS.sub(" ", raw)
    candidates = [c for c in re.split(r"\s*(?:/|;|\bou\b|\n)\s*", cleaned) if c.strip()]
    several = len(candidates) > 1 or cleaned.strip() != raw
    for candidate in candidates:
        digits = re.sub(r"[^\d+]", "", candidate)
        if not digits:
            continue
        if re.fullmatch(r"[1-9]\d{8}", digits):  # a leading 0 lost when read as an integer
            digits = "0" + digits
        # overseas, a local number first ("27 12 34" in Nouméa is +687 27 12 34), then a number of mainland France
        parsed = next((p for p in (_read_phone(digits, candidate, r) for r in dict.fromkeys((region, "FR"))) if p), None)
        if parsed is not None:
            result = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if several:
                return Corrected(result, f"« {one_line(raw)} » : le premier numéro valide est retenu")
            return result
    raise TransformError(f"« {one_line(raw)} » n'est pas un numéro de téléphone valide. Indiquez 10 chiffres, par exemple 01 23 45 67 89.")


def _read_phone(digits: str, candidate: str, region: str):
    """The valid number of `region` the candidate holds: its digits, else a number inside a sentence; or None."""
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):  # a number inside a sentence
        parsed = next((m.number for m in phonenumbers.PhoneNumberMatcher(candidate, region)
                       if phonenumbers.is_valid_number(m.number)), None)
    return parsed


EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def courriels(value, row=None):
    """One or several e-mail addresses (split on spaces, commas, semicolons, slashes)."""
    parts = [p.strip().strip(".").lower() for p in re.split(r"[\s,;/|]+", str(value)) if p.strip()]
    good = [p.removeprefix("mailto:") for p in parts if EMAIL.match(p.removeprefix("mailto:"))]
    if not good:
        raise TransformError(f"« {one_line(value)} » ne contient aucune adresse électronique valide.")
    if len(good) != len(parts):
        return Corrected(good, f"« {one_line(value)} » : seules les adresses valides sont gardées")
    return good


def site_web(value, row=None):
    """One or several web addresses; "https://" is added where the scheme is missing."""
    out = []
    for part in re.split(r"[\s,;|]+", str(value).strip()):
        if not part:
            continue
        if not re.match(r"^https?://", part, re.I):
            if not re.match(r"^(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?$", part):
                raise TransformError(f"« {part} » n'est pas une adresse web. Indiquez une adresse comme https://exemple.fr.")
            part = "https://" + part
        out.append(part)
    if not out:
        raise TransformError("adresse web vide")
    return out


def url(value, row=None):
    """A single web address."""
    found = site_web(value, row)
    return found[0]


def date_iso(value, row=None):
    """A date as YYYY-MM-DD, from the forms real lists write (lieux/dates.py): 07/12/2021, 10 04 2019,
    2020/06/30 14:16:50.898, « 1er décembre 2019 », « déc. 2019 »… A month or a year alone gives its first
    day, recorded as a correction; a typo (day 32, 31 February, a misspelt month) is explained."""
    try:
        day, precision = parse_date(value)
    except DateError as e:
        raise TransformError(str(e)) from None
    result = day.isoformat()
    if precision == "mois":
        return Corrected(result, f"mois seul « {one_line(value)} » : le 1er jour du mois ({result}) est retenu")
    if precision == "annee":
        return Corrected(result, f"année seule « {one_line(value)} » : le 1er janvier {day.year} est retenu")
    return result


def year_as_date(value, row=None):
    """A year alone ("2018") becomes the first day of that year, recorded as a correction; other values pass.

    Never later than the true date, so a list never looks fresher than it is.
    """
    raw = str(value).strip()
    if re.fullmatch(r"(19|20)\d\d", raw):
        return Corrected(f"{raw}-01-01", f"année seule « {raw} » : le 1er janvier {raw} est retenu")
    return value


POSTCODE_IN_TEXT = re.compile(r"(?<!\d)(\d{5}|\d{2} \d{3})(?!\d)")


def _postcode_line(value):
    """(lines, index of the line that holds the postcode, match) of an address; the last such line wins
    ("Mairie\n1 rue X\n33000 Bordeaux\nFrance": line 2). (lines, None, None) without a postcode."""
    lines = [one_line(line) for line in str(value).replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    for i in range(len(lines) - 1, -1, -1):
        matches = list(POSTCODE_IN_TEXT.finditer(lines[i]))
        if matches:
            return lines, i, matches[-1]
    return lines, None, None


def code_postal_in_text(value, row=None):
    """The postcode found in an address, on the line that holds it: "8 rue X - 33000 Bordeaux" gives "33000"."""
    _, i, match = _postcode_line(value)
    if match is None:
        raise TransformError(f"aucun code postal à 5 chiffres dans « {one_line(value)} ».")
    return match.group(1).replace(" ", "")


def commune_in_text(value, row=None):
    """The commune after the postcode, on its line (or the next one): "8 rue X - 33000 Bordeaux" gives "Bordeaux";
    "1 rue X\n33000 Bordeaux\nFrance" too."""
    lines, i, match = _postcode_line(value)
    commune = lines[i][match.end():].strip(" ,-") if match else ""
    if match and not commune and i + 1 < len(lines):
        commune = lines[i + 1].strip(" ,-")
    if not commune:
        raise TransformError(f"aucune commune après le code postal dans « {one_line(value)} ».")
    return re.sub(r"\s+CEDEX(\s*\d+)?$", "", commune, flags=re.I)


def adresse_in_text(value, row=None):
    """The street before the postcode, on its line (or the line above): "8 rue X - 33000 Bordeaux" gives
    "8 rue X"; "Mairie\n1 rue X\n33000 Bordeaux" gives "1 rue X". Without a postcode: the whole text on one line."""
    lines, i, match = _postcode_line(value)
    if match is None:
        street = one_line(value)
    else:
        street = lines[i][:match.start()].strip(" ,-")
        if not street and i > 0:
            street = lines[i - 1].strip(" ,-")
    if not street:
        raise TransformError(f"aucune rue avant le code postal dans « {one_line(value)} ».")
    return street


URL_IN_TEXT = re.compile(r"\[\[\s*(?P<umap>[^|\]\s]+)\s*(?:\|[^\]]*)?\]\]"     # uMap: [[url]] or [[url|label]]
                         r"|\[[^\]]*\]\((?P<md>[^)\s]+)\)"                       # Markdown: [label](url)
                         r"|(?P<bare>\b(?:https?://|www\.)[^\s<>\"'\]\[|]+)", re.I)


def urls(value, row=None):
    """Every web address in a text, in order, without duplicates: bare ones (https://…, www.…), uMap's
    `[[https://x.fr]]` and `[[https://x.fr|Site]]`, Markdown's `[Site](https://x.fr)`. Final punctuation is
    not part of an address. None when the text holds none."""
    found = []
    for m in URL_IN_TEXT.finditer(str(value)):
        address = (m.group("umap") or m.group("md") or m.group("bare")).rstrip(".,;:!?)»")
        if address and address not in found:
            found.append(address)
    return found or None


def resume(value, row=None):
    """A summary of at most 280 characters (the standard's limit), cut at a word with "…"."""
    value = one_line(value)
    if len(value) <= 280:
        return value
    cut = value[:279].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return Corrected(cut, "résumé de plus de 280 caractères raccourci (texte complet dans presentation_detail)")


def siret(value, row=None):
    """A SIRET (14 digits) or SIREN (9 digits), spaces removed; the standard's pivot."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = re.sub(r"[\s.]", "", str(value))
    if re.fullmatch(r"\d{13}", raw):
        return Corrected("0" + raw, f"SIRET « {raw} » : 0 initial restauré")
    if not re.fullmatch(r"[A-Za-z0-9]{9,14}", raw):
        raise TransformError(f"« {value} » n'est pas un SIRET (14 chiffres) ni un SIREN (9 chiffres).")
    return raw


# "9h", "9h30", "09:30", "8 h 30"; minutes are never followed by "h" or ":" (that is the next time).
_TIME = r"(\d{1,2})\s*[:hH](?:\s*(\d{2})(?!\s*[:hH\d]))?"
HOURS_RANGE = re.compile(_TIME + r"\s*(?:-|–|à|a)\s*" + _TIME)


CLOSED = re.compile(r"^\s*(ferm[ée]e?s?|fermeture|closed?)\s*$", re.I)


def _day_ranges(text_value: str) -> str:
    if CLOSED.match(text_value):
        return ""
    ranges = []
    for m in HOURS_RANGE.finditer(text_value):
        h1, m1, h2, m2 = m.group(1), m.group(2) or "00", m.group(3), m.group(4) or "00"
        if int(h1) > 24 or int(h2) > 24 or int(m1) > 59 or int(m2) > 59:
            raise TransformError(f"horaire impossible « {m.group(0)} ».")
        ranges.append(f"{int(h1):02d}:{m1}-{int(h2):02d}:{m2}")
    rest = re.sub(r"[/,;\-–]|\b(et|de|puis)\b", "", HOURS_RANGE.sub("", text_value), flags=re.I).strip()
    if rest:
        raise TransformError(f"horaire illisible « {one_line(text_value)} ». Écrivez par exemple 09:00 - 12:00 / 13:30 - 17:00.")
    return ",".join(ranges)


def horaires_par_jour(value, row=None):
    """Per-day columns ({"Mo": "08:30 - 12:00 / 13:30 - 17:00", ...}) to one OSM opening_hours string.

    Consecutive days with the same hours are grouped: "Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00".
    """
    if not isinstance(value, dict):
        raise TransformError("horaires_par_jour attend une colonne par jour (clé columns: {Mo: ..., Tu: ...}).")
    per_day = []
    for day in DAYS_OSM:
        cell = value.get(day)
        per_day.append((day, _day_ranges(str(cell)) if cell not in (None, "") else ""))
    groups = []
    for day, ranges in per_day:
        if not ranges:
            continue
        if groups and groups[-1][2] == ranges and DAYS_OSM.index(groups[-1][1]) == DAYS_OSM.index(day) - 1:
            groups[-1][1] = day
        else:
            groups.append([day, day, ranges])
    if not groups:
        return None
    return "; ".join((f"{a}-{b}" if a != b else a) + " " + r for a, b, r in groups)


def split_capitalised(value, row=None):
    """A list written "A, B, C" whose items start with a capital letter; a comma inside an item is kept.

    "Découvrir l'ordinateur, Utiliser le numérique pour la recherche d'emploi (CV, plateformes...)"
    gives ["Découvrir l'ordinateur", "Utiliser le numérique pour la recherche d'emploi (CV, plateformes...)"];
    commas inside parentheses never split: "Commune (Mairie, CCAS, Centre Social...)" is one item.
    """
    return _split_outside_parentheses(value, r",\s*[A-ZÀ-ÖØ-Þ]")


def split_commas(value, row=None):
    """A list written "A, b, C": every comma outside parentheses separates two items.

    For form answers where free text follows the ticked boxes: "Connexion WIFI, tablettes graphiques"
    gives ["Connexion WIFI", "tablettes graphiques"]; "Commune (Mairie, CCAS...)" and "2,50 €" stay one item.
    """
    return _split_outside_parentheses(value, r",")


def _split_outside_parentheses(value, separator: str):
    parts, depth, current = [], 0, ""
    value = str(value)
    for i, char in enumerate(value):
        depth += {"(": 1, ")": -1}.get(char, 0)
        decimal = 0 < i < len(value) - 1 and value[i - 1].isdigit() and value[i + 1].isdigit()  # "2,50 €"
        if char == "," and depth <= 0 and not decimal and re.match(separator, value[i:]):
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()] or None


def street_with_number(value, row=None):
    """A street address from a number column and a street column ({"number": "4", "street": "rue X"});
    a number 0 (a form's placeholder for "no number") is left out.
    """
    if not isinstance(value, dict):
        raise TransformError("street_with_number attend deux colonnes (clé columns: {number: ..., street: ...}).")
    number, street = (str(value.get(k) or "").strip() for k in ("number", "street"))
    if not street:
        return None
    if number in ("", "0"):
        return street
    return f"{number} {street}"


TEST_RECORD = re.compile(r"^\s*test|\(\s*test\s*\)", re.I)


def refuse_test_record(value, row=None):
    """A name that marks a test record ("Test1", "TestZoomacom", "Château d'Annecy (test)") is refused,
    so the row goes to `rejets`: a test record is not a place. Other names pass ("La Teste-de-Buch")."""
    if TEST_RECORD.search(str(value)):
        raise TransformError(f"« {one_line(value)} » est une fiche de test, pas un lieu. Retirez-la du fichier.")
    return value


def postgres_array(value, row=None):
    """A PostgreSQL array exported as text: '{EPN,"Promeneur du net"}' gives ["EPN", "Promeneur du net"]."""
    raw = str(value).strip()
    if not (raw.startswith("{") and raw.endswith("}")):
        raise TransformError(f"« {one_line(raw)} » n'est pas une liste entre accolades ({{a,b}}).")
    items = next(csv.reader([raw[1:-1]], skipinitialspace=True), [])
    return [item.strip() for item in items if item.strip()] or None


def labelled_lines(value, row=None):
    """Several columns as one text, one line each: {"": "Ateliers...", "Horaires": "Mercredi 10h-12h"}
    gives "Ateliers...\nHoraires : Mercredi 10h-12h". Empty cells are left out; an empty label keeps the value alone.
    """
    if not isinstance(value, dict):
        raise TransformError("labelled_lines attend plusieurs colonnes nommées (clé columns: {Intitulé: colonne, ...}).")
    lines = []
    for label, cell in value.items():
        if cell is None or not str(cell).strip():
            continue
        cell = text(cell)
        lines.append(f"{label} : {cell}" if label else cell)
    return "\n".join(lines) or None


DAY_NAMES = {"lundi": "Mo", "mardi": "Tu", "mercredi": "We", "jeudi": "Th", "vendredi": "Fr", "samedi": "Sa", "dimanche": "Su"}
_DAY = r"(lundis?|mardis?|mercredis?|jeudis?|vendredis?|samedis?|dimanches?)"
_DAYS_TOKEN = re.compile(r"(?:du\s+)?" + _DAY + r"(?:\s*(?:au|à|a|-|–)\s*" + _DAY + r")?", re.I)
# Words that may sit between days and hours without changing their meaning.
_FILLER = {"de", "du", "au", "a", "à", "et", "le", "les", "l", "matin", "matins", "apres", "après", "midi", "midis",
           "apres-midi", "après-midi", "soir", "ouvert", "ouverture", "horaires", "h", "puis", "tous", "journee",
           "journée", "non", "stop", "continu", "en"}


def _day_code(name: str) -> str:
    return DAY_NAMES[name.lower().rstrip("s")]


def named_day_hours(value, row=None):
    """Opening hours written in French with day names, to OSM opening_hours.

    "Du lundi au vendredi de 9h à 12h et de 14h à 17h" gives "Mo-Fr 09:00-12:00,14:00-17:00";
    "<li>lundi matin: 8h30-12h / lundi après-midi: 13h30-17h</li>..." (HTML) and
    "Lundi et Jeudi : 14h à 18h Mardi : 9h à 12h" work too. Any other word ("sur rendez-vous",
    "sauf vacances", "1er et 3e mardi") makes the value unreadable rather than guessed.
    """
    raw = re.sub(r"<[^>]+>", " ", str(value))
    if re.search(_DAY + r"\s*[-–]\s*" + _DAY + r"\s*[-–]\s*" + _DAY, raw, re.I):
        # "lundi - mardi - jeudi" lists days with hyphens: then is "mercredi - vendredi" a range or two days?
        raise TransformError(f"horaire ambigu « {one_line(value)} » : des jours séparés par des tirets. Écrivez « du lundi au jeudi » ou « lundi, mardi ».")
    tokens = []  # ("days", [codes]) or ("hours", [ranges]) in reading order
    position = 0
    pattern = re.compile(f"{_DAYS_TOKEN.pattern}|{HOURS_RANGE.pattern}", re.I)
    leftover = []
    for m in pattern.finditer(raw):
        leftover.append(raw[position:m.start()])
        position = m.end()
        days = _DAYS_TOKEN.fullmatch(m.group(0))
        if days:
            first, last = _day_code(days.group(1)), _day_code(days.group(2)) if days.group(2) else None
            codes = list(DAYS_OSM[DAYS_OSM.index(first):DAYS_OSM.index(last) + 1]) if last else [first]
            if not codes:
                raise TransformError(f"jours impossibles « {m.group(0)} ».")
            tokens.append(("days", codes))
        else:
            tokens.append(("hours", [_day_ranges(m.group(0))]))
    leftover.append(raw[position:])
    words = [w for w in re.split(r"[\s:/,;.\-–()]+", " ".join(leftover).lower()) if w]
    unknown = [w for w in words if w not in _FILLER]
    if not tokens and not unknown:
        return None  # an empty template ("<ul><li>- </li>...</ul>")
    if unknown or not tokens:
        raise TransformError(f"horaire illisible « {one_line(value)} » : indiquez les horaires au format OpenStreetMap (Mo-Fr 09:00-12:00).")
    per_day: dict[str, list] = {}
    if tokens[0][0] == "hours":  # "9h-12h et 14h-17h du lundi au vendredi": hours first, then their days
        lead = next((i for i, (kind, _) in enumerate(tokens) if kind == "days"), len(tokens))
        if lead == len(tokens) or any(kind == "hours" for kind, _ in tokens[lead:]):
            raise TransformError(f"horaire ambigu « {one_line(value)} » : indiquez les horaires au format OpenStreetMap.")
        hours = [r for _, ranges in tokens[:lead] for r in ranges]
        for _, codes in tokens[lead:]:
            for code in codes:
                per_day.setdefault(code, []).extend(hours)
    else:
        pending, previous = [], None
        for kind, items in tokens:
            if kind == "days":
                if previous == "hours":
                    pending = []
                pending.extend(items)
            else:
                for code in pending:
                    per_day.setdefault(code, []).extend(items)
            previous = kind
        if previous == "days" and pending and not any(per_day.get(c) for c in pending):
            raise TransformError(f"horaire illisible « {one_line(value)} » : des jours sans horaires.")
    return horaires_par_jour({code: ",".join(r for r in ranges if r).replace(",", " / ") for code, ranges in per_day.items()})
TRUE_WORDS = {"oui", "o", "true", "vrai", "1", "yes", "x"}
FALSE_WORDS = {"non", "n", "false", "faux", "0", "no"}


def oui_non(value, row=None):
    """A yes/no cell ("oui", "non", "true", 1...) as a boolean."""
    key = normalise_label(value)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise TransformError(f"« {one_line(value)} » n'est ni oui ni non. Écrivez « oui » ou « non ».")


def slug(value, row=None):
    """An identifier made from a name: "Hub du Sud" gives "hub-du-sud", "Francil-in" gives "francil-in"."""
    value = unicodedata.normalize("NFKD", str(value))
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    result = re.sub(r"[^a-z0-9]+", "-", value).strip("-")
    if not result:
        raise TransformError(f"« {one_line(value)} » ne contient ni lettre ni chiffre pour former un identifiant.")
    return result


def code_departement(value, row=None):
    """A département code from a département code ("1" gives "01", "2A", "974") or from a commune's INSEE code."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value).strip().upper()
    if re.fullmatch(r"\d", raw):
        return Corrected("0" + raw, f"code département « {raw} » : 0 initial restauré")
    if re.fullmatch(r"\d{2}|2[AB]", raw) or raw in territoires.TERRITOIRES:   # 974, and the collectivités 975...988
        return raw
    if re.fullmatch(r"(\d{2}|2[AB])\d{3}", raw):
        return territoires.of_insee(raw) or raw[:2]
    raise TransformError(f"« {raw} » n'est ni un code de département (01, 2A, 974, 988) ni un code INSEE de commune.")


def html_unescape(value, row=None):
    """HTML entities written as text ("Vert&amp;Co") decoded ("Vert&Co")."""
    result = html.unescape(str(value))
    if result != str(value):
        return Corrected(result, "entités HTML décodées (&amp; devient &)")
    return result


HEX_ESCAPE = re.compile(r"<([0-9a-fA-F]{2})>")


def hex_escapes(value, row=None):
    """Accented letters that an R export wrote as Latin-1 byte codes: "Montlu<e7>on" gives "Montluçon"."""
    result = HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]).decode("latin-1"), str(value))
    if result != str(value):
        return Corrected(result, "lettres accentuées rétablies (codes <e9> de l'export devenus é)")
    return result


PORTE_PAR = re.compile(r"[\s,;:.\-–]*\bport[ée]e?s? par\s+(?P<porteur>[^\n]+)", re.I)


def porteur_in_text(value, row=None):
    """The structure named after "porté par" in a label ("…, porté par la Communauté X" gives "la Communauté X")."""
    match = PORTE_PAR.search(str(value))
    return match.group("porteur").strip(" .,;") if match else None


def without_porteur(value, row=None):
    """A label without its "porté par …" mention."""
    return PORTE_PAR.sub("", str(value)).strip()


def splitter(spec):
    """A function splitting a text, from a descriptor's `split` (or `part`'s `separator`): one separator
    ("; "), several (["; ", " / ", " et "]) or a regular expression ({pattern: "\\s*[;/]\\s*"})."""
    if isinstance(spec, dict):
        if set(spec) != {"pattern"}:
            raise ValueError("split : écrivez un séparateur, une liste de séparateurs ou {pattern: <expression régulière>}.")
        pattern = _compile(spec["pattern"], "split")
    elif isinstance(spec, list) and spec and all(isinstance(s, str) and s for s in spec):
        pattern = re.compile("|".join(re.escape(s) for s in sorted(spec, key=len, reverse=True)))
    elif isinstance(spec, str) and spec:
        pattern = re.compile(re.escape(spec))
    else:
        raise ValueError(f"split : séparateur « {spec} » invalide ; écrivez un texte, une liste de textes ou {{pattern: ...}}.")
    return lambda value: pattern.split(str(value))


def _compile(pattern, where: str):
    try:
        return re.compile(str(pattern))
    except re.error as e:
        raise ValueError(f"{where} : expression régulière « {pattern} » invalide ({e}).") from None


def make_replace(params):
    """`{replace: {pattern: <regular expression>, by: <text>}}`: every match replaced (`by` may use \\1 for a
    group; "" by default). Example: {pattern: "^(Mairie|Commune) de ", by: ""}."""
    if not isinstance(params, dict) or "pattern" not in params or set(params) - {"pattern", "by"}:
        raise ValueError("replace : écrivez {replace: {pattern: <expression régulière>, by: <texte>}}.")
    pattern, by = _compile(params["pattern"], "replace"), str(params.get("by") or "")

    def replace(value, row=None):
        return pattern.sub(by, str(value)).strip() or None
    return replace


def make_part(params):
    """`{part: {separator: "-", n: 2}}`: the n-th piece (1 = the first, -1 = the last) of a text cut by a
    separator, several separators or {pattern: ...} (as `split`). None when there is no such piece."""
    if not isinstance(params, dict) or "n" not in params or set(params) - {"separator", "n"}:
        raise ValueError("part : écrivez {part: {separator: <séparateur>, n: <rang, 1 pour le premier, -1 pour le dernier>}}.")
    split = splitter(params.get("separator", " "))
    n = params["n"]
    if not isinstance(n, int) or isinstance(n, bool) or n == 0:
        raise ValueError("part : n est un rang : 1 pour le premier morceau, 2 pour le deuxième, -1 pour le dernier.")

    def part(value, row=None):
        pieces = [p.strip() for p in split(value)]
        index = n - 1 if n > 0 else n
        if not -len(pieces) <= index < len(pieces):
            return None
        return pieces[index] or None
    return part


def normalise_label(value) -> str:
    """The key used to look a label up in a vocabulary map: case, accents, spaces and punctuation ignored."""
    value = unicodedata.normalize("NFKD", str(value))
    value = "".join(c for c in value if not unicodedata.combining(c)).casefold()
    value = value.replace("’", "'")
    return re.sub(r"[\s\-_.]+", " ", value).strip(" :;,.")


TRANSFORMS = {
    "text": text,
    "one_line": one_line,
    "first_line": first_line,
    "code_postal": code_postal,
    "code_insee": code_insee,
    "number": number,
    "integer": integer,
    "latitude_of_point": latitude_of_point,
    "longitude_of_point": longitude_of_point,
    "latitude": latitude,
    "longitude": longitude,
    "telephone": telephone,
    "courriels": courriels,
    "site_web": site_web,
    "url": url,
    "date": date_iso,
    "year_as_date": year_as_date,
    "code_postal_in_text": code_postal_in_text,
    "commune_in_text": commune_in_text,
    "adresse_in_text": adresse_in_text,
    "resume": resume,
    "siret": siret,
    "horaires_par_jour": horaires_par_jour,
    "named_day_hours": named_day_hours,
    "labelled_lines": labelled_lines,
    "postgres_array": postgres_array,
    "refuse_test_record": refuse_test_record,
    "street_with_number": street_with_number,
    "split_capitalised": split_capitalised,
    "split_commas": split_commas,
    "oui_non": oui_non,
    "slug": slug,
    "code_departement": code_departement,
    "html_unescape": html_unescape,
    "hex_escapes": hex_escapes,
    "porteur_in_text": porteur_in_text,
    "without_porteur": without_porteur,
    "urls": urls,
}
# Transforms that take parameters, written {name: {parameter: value}} in a descriptor.
TRANSFORM_FACTORIES = {
    "replace": make_replace,
    "part": make_part,
}
