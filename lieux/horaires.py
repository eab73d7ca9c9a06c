"""Opening hours: OSM `opening_hours` strings read with opening-hours-py, shown per day in French.

Every OSM string found in the reference lists parses with the library (checked by
tests/test_horaires.py on the real build); strings producers wrote as free French text
("mercredi de 14h à 16h") do not, and then `describe` and `is_open` answer None: the page shows
the text as given and the place is never counted as open.

"Now" is evaluated in the place's own time zone; public holidays follow the French calendar
("PH off").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError, State

DEFAULT_TIMEZONE = "Europe/Paris"
TIMEZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
}
DAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
CLOSED = "Fermé"
COUNTRY = "FR"


def timezone_for(departement_code) -> str:
    """The IANA time zone of a département code ("974" → "Indian/Reunion"); Europe/Paris otherwise."""
    if departement_code is None:
        return DEFAULT_TIMEZONE
    return TIMEZONES.get(str(departement_code).strip()[:3], DEFAULT_TIMEZONE)


@lru_cache(maxsize=8192)
def _parse(osm: str, country: str | None) -> OpeningHours | None:
    try:
        return OpeningHours(osm, country=country) if country else OpeningHours(osm)
    except (ParserError, SyntaxError, ValueError):
        return None


def parse(osm: str | None) -> OpeningHours | None:
    """The parsed expression (French public holidays known), or None when empty or unparseable."""
    if not osm or not isinstance(osm, str) or not osm.strip():
        return None
    return _parse(osm.strip(), COUNTRY)


def local_time(timezone_name: str, now: datetime | None = None) -> datetime:
    """`now` (naive means UTC; default the clock) as a naive local time in `timezone_name`."""
    if now is None:
        now = datetime.now(timezone.utc)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(ZoneInfo(timezone_name)).replace(tzinfo=None)


def is_open(osm: str | None, timezone_name: str = DEFAULT_TIMEZONE, now: datetime | None = None) -> bool | None:
    """True when open at `now` in the place's time zone; None when the string cannot be read.

    "unknown" states (e.g. `Mo 09:00-12:00 unknown`) count as not open.
    """
    parsed = parse(osm)
    if parsed is None:
        return None
    return bool(parsed.is_open(local_time(timezone_name, now)))


def format_time(t: time | datetime, end: bool = False) -> str:
    """9:00 → "9 h", 13:30 → "13 h 30"; an end at midnight is "24 h"."""
    hour, minute = t.hour, t.minute
    if end and hour == 0 and minute == 0:
        hour = 24
    return f"{hour} h" if minute == 0 else f"{hour} h {minute:02d}"


def week_intervals(osm: str, monday: date) -> list[list[tuple[datetime, datetime, str]]] | None:
    """Per day of the week starting `monday`: the (start, end, note) of open or unknown periods."""
    parsed = _parse(osm.strip(), None)  # the regular week: public holidays do not close it
    if parsed is None:
        return None
    start = datetime.combine(monday, time())
    days: list[list[tuple[datetime, datetime, str]]] = [[] for _ in DAYS]
    for i in range(7):
        day_start, day_end = start + timedelta(days=i), start + timedelta(days=i + 1)
        for a, b, state, comment in parsed.intervals(day_start, day_end):
            if state == State.CLOSED:
                continue
            a, b = max(a, day_start), min(b or day_end, day_end)
            if a >= b:
                continue
            note = comment or ""
            if state == State.UNKNOWN:
                note = f"{note}, à confirmer" if note else "à confirmer"
            days[i].append((a, b, note))
    return days


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
    lines = []
    for name, periods in zip(DAYS, days):
        if not periods:
            lines.append((name, CLOSED))
            continue
        parts = []
        for a, b, note in periods:
            text = f"{format_time(a)} – {format_time(b, end=True)}"
            parts.append(f"{text} ({note})" if note else text)
        lines.append((name, ", ".join(parts)))
    return lines
