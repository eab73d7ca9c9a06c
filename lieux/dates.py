"""Reading the dates real lists write, and explaining in French the ones that cannot be read.

`parse_date(value)` gives (date, precision) where precision is "jour", "mois" or "annee": a list that
writes only "Décembre 2019" or "2018" gives the first day of that month or year (never later than the
truth). A value that is not a date raises DateError with what is wrong (a day 32, a 31 February, a
misspelt month) and how to write it.

Forms read, with any of the separators / - . or spaces, a time after the date ignored:
    2019-12-10, 2019/12/10 14:16:50.898, 2019-12-10T14:16:50+02:00, 20191210
    10/12/2019, 10-12-2019, 10.12.2019, 10 12 2019, 1/8/2019, 10/12/19, 25/02/2019 00:00:00
    10 décembre 2019, 1er décembre 2019, mardi 10 déc. 2019, 10-déc-2019, December 10, 2019
    Décembre 2019, déc. 2019, 12/2019, 2019-12            (month: the 1st of the month)
    2019                                                  (year: the 1st of January)
    a JSON number of seconds or milliseconds since 1970 (Unix time)
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from datetime import date, datetime, timezone


class DateError(ValueError):
    """Not a date; the message says what is wrong and how to write it."""


HOW = "Écrivez la date AAAA-MM-JJ (2024-04-02) ou JJ/MM/AAAA (02/04/2024)."

MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
               "novembre", "décembre")
# Normalised (lower case, no accent, no final dot) → month number: French names and their usual abbreviations,
# then English ones (some exports are in English).
MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "fevrie": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "jui": 7, "aout": 8, "aou": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
    "january": 1, "february": 2, "feb": 2, "march": 3, "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6,
    "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
WEEKDAYS = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "lun", "mar", "mer", "jeu",
            "ven", "sam", "dim", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "mon", "tue", "wed", "thu", "fri", "sat", "sun"}

_WORD = r"[^\W\d_]+\.?"
# What may follow a date: a time (14:38, 14:38:45.898, 14h38), a time zone, "à".
_TIME = re.compile(r"^(?:[T\s,]+|\s*à\s*)?(\d{1,2})\s*[:hH]\s*(\d{2})?(?::(\d{2})(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$")
ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(.*)$", re.S)
COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
DMY = re.compile(r"^(\d{1,2})\s*[-/.\s]\s*(\d{1,2})\s*[-/.\s]\s*(\d{4}|\d{2})(?!\d)(.*)$", re.S)
D_MONTH_Y = re.compile(r"^(\d{1,2})\s*(?:er|ER|e)?[\s\-/.]*(" + _WORD + r")[\s\-/.,]*(\d{4})(?!\d)(.*)$", re.S)
MONTH_D_Y = re.compile(r"^(" + _WORD + r")\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)(.*)$", re.S)
MONTH_Y = re.compile(r"^(" + _WORD + r")[\s\-/.,]*(\d{4})$")
NUM_MONTH_Y = re.compile(r"^(?:(\d{1,2})[-/.\s](\d{4})|(\d{4})[-/.](\d{1,2}))$")
YEAR = re.compile(r"^(\d{4})$")


def _plain(word: str) -> str:
    word = unicodedata.normalize("NFKD", word)
    return "".join(c for c in word if not unicodedata.combining(c)).lower().rstrip(".")


def _month(word: str, raw: str) -> int:
    key = _plain(word)
    if key in MONTHS:
        return MONTHS[key]
    close = difflib.get_close_matches(key, [_plain(m) for m in MONTH_NAMES], n=1, cutoff=0.6)
    hint = f" Vouliez-vous dire « {MONTH_NAMES[[_plain(m) for m in MONTH_NAMES].index(close[0])]} » ?" if close else ""
    raise DateError(f"« {raw} » : « {word} » n'est pas un nom de mois (janvier… décembre, ou abrégé : janv., févr., "
                    f"déc.).{hint} {HOW}")


def _year(text: str, raw: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    if not 1900 <= year <= 2100:
        raise DateError(f"« {raw} » : l'année {year} est improbable (faute de frappe ?). {HOW}")
    return year


def _check_time(rest: str, raw: str) -> None:
    rest = rest.strip()
    if not rest:
        return
    m = _TIME.match(rest)
    if not m or int(m.group(1)) > 24 or int(m.group(2) or 0) > 59 or int(m.group(3) or 0) > 59:
        raise DateError(f"« {raw} » : « {rest} » après la date n'est pas une heure. {HOW}")


def _make(year: int, month: int, day: int, raw: str, order: str) -> date:
    if not 1 <= month <= 12:
        hint = " Jour et mois inversés (format américain mois/jour) ?" if order == "dmy" and 1 <= day <= 12 else ""
        raise DateError(f"« {raw} » : le mois {month} n'existe pas.{hint} {HOW}")
    if not 1 <= day <= 31:
        raise DateError(f"« {raw} » : le jour {day} n'existe pas. {HOW}")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"« {raw} » : le {day} {MONTH_NAMES[month - 1]} {year} n'existe pas. {HOW}") from None


def _without_weekday(text: str) -> str:
    m = re.match(r"^(" + _WORD + r")[\s,]+(?=\d)", text)
    if m and _plain(m.group(1)) in WEEKDAYS:
        return text[m.end():]
    return text


def parse_date(value) -> tuple[date, str]:
    """(date, "jour" | "mois" | "annee"), or DateError with the reason in French."""
    if isinstance(value, datetime):
        return value.date(), "jour"
    if isinstance(value, date):
        return value, "jour"
    if isinstance(value, bool):
        raise DateError(f"« {value} » n'est pas une date. {HOW}")
    if isinstance(value, float) and not math.isfinite(value):
        raise DateError(f"« {value} » n'est pas une date. {HOW}")
    if isinstance(value, (int, float)) and not (1000 <= value < 10**14):  # not a year, nor a Unix time
        raise DateError(f"« {value if abs(value) < 10**20 else 'nombre trop grand'} » n'est pas une date. {HOW}")
    if isinstance(value, (int, float)) and 10**9 <= value and float(value).is_integer():
        seconds = value / 1000 if value >= 10**12 else value  # Unix time, in seconds or milliseconds
        try:
            return datetime.fromtimestamp(seconds, timezone.utc).date(), "jour"
        except (OverflowError, OSError, ValueError):
            raise DateError(f"« {value} » n'est pas une date. {HOW}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = re.sub(r"\s+", " ", str(value)).strip()
    if len(raw) > 100:  # no date is written in so many characters
        raise DateError(f"« {raw[:40]}… » (texte de {len(raw)} caractères) n'est pas une date. {HOW}")
    text = _without_weekday(raw)
    if m := ISO.match(text):
        _check_time(m.group(4), raw)
        return _make(_year(m.group(1), raw), int(m.group(2)), int(m.group(3)), raw, "ymd"), "jour"
    if m := COMPACT.match(text):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw, "ymd"), "jour"
    if m := DMY.match(text):
        _check_time(m.group(4), raw)
        return _make(_year(m.group(3), raw), int(m.group(2)), int(m.group(1)), raw, "dmy"), "jour"
    if m := D_MONTH_Y.match(text):
        _check_time(m.group(4), raw)
        return _make(_year(m.group(3), raw), _month(m.group(2), raw), int(m.group(1)), raw, "dmy"), "jour"
    if m := MONTH_D_Y.match(text):
        _check_time(m.group(4), raw)
        return _make(_year(m.group(3), raw), _month(m.group(1), raw), int(m.group(2)), raw, "mdy"), "jour"
    if m := MONTH_Y.match(text):
        return _make(_year(m.group(2), raw), _month(m.group(1), raw), 1, raw, "my"), "mois"
    if m := NUM_MONTH_Y.match(text):
        month, year = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return _make(_year(year, raw), int(month), 1, raw, "my"), "mois"
    if m := YEAR.match(text):
        return date(_year(m.group(1), raw), 1, 1), "annee"
    raise DateError(f"« {raw} » n'est pas une date. {HOW}")
