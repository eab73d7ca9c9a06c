"""What every page of the site shares: the header's and footer's links, French number formats, breadcrumbs.

The templates (templates/base.html, _entete.html, _pied.html) read `site_nav`, `site_pied` and
`libelle_fil`; the Jinja filters `nombre` and `lignes` write numbers as French does ("6 802 lignes").
Another page adds itself to the header or footer by appending to NAV or FOOTER (path, label).
"""

from __future__ import annotations

from datasette import hookimpl

from lieux import carte, display

DATABASE = "lieux"
# (path, label): the header's menu, then the footer's links; paths are relative to the site's root.
NAV = [
    ("/", "Rechercher un lieu"),
    ("/couverture", "Couverture du territoire"),
    ("/lieux", "Explorer les données"),
    ("/api/", "API"),
]
FOOTER = [
    ("/lieux/sources", "Sources des données"),
    ("/qualite", "Qualité des sources"),
    ("/lieux/lieux", "Tous les lieux (tableau)"),
    ("/lieux/rejets", "Lignes rejetées"),
    ("/dictionnaire", "Dictionnaire des données"),
    ("/api/", "Documentation de l'API"),
    ("/lieux.db", "Télécharger la base entière (SQLite)"),
    ("/integrer", "Intégrer l'annuaire à votre site"),
    ("/signaler", "Signaler un problème sur le site"),
    ("/accessibilite", "Accessibilité : non conforme"),
]


def nombre(value, decimals: int = 0) -> str:
    """A number as French writes it: 6802 → "6 802", 3.14159 (decimals=2) → "3,14"; text unchanged."""
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.{decimals}f}" if decimals or number != int(number) else f"{int(number):,}"
    if not decimals and number != int(number):
        text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def lignes(count, singular: str = "ligne", plural_form: str | None = None) -> str:
    """ "1 ligne", "6 802 lignes" (0 and 1 take the singular, as in French)."""
    if count is None:
        return ""
    return display.plural(int(count), singular, plural_form)


# A source's `statut` (sources table) in words; any other value is shown as written.
SOURCE_STATUS = {"ok": "à jour", "perimee": "périmée : la dernière version obtenue est gardée",
                 "erreur": "en erreur", "absente": "absente"}


def source_status(value) -> str:
    return SOURCE_STATUS.get(value, value or "")



def crumb_label(datasette, label: str, index: int, database: str | None) -> str:
    """A breadcrumb's text: "Accueil", then the database's and table's titles from the metadata."""
    if label == "home":
        return "Accueil"
    if index == 1 and database and label == database:
        return datasette.metadata("title", database=database) or label
    if database:
        return datasette.metadata("title", database=database, table=label) or label
    return label


def nav_links(urls, request, which: str) -> list[dict]:
    """The header's ("nav") or footer's ("pied") links, the current page marked; works without a request
    (Datasette renders error pages with a bare context)."""
    current = getattr(request, "path", None) if request is not None else None
    out = []
    for path, label in (NAV if which == "nav" else FOOTER):
        href = str(urls.path(path))  # a plain str: Datasette's PrefixedUrlString calls dir(str) on each method
        active = current is not None and (current == href or (path != "/" and current.rstrip("/") == href.rstrip("/")))
        out.append({"href": href, "label": label, "actif": active})
    return out


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # Globals, not extra_template_vars: Datasette renders error.html with a bare context (handle_exception).
    env.globals["liens_site"] = nav_links
    env.globals["config_tuiles"] = lambda: carte.tile_config(datasette.plugin_config(carte.CONFIG_PLUGIN))
    env.globals["titre_erreur"] = error_title
    env.globals["message_erreur"] = error_message
    env.filters["nombre"] = nombre
    env.filters["lignes"] = lignes
    env.filters["date_fr"] = display.format_date
    env.filters["statut_source"] = source_status


@hookimpl
def extra_template_vars(datasette, request):
    return {
        "libelle_fil": lambda label, index, database=None: crumb_label(datasette, label, index, database),
        "libelle_operateur": operator_label,
        "description_filtres": describe_filters,
        "titre_table": lambda database, table: table_title(datasette, database, table),
    }


# Datasette's filter operators (datasette.filters.Filters), in French: key → (menu label, sentence).
OPERATORS = {
    "exact": ("=", "{c} = « {v} »"), "not": ("≠", "{c} ≠ « {v} »"),
    "contains": ("contient", "{c} contient « {v} »"), "endswith": ("se termine par", "{c} se termine par « {v} »"),
    "startswith": ("commence par", "{c} commence par « {v} »"),
    "gt": (">", "{c} > {v}"), "gte": ("≥", "{c} ≥ {v}"), "lt": ("<", "{c} < {v}"), "lte": ("≤", "{c} ≤ {v}"),
    "like": ("ressemble à (like)", "{c} ressemble à « {v} »"),
    "notlike": ("ne ressemble pas à (not like)", "{c} ne ressemble pas à « {v} »"),
    "glob": ("motif (glob)", "{c} suit le motif « {v} »"),
    "in": ("parmi", "{c} parmi {v}"), "notin": ("hors de", "{c} hors de {v}"),
    "arraycontains": ("la liste contient", "{c} contient « {v} »"),
    "arraynotcontains": ("la liste ne contient pas", "{c} ne contient pas « {v} »"),
    "date": ("date", "{c} le {v}"),
    "isnull": ("est nul", "{c} est nul"), "notnull": ("n'est pas nul", "{c} n'est pas nul"),
    "isblank": ("est vide", "{c} est vide"), "notblank": ("n'est pas vide", "{c} n'est pas vide"),
}


def operator_label(key: str, display_en: str) -> str:
    return OPERATORS.get(key, (display_en, ""))[0]


def describe_filters(filters, search: str | None = None, sort: str | None = None, sort_desc: str | None = None) -> str:
    """Datasette's human_description_en in French: "où departement_code = « 75 », triées par nom"."""
    bits = []
    if search:
        bits.append(f"contenant « {search} »")
    clauses = []
    for column, lookup, value in (filters.selections() if filters is not None else []):
        template = OPERATORS.get(lookup, (None, "{c} " + lookup + " {v}"))[1]
        clauses.append(template.format(c=column, v=value))
    if clauses:
        bits.append("où " + " et ".join(clauses))
    if sort:
        bits.append(f"triées par {sort}")
    elif sort_desc:
        bits.append(f"triées par {sort_desc}, décroissant")
    return ", ".join(bits)


ERROR_TITLES = {400: "Requête incorrecte", 403: "Accès refusé", 404: "Page introuvable", 405: "Méthode non autorisée",
                500: "Erreur du serveur"}
# Datasette's own English error messages (0.65), in French; any other message is shown as written.
ERROR_MESSAGES = [
    (r"Database not found:? ?(.*)", "Cette page n'existe pas."),
    (r"Table not found:? ?(.*)", "Table introuvable : {0}."),
    (r"Record not found:? ?(.*)", "Ligne introuvable : {0}."),
    (r"Row not found:? ?(.*)", "Ligne introuvable : {0}."),
    (r"Query not found:? ?(.*)", "Requête introuvable : {0}."),
    (r"Not ?found\.?", "Cette page n'existe pas. Vérifiez l'adresse, ou repartez de l'accueil."),
    (r"Forbidden|Permission denied", "Vous n'avez pas accès à cette page."),
    (r"Invalid SQL", "Requête SQL invalide."),
    (r"Statement must be a SELECT", "Seules les requêtes SELECT sont acceptées."),
    (r"SQL query took too long.*", "La requête a pris trop de temps et a été interrompue : ajoutez des filtres ou une limite."),
    (r"Cannot use _sort and _sort_desc at the same time", "Choisissez _sort ou _sort_desc, pas les deux."),
    (r"Cannot sort table by (.*)", "Impossible de trier la table par {0}."),
    (r"_size must be a positive integer", "_size doit être un nombre entier positif."),
    (r"_size must be <= (\d+)", "_size ne peut pas dépasser {0}."),
    (r"Invalid _facet_size", "_facet_size invalide."),
    (r"Method not allowed", "Méthode non autorisée."),
]
ERROR_TITLES_EN = {"SQL Interrupted": "Requête interrompue", "Invalid SQL": "Requête SQL invalide"}


def error_title(status, title=None) -> str:
    if title:
        return ERROR_TITLES_EN.get(str(title), str(title))
    try:
        status = int(status)
    except (TypeError, ValueError):
        status = 500
    return ERROR_TITLES.get(status, f"Erreur {status}")


def error_message(status, message) -> str:
    import re

    text = str(message or "").strip()
    for pattern, french in ERROR_MESSAGES:
        match = re.fullmatch(pattern, text, flags=re.IGNORECASE | re.DOTALL)
        if match:
            return re.sub(r" : \.$", ".", french.format(*(g.strip() for g in match.groups())))
    if not text:
        return error_title(status) + "."
    return text


def table_title(datasette, database: str, table: str) -> str:
    return datasette.metadata("title", database=database, table=table) or table


@hookimpl
def handle_exception(datasette, request, exception):
    """HTML error pages rendered like every other page (header, footer, demo banner), in French.

    Datasette's own handler renders error.html with a bare context (no plugin variables); this one
    takes the same status and message and goes through render_template. JSON requests keep Datasette's.
    """
    from datasette.utils.asgi import Base400, Response
    from datasette.views.base import DatasetteError

    if request is None or request.path.split("?")[0].endswith(".json"):
        return None
    if isinstance(exception, Base400):
        status, message, title = exception.status, exception.args[0] if exception.args else "", None
    elif isinstance(exception, DatasetteError):
        if exception.message_is_html:
            return None
        status, message, title = exception.status, exception.message, exception.title
    else:
        return None  # a real bug: Datasette's handler logs the traceback

    async def inner():
        html = await datasette.render_template(
            ["error.html"], {"ok": False, "error": message, "status": status, "title": title},
            request=request, view_name="erreur")
        return Response.html(html, status=status)

    return inner


async def dictionary_page(datasette, request):
    """/dictionnaire: every column of every published table, with its description (the table pages fold them)."""
    from datasette.utils.asgi import Response

    db = datasette.get_database(DATABASE)
    hidden = set(await db.hidden_table_names())
    tables = []
    for name in sorted(await db.table_names()):
        if name in hidden or name.startswith("lieux_fts") or name.startswith("lieux_rtree"):
            continue
        descriptions = datasette.metadata("columns", database=DATABASE, table=name) or {}
        columns = await db.table_columns(name)
        tables.append({
            "nom": name, "titre": table_title(datasette, DATABASE, name),
            "description": datasette.metadata("description", database=DATABASE, table=name),
            "url": datasette.urls.table(DATABASE, name),
            "colonnes": [{"nom": c, "description": descriptions.get(c, "")} for c in columns],
        })
    tables.sort(key=lambda t: (t["nom"] != "lieux", t["titre"].lower()))
    html = await datasette.render_template("dictionnaire.html", {"tables": tables}, request=request,
                                           view_name="dictionnaire")
    return Response.html(html)


@hookimpl
def register_routes():
    return [
        (r"^/dictionnaire$", dictionary_page),
        (r"^/carte/departements\.geojson$", department_outlines),
    ]


_contours_cache: dict = {}


async def department_outlines(datasette, request):
    """/carte/departements.geojson: the départements' simplified outlines from the database, the maps'
    background when the tile server cannot be reached (static/carte-secours.js). Empty without geography."""
    import json

    from datasette.utils.asgi import Response

    db = datasette.get_database(DATABASE)
    key = (db.name, db.hash or id(db))
    if key not in _contours_cache:
        features = []
        if "departements" in await db.table_names() and "geometry" in await db.table_columns("departements"):
            rows = await db.execute("select code, nom, geometry from departements where geometry is not null order by code")
            for code, nom, geometry in rows:
                try:
                    features.append({"type": "Feature", "properties": {"code": code, "nom": nom},
                                     "geometry": json.loads(geometry)})
                except ValueError:
                    continue
        _contours_cache[key] = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    return Response(_contours_cache[key], content_type="application/geo+json; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})
