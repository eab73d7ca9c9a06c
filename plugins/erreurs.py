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
import re
import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError

READ_METHODS = ("GET", "HEAD")
SQL_CLOSED = ("Les requêtes SQL libres sont fermées sur le serveur public. Pour tout interroger, téléchargez la "
              "base entière (lien « Télécharger la base » de /lieux, fichier SQLite) ; ici, utilisez les tables, "
              "leurs filtres et facettes, les requêtes prévues et l'API (/api).")
# (English message of Datasette, French message: what is wrong and how to fix it). \1... are the groups.
TRANSLATIONS = [
    (r"Cannot sort table by (.*)", r"Impossible de trier par « \1 » : ce n'est pas une colonne triable de cette table."),
    (r"Cannot use _sort and _sort_desc at the same time",
     "_sort et _sort_desc ne se donnent pas ensemble : gardez l'un des deux."),
    (r"_(no)?col=(.*) - invalid columns", r"Colonne inconnue dans _\1col : « \2 »."),
    (r"no such column: (?:inner\.)?(.*)", r"Colonne inconnue : « \1 »."),
    (r"no such table: (.*)", r"Table inconnue : « \1 »."),
    (r"(fts5: syntax error.*|unterminated string|malformed MATCH.*)",
     "Recherche illisible (guillemet ou opérateur non fermé) : retirez les caractères spéciaux du texte cherché."),
    (r"_size must be a positive integer", "_size doit être un nombre entier positif, ou « max »."),
    (r"_size must be <= (\d+)", r"_size doit être au plus \1."),
    (r"_facet= is not allowed", "Les facettes ne sont pas permises ici."),
    (r"CSV streaming is disabled", "Le CSV complet (_stream) n'est pas permis ici."),
    (r"_next not allowed for CSV streaming", "_next ne se combine pas avec _stream=on."),
    (r"Database not found.*", "Base introuvable."),
    (r"Table not found.*", "Table introuvable."),
    (r"Record not found.*", "Ligne introuvable."),
    (r"(Page not found|404|Not found|No data).*", "Page introuvable."),
    (r"execute-sql", SQL_CLOSED),
    (r"_where= is not allowed", SQL_CLOSED),
    (r"SQL query took too long.*",
     "La requête a dépassé le temps permis : ajoutez un filtre ou réduisez _size, ou téléchargez la base."),
    (r"Database download is forbidden|Cannot download.*", "Le téléchargement de cette base n'est pas permis."),
    (r"Database is immutable", "Cette base est en lecture seule."),
    (r"(You do not have permission.*|Permission denied|view-.*)", "Accès refusé."),
    (r"Pas de GeoJSON.*|Page fermée.*|Paramètre.*", r"\g<0>"),  # already French (our own plugins)
]
TITLES = {400: "Requête invalide", 403: "Accès refusé", 404: "Page introuvable", 405: "Méthode non permise"}
CLIENT_ERRORS = (ValueError, KeyError, IndexError, TypeError, AssertionError, sqlite3.Error, OverflowError)


def translate(message: str) -> str:
    message = str(message or "").strip()
    for english, french in TRANSLATIONS:
        m = re.fullmatch(english, message, flags=re.S)
        if m:
            return m.expand(french)
    return f"Requête invalide : {message}" if message else "Requête invalide."


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


@hookimpl(tryfirst=True)  # before plugins/site.py's, which renders the page but keeps Datasette's status
def handle_exception(datasette, request, exception):
    found = classify(request, exception)
    if found is None:
        return None
    return respond(datasette, request, *found)


@hookimpl(tryfirst=True)
def forbidden(datasette, request, message):
    return respond(datasette, request, 403, translate(message))
