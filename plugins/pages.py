"""The public pages: the search at `/` and one page per place at `/lieu/<id>` (French, server-rendered).

The search page's query string is the one `/api/proches` takes (lieux/search.py), so a shared
link, the page and the API all answer the same question. JavaScript (static/recherche.js) adds the
map and geolocation and then asks /api/proches itself.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from lieux import carte, communes, display, horaires, nearest, schemas
from lieux.search import DEFAULT_N, MAX_N, SearchError, has_place, parse_search, query_params

DATABASE = "lieux"
PLUGIN = "lieux-pages"
LEAFLET = ("datasette-leaflet", "leaflet-v1.7.1.js", "leaflet-v1.7.1.css")


# -- helpers -----------------------------------------------------------------------------------

def map_config(datasette) -> dict:
    """Tile layer of every map: datasette-cluster-map's config in metadata.yml (lieux/carte.py)."""
    return carte.tile_config(datasette.plugin_config(carte.CONFIG_PLUGIN))


def lieu_path(datasette, lieu_id: str) -> str:
    return datasette.urls.path(f"/lieu/{quote(str(lieu_id), safe='')}")


def opening(lieu: dict) -> dict:
    """{"ouvert": True|False|None, "jours": [(jour, texte)]|None, "aujourdhui": 0-6, "fuseau": tz, "lieu_fuseau": "…"},
    in the place's own time zone."""
    tz = horaires.timezone_for(lieu.get("departement_code"))
    osm = lieu.get("horaires")
    local = horaires.local_time(tz)
    return {
        "ouvert": horaires.is_open(osm, tz) if osm else None,
        "jours": horaires.describe(osm, local) if osm else None,
        "aujourdhui": local.weekday(),
        "fuseau": tz,
        "lieu_fuseau": display.TIMEZONE_PLACES.get(tz, tz),
    }


def result_card(datasette, lieu: dict) -> dict:
    """What a result shows: the lieu's fields plus its page, distance and opening state."""
    card = dict(lieu)
    for name in display.FILTER_NAMES + ("courriels", "site_web", "typologie"):
        card[name] = display.as_list(lieu.get(name))
    card["url"] = lieu_path(datasette, lieu["id"])
    card["distance"] = display.format_distance(lieu.get("distance_km"))
    card["ouvert"] = opening(lieu)["ouvert"]
    return card


# -- database ----------------------------------------------------------------------------------

_options_cache: dict = {}


async def filter_options(db) -> dict:
    """{field: [value, ...]}: the values present in the data, commonest first (computed once per database)."""
    key = (db.name, db.hash or id(db))
    if key not in _options_cache:
        options = {}
        columns = set(await db.table_columns("lieux"))
        for name in display.FILTER_NAMES:
            if name not in columns:
                continue
            rows = await db.execute(
                f"select j.value as v, count(*) as c from lieux, json_each(lieux.[{name}]) j "
                f"where json_valid(lieux.[{name}]) group by j.value order by c desc, v")
            options[name] = [r["v"] for r in rows if r["v"]]
        _options_cache[key] = options
    return _options_cache[key]


async def run_search(db, search: dict):
    """(centre, lieux): the located centre {lat, lon, label} (None when not found) and the nearest lieux."""
    def work(conn):
        if search["lat"] is not None:
            centre = (search["lat"], search["lon"], "votre position")
        else:
            if search["q"]:
                centre = communes.locate(conn, q=search["q"])
            else:
                centre = communes.locate(conn, commune=search["commune"] or None,
                                         code_postal=search["code_postal"] or None)
        if centre is None:
            return None, []
        filters = dict(search["filters"])
        if search["ouvert"]:
            filters["ouvert_maintenant"] = True
        found = nearest.nearest(conn, centre[0], centre[1], n=search["n"], rayon_km=search["rayon_km"],
                                filters=filters or None)
        return {"lat": centre[0], "lon": centre[1], "label": centre[2]}, found

    return await db.execute_fn(work)


# -- views -------------------------------------------------------------------------------------

def page_assets(datasette) -> dict:
    plugin, js, css = LEAFLET
    return {
        "leaflet_js": datasette.urls.static_plugins(plugin, js),
        "leaflet_css": datasette.urls.static_plugins(plugin, css),
        "css_url": datasette.urls.path("/static/lieux.css"),
    }


async def search_page(datasette, request):
    db = datasette.get_database(DATABASE)
    error, centre, lieux, status = None, None, [], 200
    try:
        search = parse_search(request.args)
    except SearchError as e:
        error, status = str(e), 400
        search = parse_search({})
    asked_nothing = not error and not has_place(search) and any(k in request.args for k in ("q", "commune", "code_postal"))
    if asked_nothing:
        error = "Saisissez une commune, un code postal ou une adresse, ou utilisez « Autour de moi »."
    if not error and has_place(search):
        centre, found = await run_search(db, search)
        if centre is None:
            asked = search["q"] or search["commune"] or search["code_postal"]
            error = (f"Nous n'avons pas trouvé « {asked} ». Vérifiez l'orthographe, "
                     "ou essayez le nom de la commune ou son code postal.")
        else:
            lieux = [result_card(datasette, lieu) for lieu in found]
    params = query_params(search)
    query = display.search_query(params)
    total = (await db.execute("select count(*) from lieux")).first()[0]
    more = None
    if lieux and len(lieux) == search["n"] and search["n"] < MAX_N:
        more = "?" + display.search_query(query_params(search, n=min(MAX_N, search["n"] + DEFAULT_N)))
    context = {
        **page_assets(datasette),
        "view_name": "recherche",
        "search": search,
        "error": error,
        "centre": centre,
        "lieux": lieux,
        "total": total,
        "filter_fields": display.FILTER_FIELDS,
        "options": await filter_options(db),
        "radius_choices": display.RADIUS_CHOICES,
        "share_url": datasette.absolute_url(request, datasette.urls.path("/" + ("?" + query if query else ""))),
        "api_url": datasette.urls.path("/api/proches" + ("?" + query if query else "")),
        "more_url": more,
        "plural": display.plural,
        "default_n": DEFAULT_N,
        "map_data": {
            **map_config(datasette),
            "centre": centre,
            "lieux": [{"id": l["id"], "nom": l["nom"], "lat": l.get("latitude"), "lon": l.get("longitude"),
                       "url": l["url"], "distance": l["distance"]} for l in lieux],
            "api": datasette.urls.path("/api/proches"),
            "n_defaut": DEFAULT_N,
            "n_max": MAX_N,
            "page": datasette.urls.path("/lieu/"),
        },
    }
    html = await datasette.render_template("index.html", context, request=request, view_name="recherche")
    return Response.html(html, status=status)


async def load_sources(db, lieu: dict) -> list[dict]:
    ids = display.as_list(lieu.get("sources"))
    if not ids:
        return []
    rows = await db.execute(f"select * from sources where id in ({', '.join('?' for _ in ids)})", ids)
    by_id = {r["id"]: dict(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


async def find_hubs(db, lieu: dict) -> list[str]:
    """The hubs territoriaux covering a lieu: its own `hub` column when the build fills one, else the
    `hubs` table's rows listing its département, or its région (by name, through a `regions` table)."""
    own = lieu.get("hub") or lieu.get("hub_territorial")
    if own:
        return display.as_list(own)
    tables = set(await db.table_names())
    if "hubs" not in tables or not lieu.get("departement_code"):
        return []
    region_name = None
    if "regions" in tables and lieu.get("region_code"):
        row = (await db.execute("select nom from regions where code = ?", [lieu["region_code"]])).first()
        region_name = row[0] if row else None
    rows = await db.execute(
        "select nom from hubs where (json_valid(departements) and exists "
        "(select 1 from json_each(hubs.departements) where value = :dep)) "
        "or (:region is not null and json_valid(regions) and exists "
        "(select 1 from json_each(hubs.regions) where value = :region)) order by nom",
        {"dep": lieu["departement_code"], "region": region_name})
    return [r[0] for r in rows]


def report_link(lieu: dict, sources: list[dict]) -> str | None:
    """Where to report an error: the producer's e-mail when known, else its page, else the list's URL."""
    for source in sources:
        email = source.get("courriel") or source.get("contact")
        if email and re.fullmatch(r"[^@\s<>\"?&]+@[^@\s<>\"?&]+", email):
            subject = quote(f"Erreur sur le lieu « {lieu.get('nom')} » ({lieu.get('id')})")
            return f"mailto:{email}?subject={subject}"
    for source in sources:
        if source.get("page") or source.get("url"):
            return source.get("page") or source.get("url")
    return None


async def lieu_page(datasette, request):
    db = datasette.get_database(DATABASE)
    lieu_id = unquote(request.url_vars["id"])
    row = (await db.execute("select * from lieux where id = ?", [lieu_id])).first()
    if row is None:
        html = await datasette.render_template(
            "lieu_introuvable.html", {**page_assets(datasette), "lieu_id": lieu_id}, request=request,
            view_name="lieu")
        return Response.html(html, status=404)
    lieu = dict(row)
    sources = await load_sources(db, lieu)
    hubs = await find_hubs(db, lieu)
    lists = {name: display.as_list(lieu.get(name)) for name in schemas.multi_valued(schemas.LIEUX)}
    lists["site_web"] = [u for u in map(display.http_url, lists.get("site_web", [])) if u]
    for name in ("prise_rdv", "fiche_acces_libre"):
        lieu[name] = display.http_url(lieu.get(name))
    sources = [{**s, "page": display.http_url(s.get("page")), "licence_url": display.http_url(s.get("licence_url")),
                "url": display.http_url(s.get("url"))} for s in sources]
    context = {
        **page_assets(datasette),
        "view_name": "lieu",
        "lieu": lieu,
        "listes": lists,
        "typologies": [display.typology_label(c) for c in lists.get("typologie", [])],
        "horaires": opening(lieu),
        "telephone": display.format_phone(lieu.get("telephone")),
        "tel_href": display.tel_href(lieu.get("telephone")),
        "date_maj": display.format_date(lieu.get("date_maj")),
        "sources": [{**s, "telecharge_le_texte": display.format_date(s.get("telecharge_le"))} for s in sources],
        "hubs": hubs,
        "report_url": report_link(lieu, sources),
        "row_url": datasette.urls.row(DATABASE, "lieux", tilde_encode(lieu_id)),
        "api_url": datasette.urls.path(f"/api/lieux/{quote(lieu_id, safe='')}"),
        "map_data": {**map_config(datasette), "lieux": [
            {"id": lieu["id"], "nom": lieu["nom"], "lat": lieu.get("latitude"), "lon": lieu.get("longitude")}]},
    }
    html = await datasette.render_template("lieu.html", context, request=request, view_name="lieu")
    return Response.html(html)


@hookimpl
def register_routes():
    return [
        (r"^/$", search_page),
        (r"^/lieu/(?P<id>[^/]+)$", lieu_page),
    ]
