"""Datasette's errors in French, with the status they deserve: a malformed parameter is 400, never 500.

Datasette 0.65 answers some malformed parameters with a 500 (`?_sort=nonexistent`, `?_through={}`,
`?_timelimit=abc`, `?id__in=[`, a POST to a table...). Rule, for every page and data answer that
Datasette itself serves: an error raised while answering a request that carries parameters, or that uses
a method other than GET/HEAD, is the request's fault (400, or 405 for the method), unless it is a server
error we recognise (the database missing...). The message says what to fix, in French; the English
original is kept after it when no translation matches, so nothing is hidden.
"""

from __future__ import annotations

import json
import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError

from lieux.erreurs_http import TITLES, translate

READ_METHODS = ("GET", "HEAD")
CLIENT_ERRORS = (ValueError, KeyError, IndexError, TypeError, AssertionError, sqlite3.Error, OverflowError)


def parameter_names(request) -> list[str]:
    return list(dict.fromkeys(request.args.keys()))


def classify(request, exception) -> tuple[int, str] | None:
    """(status, French message) for an error, or None for a genuine server error (left to Datasette)."""
    method_refused = request.method not in READ_METHODS
    if isinstance(exception, (Base400, DatasetteError)):
        status = exception.status
        message = exception.args[0] if isinstance(exception, Base400) else exception.message
        if status >= 500 and (method_refused or request.args):
            status = 405 if method_refused else 400
        return status, translate(message)
    if isinstance(exception, CLIENT_ERRORS) and (method_refused or request.args):
        if method_refused:
            return 405, f"Méthode {request.method} non permise ici : ces pages se lisent avec GET."
        names = ", ".join(parameter_names(request))
        detail = str(exception) or type(exception).__name__
        return 400, (f"Paramètre invalide ({names}) : Datasette ne peut pas l'utiliser ({detail[:200]}). "
                     "Corrigez ou retirez-le.")
    return None


def respond(datasette, request, status: int, message: str):
    """JSON for a data address (.json, .geojson, .csv), else the site's error page (error.html rendered
    like every page, plugins/site.py), in French."""
    from datasette.utils.asgi import Response

    headers = {"Allow": "GET, HEAD"} if status == 405 else {}
    if request.path.endswith((".json", ".geojson", ".csv")):
        body = {"ok": False, "error": message, "erreur": message, "status": status, "title": TITLES.get(status)}
        return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                        content_type="application/json; charset=utf-8")

    async def inner():
        html = await datasette.render_template(
            ["error.html"], {"ok": False, "error": message, "status": status, "title": None},
            request=request, view_name="erreur")
        return Response.html(html, status=status, headers=headers)

    return inner


@hookimpl(hookwrapper=True)
def handle_exception(datasette, request, exception):
    """Ours is the only answer for the errors we classify. Datasette awaits every answer of this hook, and
    its own default one prints a rich traceback with every local variable (about 3 s of CPU for one
    `?_where=` refused, measured): a stranger sending bad addresses must not buy seconds of server time."""
    outcome = yield
    found = classify(request, exception)
    if found is not None:
        outcome.force_result([respond(datasette, request, *found)])


@hookimpl(tryfirst=True)
def forbidden(datasette, request, message):
    return respond(datasette, request, 403, translate(message))
