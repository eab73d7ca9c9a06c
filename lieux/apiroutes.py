"""One mechanism for every /api/ route: each route declares its path, its view and the parameters it takes.

What a declared route gets, the same for all (plugins/api.py wires it into Datasette):

- a path under /api/ that no route declares answers 404 {"erreur": "..."} in French, never Datasette's HTML;
- a query parameter the route does not declare answers 400 naming the valid ones, so a typo
  (`?servces=...`) never returns unfiltered results;
- GET and HEAD only (405 otherwise; OPTIONS answers 204 for CORS preflights);
- CORS for GET on every answer, errors included;
- on a 200 (unless the route declares `own_validators=True` and sets them itself, as plugins/changements.py
  does with lieux/validateurs.py): an ETag derived from the build (the database file's hash), the route and its query, Last-Modified
  (the database file's time) and Cache-Control `public, max-age=...` so a CDN can serve it; a conditional GET
  (If-None-Match, or If-Modified-Since) answers 304 without running the view. A route whose answer changes
  with the time of day (`ouvert_maintenant`) declares `changes_with_time=True`: its ETag also carries the
  current time slice of `max_age` seconds, and its max-age is what is left of that slice, so a cache never
  keeps it past the minute a lieu opens or closes.

Declaring a route, in any plugin of plugins/ (the view takes (datasette, request) and returns a Response,
`answer()` and `error()` below build JSON ones):

    from lieux import apiroutes

    async def changements(datasette, request):
        depuis = request.args.get("depuis")
        ...
        return apiroutes.answer({"changements": [...]})

    @hookimpl
    def register_routes():
        return apiroutes.routes(
            apiroutes.Route(r"^/api/changements$", changements, params=("depuis", "format")),
        )

The registry lives in this module (plugins are loaded by Datasette as loose files, this package is
imported once), keyed by pattern, so registering the same route again (a new Datasette) replaces it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import Callable

from datasette.utils.asgi import Response

DATABASE = "lieux"
PREFIX = "/api/"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified",
}
JSON_TYPE = "application/json; charset=utf-8"
READ_METHODS = ("GET", "HEAD")
DEFAULT_MAX_AGE = 300


@dataclass(frozen=True)
class Route:
    """An /api/ route: regex of the path (Datasette's register_routes form), view, accepted query parameters."""
    pattern: str
    view: Callable
    params: tuple[str, ...] = ()
    max_age: int = DEFAULT_MAX_AGE
    changes_with_time: bool = False
    own_validators: bool = False  # the view sets ETag/Last-Modified and answers 304 itself (lieux/validateurs.py)
    regex: re.Pattern = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "regex", re.compile(self.pattern))


REGISTRY: dict[str, Route] = {}


def routes(*declared: Route) -> list[tuple[str, Callable]]:
    """Register the routes and return them as Datasette's register_routes hook wants them."""
    out = []
    for route in declared:
        REGISTRY[route.pattern] = route
        out.append((route.pattern, wrap(route)))
    return out


def match(path: str) -> Route | None:
    for route in REGISTRY.values():
        if route.regex.match(path):
            return route
    return None


def is_api_path(path: str) -> bool:
    return path == PREFIX.rstrip("/") or path.startswith(PREFIX)


# -- answers -----------------------------------------------------------------------------------

def answer(body, status: int = 200, content_type: str = JSON_TYPE, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers={**CORS, **(headers or {})},
                    content_type=content_type)


def error(message: str, status: int = 400, **extra) -> Response:
    return answer({"erreur": message, **extra}, status=status)


def readable(pattern: str) -> str:
    """/api/lieux/{id} for ^/api/lieux/(?P<id>[^/]+)$."""
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern.strip("^$"))
    return text.replace("/?", "").replace("\\", "") or "/api"


def not_found(path: str) -> Response:
    known = sorted({readable(r.pattern) for r in REGISTRY.values()})
    return error(f"Aucune adresse de l'API ne correspond à « {path} ». Adresses possibles : {', '.join(known)} "
                 "(documentation : /api).", status=404)


def unknown_parameters(args, allowed: tuple[str, ...]) -> str | None:
    """The French message for parameters the route does not take (None when all are known)."""
    unknown = [name for name in dict.fromkeys(args.keys()) if name not in allowed]
    if not unknown:
        return None
    name = unknown[0]
    lower = {a.lower(): a for a in allowed}
    close = [lower[name.lower()]] if name.lower() in lower else \
        [lower[c] for c in difflib.get_close_matches(name.lower(), list(lower), n=1)]
    hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
    valid = ", ".join(allowed) if allowed else "aucun"
    label = "Paramètre inconnu" if len(unknown) == 1 else "Paramètres inconnus"
    return f"{label} : {', '.join(f'« {u} »' for u in unknown)}.{hint} Paramètres possibles : {valid}."


def method_refused(request) -> Response | None:
    if request.method == "OPTIONS":
        return Response("", status=204, headers=dict(CORS))
    if request.method not in READ_METHODS:
        response = error(f"Méthode {request.method} non permise : cette API se lit avec GET.", status=405)
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
    return None


# -- caching -----------------------------------------------------------------------------------

def build_identity(datasette) -> tuple[str, float]:
    """(hash, modification time) of the served database: what changes when a new build is published."""
    db = datasette.get_database(DATABASE)
    if db.path is None:
        return "memoire", time.time()
    stat = os.stat(db.path)
    digest = db.hash if not db.is_mutable else None  # sha256 of the file, computed once for an immutable database
    return (digest or f"{stat.st_size:x}{int(stat.st_mtime_ns):x}")[:16], stat.st_mtime


def etag(build: str, path: str, query: str, time_slice: int | None = None) -> str:
    """A strong ETag: the build, the address asked (path and query) and, for answers that change with the
    time of day, the time slice."""
    key = f"{build}\n{path}\n{query}\n{'' if time_slice is None else time_slice}"
    return f'"{build}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"'


def cache_headers(datasette, request, max_age: int, changes_with_time: bool = False, now: float | None = None) -> dict:
    """ETag, Last-Modified and Cache-Control of an answer. One that changes with the time of day is kept only until
    its time slice ends (opening hours change on the minute, so a slice of 60 s holds one state of every lieu)."""
    build, mtime = build_identity(datasette)
    now = time.time() if now is None else now
    time_slice = int(now // max_age) if changes_with_time and max_age else None
    left = max_age if time_slice is None else max(0, int((time_slice + 1) * max_age - now))
    return {
        "ETag": etag(build, request.path, request.query_string, time_slice),
        "Last-Modified": formatdate(mtime, usegmt=True),
        "Cache-Control": f"public, max-age={left}",
        "Vary": "Accept-Encoding",
    }


def is_not_modified(request_headers, headers: dict, changes_with_time: bool = False) -> bool:
    """Whether a conditional GET may be answered 304 (If-None-Match first, as RFC 9110 says)."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or headers["ETag"] in tags
    since = request_headers.get("if-modified-since")
    if since and not changes_with_time:
        try:
            return parsedate_to_datetime(since).timestamp() >= int(
                parsedate_to_datetime(headers["Last-Modified"]).timestamp())
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


def not_modified(headers: dict) -> Response:
    return Response("", status=304, headers={**CORS, **headers})


def wrap(route: Route) -> Callable:
    async def view(datasette, request):
        refused = method_refused(request)
        if refused:
            return refused
        message = unknown_parameters(request.args, route.params)
        if message:
            return error(message)
        headers = {} if route.own_validators else cache_headers(datasette, request, route.max_age,
                                                                    route.changes_with_time)
        if headers and is_not_modified(request.headers, headers, route.changes_with_time):
            return not_modified(headers)
        response = await route.view(datasette, request)
        for name, value in CORS.items():
            response.headers.setdefault(name, value)
        if response.status == 200:
            response.headers.update(headers)
        return response

    view.__name__ = getattr(route.view, "__name__", "api_view")
    return view
