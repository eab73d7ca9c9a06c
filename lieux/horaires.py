"""Opening hours: OSM `opening_hours` strings read with opening-hours-py, shown per day in French.

Every OSM string found in the reference lists parses with the library (checked by
tests/test_horaires.py on the real build); strings producers wrote as free French text
("mercredi de 14h à 16h") do not, and then `describe` and `is_open` answer None: the page shows
the text as given and the place is never counted as open.

Times are read in the place's own time zone, and public holidays are its territory's
(lieux/territoires.py, from the `holidays` package), not the library's own calendar:
- on an ordinary day the string is read without its `PH` rules;
- on a public holiday a place is open only when its string says so with `PH` (its `PH` rules are
  then read as rules for that weekday, after the others as OSM's order says); without `PH` the
  answer is None: "jour férié : horaires à vérifier".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError, State

from . import territoires

DEFAULT_TIMEZONE = territoires.DEFAULT.fuseau
DAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
CLOSED = "Fermé"
TO_CHECK = "horaires à vérifier"
# "PH" as a word outside double-quoted comments (the only place a holiday selector can be).
PH = re.compile(r"\bPH\b")
QUOTED = re.compile(r'("[^"]*")')


def timezone_for(departement_code, code_insee=None, code_postal=None) -> str:
    """The IANA time zone of a lieu ("974" → "Indian/Reunion"); Europe/Paris for metropolitan France."""
    return territoires.fuseau(departement_code, code_insee, code_postal)


@lru_cache(maxsize=8192)
def _parse(osm: str) -> OpeningHours | None:
    try:
        return OpeningHours(osm)  # no country: the library's own holidays never apply (see module doc)
    except (ParserError, SyntaxError, ValueError):
        return None


def parse(osm: str | None) -> OpeningHours | None:
    """The parsed expression, or None when empty or unparseable."""
    if not osm or not isinstance(osm, str) or not osm.strip():
        return None
    return _parse(osm.strip())


def mentions_holidays(osm: str) -> bool:
    """True when the string has a `PH` rule (outside its comments)."""
    return any(PH.search(part) for part in QUOTED.split(osm) if not part.startswith('"'))


@lru_cache(maxsize=8192)
def _as_holiday(osm: str, weekday: int) -> OpeningHours | None:
    """The string read on a public holiday falling on `weekday`: its `PH` selectors stand for that day."""
    text = "".join(part if part.startswith('"') else PH.sub(OSM_DAYS[weekday], part) for part in QUOTED.split(osm))
    return _parse(text)


def for_day(osm: str, day: date, holiday: str | None) -> OpeningHours | None:
    """The expression that rules `day`: the regular one, or its holiday reading (None: unknown)."""
    osm = osm.strip()
    if not holiday:
        return _parse(osm)
    if not mentions_holidays(osm):
        return None
    return _as_holiday(osm, day.weekday())


@dataclass(frozen=True)
class Etat:
    """A place's state at one moment: open (True/False, None when unknown), and the public holiday."""
    ouvert: bool | None
    jour_ferie: str | None = None
    lisible: bool = True


def local_time(timezone_name: str, now: datetime | None = None) -> datetime:
    """`now` (naive means UTC; default the clock) as a naive local time in `timezone_name`."""
    if now is None:
        now = datetime.now(timezone.utc)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(ZoneInfo(timezone_name)).replace(tzinfo=None)


def state_at(osm: str | None, local: datetime, territoire: territoires.Territoire = territoires.DEFAULT) -> Etat:
    """The state of `osm` at naive local time `local` in `territoire` (its public holidays)."""
    holiday = territoires.jour_ferie(territoire, local.date())
    if parse(osm) is None:
        return Etat(None, holiday, lisible=False)
    expression = for_day(osm, local.date(), holiday)
    if expression is None:
        return Etat(None, holiday)
    return Etat(bool(expression.is_open(local)), holiday)


def next_midnight(local: datetime) -> datetime:
    return datetime.combine(local.date() + timedelta(days=1), time())


def next_change(osm: str | None, local: datetime, territoire: territoires.Territoire = territoires.DEFAULT) -> datetime:
    """The naive local time from which state_at(osm, ·, territoire) may differ from its value at `local`: the next
    change of the hours that rule that day, or the next midnight, when the day changes (and a public holiday may
    start or end), whichever comes first."""
    midnight = next_midnight(local)
    if parse(osm) is None:
        return midnight
    expression = for_day(osm, local.date(), territoires.jour_ferie(territoire, local.date()))
    change = expression.next_change(local) if expression is not None else None
    return min(change, midnight) if change is not None and change > local else midnight


def epoch(local: datetime, timezone_name: str) -> float:
    """A naive local time of `timezone_name` as a POSIX timestamp (the earlier one when a clock change repeats it)."""
    return local.replace(tzinfo=ZoneInfo(timezone_name)).timestamp()


def etat(osm: str | None, row: dict, now: datetime | None = None, local: datetime | None = None) -> Etat:
    """The state of a lieu (a row with departement_code, code_insee, code_postal) at the instant `now`
    (naive means UTC; default the clock), or at naive `local` time read in the lieu's own time zone."""
    territoire, zone = territoires.clock_of_row(row)
    if local is None:
        local = local_time(zone, now)
    return state_at(osm, local, territoire)


def is_open(osm: str | None, timezone_name: str = DEFAULT_TIMEZONE, now: datetime | None = None,
            territoire: territoires.Territoire = territoires.DEFAULT) -> bool | None:
    """True when open at `now` in `timezone_name`; None when the string cannot be read, or on a public
    holiday of `territoire` (default metropolitan France) that the string does not cover with `PH`.

    "unknown" states (e.g. `Mo 09:00-12:00 unknown`) count as not open.
    """
    return state_at(osm, local_time(timezone_name, now), territoire).ouvert


def format_time(t: time | datetime, end: bool = False) -> str:
    """9:00 → "9 h", 13:30 → "13 h 30"; an end at midnight is "24 h"."""
    hour, minute = t.hour, t.minute
    if end and hour == 0 and minute == 0:
        hour = 24
    return f"{hour} h" if minute == 0 else f"{hour} h {minute:02d}"


def day_intervals(expression: OpeningHours, day: date) -> list[tuple[datetime, datetime, str]]:
    """The (start, end, note) of the open or unknown periods of one day."""
    day_start = datetime.combine(day, time())
    day_end = day_start + timedelta(days=1)
    periods = []
    for a, b, state, comment in expression.intervals(day_start, day_end):
        if state == State.CLOSED:
            continue
        a, b = max(a, day_start), min(b or day_end, day_end)
        if a >= b:
            continue
        note = comment or ""
        if state == State.UNKNOWN:
            note = f"{note}, à confirmer" if note else "à confirmer"
        periods.append((a, b, note))
    return periods


def periods_text(periods: list[tuple[datetime, datetime, str]]) -> str:
    """ "9 h – 12 h, 13 h 30 – 17 h (sur rendez-vous)", or "Fermé"."""
    if not periods:
        return CLOSED
    parts = []
    for a, b, note in periods:
        text = f"{format_time(a)} – {format_time(b, end=True)}"
        parts.append(f"{text} ({note})" if note else text)
    return ", ".join(parts)


def week_intervals(osm: str, monday: date) -> list[list[tuple[datetime, datetime, str]]] | None:
    """Per day of the week starting `monday`: the (start, end, note) of open or unknown periods."""
    parsed = _parse(osm.strip())  # the regular week: public holidays are listed apart (holidays_ahead)
    if parsed is None:
        return None
    return [day_intervals(parsed, monday + timedelta(days=i)) for i in range(len(DAYS))]


def describe(osm: str | None, now: date | datetime | None = None) -> list[tuple[str, str]] | None:
    """[("Lundi", "9 h – 12 h, 13 h 30 – 17 h"), ..., ("Dimanche", "Fermé")] for the week of `now`.

    Month- or date-specific rules are read for the week containing `now` (default: today);
    None when the string cannot be read (show it as given).
    """
    if not osm or not isinstance(osm, str) or not osm.strip():
        return None
    if now is None:
        now = local_time(DEFAULT_TIMEZONE)
    day = now.date() if isinstance(now, datetime) else now
    days = week_intervals(osm, day - timedelta(days=day.weekday()))
    if days is None:
        return None
    return [(name, periods_text(periods)) for name, periods in zip(DAYS, days)]


def holidays_ahead(osm: str | None, territoire: territoires.Territoire, today: date,
                   days: int = 14) -> list[dict]:
    """The public holidays of the `days` days from `today`, each with what the place says of it:
    [{"date", "nom", "texte": "Fermé" | "10 h – 12 h" | "horaires à vérifier", "prevu": bool}].

    `prevu` is True when the string has `PH` rules (the text is then its hours that day).
    """
    out = []
    for day, name in territoires.feries_entre(territoire, today, days):
        expression = for_day(osm, day, name) if parse(osm) is not None else None
        text = periods_text(day_intervals(expression, day)) if expression is not None else TO_CHECK
        out.append({"date": day, "nom": name, "texte": text, "prevu": expression is not None})
    return out


# -- "ouvert" as the API and the page take it ----------------------------------------------------

NOW = "maintenant"
MOMENT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})")
YEARS = (1970, 2100)
MOMENT_HELP = "« maintenant » ou une date et une heure locales au format AAAA-MM-JJTHH:MM (par exemple 2026-12-25T10:00)"


def parse_ouvert(text: str) -> str | datetime:
    """ "maintenant", or the naive local datetime of "YYYY-MM-DDTHH:MM"; ValueError (French) otherwise."""
    value = text.strip()
    if value == NOW:
        return NOW
    match = MOMENT.fullmatch(value)
    if not match:
        raise ValueError(f"« ouvert » vaut {MOMENT_HELP} ; reçu « {text} ».")
    try:
        moment = datetime(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"« ouvert » : « {text} » n'est pas une date et une heure qui existent "
                         f"(mois 01 à 12, jour du mois, heure 00 à 23, minutes 00 à 59).")
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(f"« ouvert » : l'année doit être comprise entre {YEARS[0]} et {YEARS[1]} ; reçu « {text} ».")
    return moment


def format_ouvert(value) -> str:
    """The query-string form of a parsed `ouvert` ("maintenant" or YYYY-MM-DDTHH:MM)."""
    return value.strftime("%Y-%m-%dT%H:%M") if isinstance(value, datetime) else str(value)
