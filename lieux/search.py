"""What the search page is asked: its query string read and written back (pure, no Datasette).

The query string is the one `/api/proches` takes (q, commune, code_postal, lat, lon, rayon_km, n,
the standard's field names, ouvert=maintenant or ouvert=YYYY-MM-DDTHH:MM), with the same bounds, so
that a shared link, the page and its API link answer the same question. The page is more lenient
than the API on empty values (an HTML form sends every field), and its "quand ?" choice may send
ouvert=autre with the date in ouvert_date (without JavaScript); it is written back as the API's form.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from . import display, horaires, openapi

DEFAULT_N = openapi.DEFAULT_N
MAX_N = openapi.MAX_N
MAX_RADIUS_KM = openapi.MAX_RADIUS_KM


class SearchError(ValueError):
    """A search parameter the page cannot use; the message is shown to the public."""


def parse_search(args) -> dict:
    """The search asked by a query string (a MultiParams or dict of lists); raises SearchError."""
    def first(name):
        value = args.get(name)
        return value.strip() if isinstance(value, str) else ""

    search = {"q": first("q"), "commune": first("commune"), "code_postal": first("code_postal"),
              "lat": None, "lon": None, "rayon_km": None, "n": DEFAULT_N,
              "filters": {}, "ouvert": None}
    ouvert = first("ouvert")
    if ouvert == OTHER or (not ouvert and first("ouvert_date")):  # a date typed without JavaScript counts
        ouvert = first("ouvert_date")
    if ouvert:
        try:
            search["ouvert"] = horaires.parse_ouvert(ouvert)
        except ValueError:
            raise SearchError("La date choisie n'est pas valide : choisissez un jour et une heure "
                              "(par exemple 2026-12-25T10:00), ou « Maintenant ».")
    for name in ("q", "commune", "code_postal"):
        if len(search[name]) > openapi.MAX_TEXT:
            raise SearchError(f"Le texte recherché est trop long (au plus {openapi.MAX_TEXT} caractères).")
    lat, lon = first("lat"), first("lon")
    if lat or lon:
        try:
            search["lat"], search["lon"] = float(lat.replace(",", ".")), float(lon.replace(",", "."))
        except ValueError:
            raise SearchError("La position reçue n'est pas valide (latitude et longitude attendues en degrés décimaux).")
        if not (-90 <= search["lat"] <= 90 and -180 <= search["lon"] <= 180):
            raise SearchError("La position reçue est hors des limites (latitude entre -90 et 90, longitude entre -180 et 180).")
    if first("rayon_km"):
        try:
            search["rayon_km"] = float(first("rayon_km").replace(",", "."))
        except ValueError:
            raise SearchError("La distance choisie n'est pas un nombre de kilomètres.")
        if not 0 < search["rayon_km"] <= MAX_RADIUS_KM:
            raise SearchError(f"La distance doit être comprise entre 0 et {MAX_RADIUS_KM} km.")
    if first("n"):
        try:
            search["n"] = int(first("n"))
        except ValueError:
            raise SearchError("Le nombre de lieux demandé n'est pas un nombre entier.")
        if not 1 <= search["n"] <= MAX_N:
            raise SearchError(f"Le nombre de lieux demandé doit être compris entre 1 et {MAX_N}.")
    getlist = args.getlist if hasattr(args, "getlist") else (lambda name: args.get(name) or [])
    for name in display.FILTER_NAMES:
        values = [v for v in getlist(name) if v.strip()]
        if values:
            search["filters"][name] = values
    return search


def has_place(search: dict) -> bool:
    return search["lat"] is not None or bool(search["q"] or search["commune"] or search["code_postal"])


def query_params(search: dict, **changes) -> dict:
    """The query string parameters of a search (the API's), in a stable order."""
    s = {**search, **changes}
    params = {}
    if s["lat"] is not None:
        params["lat"], params["lon"] = f"{s['lat']:.5f}", f"{s['lon']:.5f}"
    else:
        params.update(q=s["q"], commune=s["commune"], code_postal=s["code_postal"])
    if s["rayon_km"]:
        params["rayon_km"] = f"{s['rayon_km']:g}"
    if s["n"] != DEFAULT_N:
        params["n"] = str(s["n"])
    for name in display.FILTER_NAMES:
        if s["filters"].get(name):
            params[name] = s["filters"][name]
    if s["ouvert"]:
        params["ouvert"] = horaires.format_ouvert(s["ouvert"])
    return params


# -- the "quand ?" choice ----------------------------------------------------------------------

OTHER = "autre"
MORNING, AFTERNOON = time(10, 0), time(15, 0)


def moments(today: date) -> list[tuple[str, str]]:
    """The choices of "quand ?": (value of `ouvert`, label), from `today`; "" is "whenever"."""
    tomorrow = today + timedelta(days=1)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    choices = [("", "Peu importe"), (horaires.NOW, "Maintenant")]
    for label, day, hour in (("Demain matin", tomorrow, MORNING), ("Demain après-midi", tomorrow, AFTERNOON),
                             ("Samedi matin", saturday, MORNING)):
        moment = datetime.combine(day, hour)
        choices.append((horaires.format_ouvert(moment), f"{label} ({display.format_day(day)}, {hour.hour} h)"))
    choices.append((OTHER, "Autre jour et heure…"))
    return choices


def moment_label(value) -> str:
    """How the results' heading says the choice: "ouverts maintenant", "ouverts le samedi 12 décembre 2026 à 10 h"."""
    if value == horaires.NOW:
        return "ouverts maintenant"
    return f"ouverts le {display.format_moment(value)} (heure locale de chaque lieu)"
