"""The public pages: the search at `/` and one page per place at `/lieu/<id>` (French, server-rendered).

The search page's query string is the one `/api/proches` takes (lieux/search.py), so a shared
link, the page and the API all answer the same question. JavaScript (static/recherche.js) adds the
map and geolocation and then asks /api/proches itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote, urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from lieux import (carte, display, eloignement, geocoder, horaires, locating, nearest, positions, schemas,
                   sync_templates, territoires)
from lieux import texte as affichage
from lieux.search import (DEFAULT_N, MAX_N, OTHER, SearchError, has_place, moment_label, moments, parse_search,
                          query_params)

DATABASE = "lieux"
PLUGIN = "lieux-pages"
LEAFLET = ("datasette-leaflet", "leaflet-v1.7.1.js", "leaflet-v1.7.1.css")


# -- helpers -----------------------------------------------------------------------------------

def map_config(datasette) -> dict:
    """Tile layer of every map: datasette-cluster-map's config in metadata.yml (lieux/carte.py)."""
    return carte.tile_config(datasette.plugin_config(carte.CONFIG_PLUGIN))


def lieu_path(datasette, lieu_id: str) -> str:
    return datasette.urls.path(f"/lieu/{quote(str(lieu_id), safe='')}")


def open_state(lieu: dict, now=None, local=None) -> dict:
    """Whether a lieu is open at the instant `now` (default the clock) or at the naive local time `local`, in its
    own time zone and territory's calendar: what a search result shows, the start of `opening`. `change`: the
    timestamp from which that may change (its hours' next change, or the next midnight in its time zone)."""
    territoire, tz = territoires.clock_of_row(lieu)
    if local is None:
        local = horaires.local_time(tz, now)
    osm = lieu.get("horaires")
    state = horaires.state_at(osm, local, territoire)
    # A place that receives no public has hours to be reached, not opening hours: never "open now" (README).
    public = affichage.receives_public(display.as_list(lieu.get("modalites_acces")))
    return {"ouvert": state.ouvert if osm and public else None, "accueil_public": public,
            "jour_ferie": state.jour_ferie, "lisible": state.lisible, "local": local, "territoire": territoire,
            "fuseau": tz, "change": horaires.epoch(horaires.next_change(osm, local, territoire), tz)}


def opening(lieu: dict, now=None, local=None) -> dict:
    """The opening of a lieu (open_state) with that day's public holiday, the week table (with the holidays still
    to come this week marked) and the public holidays of the 14 days from then with what its hours say of them."""
    state = open_state(lieu, now, local)
    local, osm = state["local"], lieu.get("horaires")
    today = local.date()
    ahead = horaires.holidays_ahead(osm, state["territoire"], today) if osm else []
    by_date = {h["date"]: h for h in ahead}
    monday = today - timedelta(days=today.weekday())
    week = []
    for i, (jour, texte) in enumerate(horaires.describe(osm, local) or []):
        holiday = by_date.get(monday + timedelta(days=i))
        week.append({"jour": jour, "texte": holiday["texte"] if holiday else texte,
                     "ferie": holiday["nom"] if holiday else None})
    return {
        "ouvert": state["ouvert"],
        "accueil_public": state["accueil_public"],
        "jour_ferie": state["jour_ferie"],
        "lisible": state["lisible"],
        "semaine": week,
        "feries": [{**h, "jour": display.format_day(h["date"])} for h in ahead],
        "aujourdhui": local.weekday(),
        "moment": display.format_moment(local),
        "fuseau": state["fuseau"],
        "lieu_fuseau": territoires.zone_name(lieu),
    }


def position(lieu: dict) -> dict:
    """How precise the point is: {"approximative": bool, "quoi": "le centre de la commune" | None}."""
    return {"approximative": positions.approximative(lieu.get("qualite_geo")),
            "quoi": positions.what_the_point_is(lieu.get("qualite_geo"))}


def result_card(datasette, lieu: dict, ouvert=None, now=None) -> dict:
    """What a result shows: the lieu's fields plus its page, distance and opening state at `now` (default the
    clock), and until when that state holds (`change`). With a date asked (`ouvert` a datetime), its page link
    shows the hours at that date. Names and addresses as the public reads them (lieux/texte.py)."""
    card = affichage.public_lieu(lieu)
    for name in display.FILTER_NAMES + ("courriels", "site_web", "typologie"):
        card[name] = display.as_list(lieu.get(name))
    card["url"] = lieu_path(datasette, lieu["id"]) + (
        "?" + urlencode({"ouvert": horaires.format_ouvert(ouvert)}) if isinstance(ouvert, datetime) else "")
    card["approximative"] = positions.approximative(lieu.get("qualite_geo"))
    card["distance"] = display.format_distance(lieu.get("distance_km"))
    card["distance_texte"] = display.lieu_distance(lieu)
    state = open_state(lieu, now)
    card["ouvert"] = state["ouvert"]
    card["jour_ferie"] = state["jour_ferie"] if state["lisible"] else None
    card["change"] = state["change"]
    return card


# How long a search page may be kept, by a CDN or plugins/cache_pages.py, when nothing on it changes sooner; with
# ?ouvert= the results themselves change whenever any lieu around opens or closes, not only those shown.
PAGE_MAX_AGE = 600
OPEN_FILTER_MAX_AGE = 60
CACHEABLE = (200, 300, 404)  # the answers to a search (results, communes to choose from, nothing found)


def page_max_age(cards: list[dict], search: dict, now: datetime) -> int:
    """The seconds the search page stays right from `now`: until the first lieu shown opens or closes, or its day
    ends (a public holiday may start), or the day ends in metropolitan France (the « quand ? » choices), at most
    PAGE_MAX_AGE (OPEN_FILTER_MAX_AGE with ?ouvert=)."""
    metropole = horaires.DEFAULT_TIMEZONE
    midnight = horaires.epoch(horaires.next_midnight(horaires.local_time(metropole, now)), metropole)
    limit = OPEN_FILTER_MAX_AGE if search["ouvert"] else PAGE_MAX_AGE
    return max(0, min(limit, int(min([midnight] + [c["change"] for c in cards]) - now.timestamp())))


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


_counts: dict = {}


async def lieux_count(db) -> int:
    """The number of lieux, counted once per immutable database (a query less for every page)."""
    key = (db.name, db.hash if not db.is_mutable else None)
    if key[1] is None or key not in _counts:
        _counts[key] = (await db.execute("select count(*) from lieux")).first()[0]
    return _counts[key]


async def run_search(datasette, db, search: dict):
    """(located, results): where the search is centred (found, ambiguous or not found) and, when found,
    the nearest lieux with the honest warnings of lieux.locating."""
    filters = dict(search["filters"])
    if search["ouvert"] == horaires.NOW:
        filters[nearest.OPEN_NOW] = True
    elif search["ouvert"]:
        filters[nearest.OPEN_AT] = search["ouvert"]

    def nearest_to(conn, located):
        return locating.search_lieux(conn, located.lat, located.lon, located.label, located.departement,
                                     search["n"], search["rayon_km"], filters)

    if search["lat"] is not None:
        located = locating.Located(locating.FOUND, "", search["lat"], search["lon"], "votre position")
        return located, await db.execute_fn(lambda conn: nearest_to(conn, located))
    try:
        settings = geocoder.settings(datasette.plugin_config(geocoder.PLUGIN))
    except ValueError:
        settings = None
    if settings is None:
        # Without a geocoder, the place and its nearest lieux in one trip to the database thread.
        def both(conn):
            found = (locating.locate(conn, q=search["q"]) if search.get("q") else
                     locating.locate(conn, commune=search.get("commune") or None,
                                     code_postal=search.get("code_postal") or None))
            return found, (nearest_to(conn, found) if found.status == locating.FOUND else None)

        return await db.execute_fn(both)
    located = await locating.locate_search(db, search, settings)
    if located.status != locating.FOUND:
        return located, None
    return located, await db.execute_fn(lambda conn: nearest_to(conn, located))


# -- views -------------------------------------------------------------------------------------

def when_choices(search: dict) -> dict:
    """The "quand ?" choice of the search page: its options (from today in metropolitan France), the one
    selected, and the date of "autre" (a value that is no preset)."""
    today = horaires.local_time(horaires.DEFAULT_TIMEZONE).date()
    choices = moments(today)
    asked = horaires.format_ouvert(search["ouvert"]) if search["ouvert"] else ""
    preset = asked in {value for value, _ in choices if value != OTHER}
    return {
        "quand_choix": choices,
        "quand_valeur": asked if preset else OTHER,
        "quand_date": asked if asked and not preset else "",
        "quand_libelle": moment_label(search["ouvert"]) if search["ouvert"] else "",
    }


def page_assets(datasette) -> dict:
    plugin, js, css = LEAFLET
    return {
        "leaflet_js": datasette.urls.static_plugins(plugin, js),
        "leaflet_css": datasette.urls.static_plugins(plugin, css),
        "css_url": datasette.urls.path("/static/lieux.css"),
    }


async def search_page(datasette, request):
    db = datasette.get_database(DATABASE)
    now = datetime.now(timezone.utc)  # one instant for every result of the page
    error, centre, lieux, status = None, None, [], 200
    try:
        search = parse_search(request.args)
    except SearchError as e:
        error, status = str(e), 400
        search = parse_search({})
    asked_nothing = not error and not has_place(search) and any(k in request.args for k in ("q", "commune", "code_postal"))
    if asked_nothing:
        status = 400
        error = "Saisissez une commune, un code postal ou une adresse, ou utilisez « Autour de moi »."
    located, results, candidates, empty, warning = None, None, [], None, None
    if not error and has_place(search):
        located, results = await run_search(datasette, db, search)
        # The statuses of /api/proches for the same question: 300 to choose a commune, 404 for nothing found.
        if located.status == locating.AMBIGUOUS:
            status = 300
            page_params = {k: request.args.getlist(k) for k in request.args.keys()}
            candidates = [{**c, "url": locating.candidate_url(datasette.urls.path("/"), page_params, c)}
                          for c in located.candidates]
        elif located.status != locating.FOUND:
            status = 404
            asked = search["q"] or search["commune"] or search["code_postal"]
            error = (f"Nous n'avons pas trouvé « {asked} ». Vérifiez l'orthographe, "
                     "ou essayez le nom de la commune ou son code postal.")
        else:
            centre = {"lat": located.lat, "lon": located.lon, "label": located.label}
            lieux = [result_card(datasette, lieu, search["ouvert"], now) for lieu in results.rows]
            empty, warning = results.empty, results.warning
            status = 200 if lieux else 404
    params = query_params(search)
    query = display.search_query(params)
    total = await lieux_count(db)
    more = None
    if lieux and len(lieux) == search["n"] and search["n"] < MAX_N:
        more = "?" + display.search_query(query_params(search, n=min(MAX_N, search["n"] + DEFAULT_N)))
    context = {
        **page_assets(datasette),
        "view_name": "recherche",
        "search": search,
        "error": error,
        "centre": centre,
        "candidats": candidates,
        "ambigu": locating.ambiguous_message(located) if candidates else None,
        "notes": located.notes if located else [],
        "vide": empty,
        "avertissement": warning,
        "lieux": lieux,
        "total": total,
        "filter_fields": display.FILTER_FIELDS,
        "options": await filter_options(db),
        "radius_choices": display.RADIUS_CHOICES,
        **when_choices(search),
        "share_url": datasette.absolute_url(request, datasette.urls.path("/" + ("?" + query if query else ""))),
        "api_url": datasette.urls.path("/api/proches" + ("?" + query if query else "")),
        "more_url": more,
        "plural": display.plural,
        "default_n": DEFAULT_N,
        "map_data": {
            **map_config(datasette),
            "centre": centre,
            "lieux": [{"id": l["id"], "nom": l["nom"], "lat": l.get("latitude"), "lon": l.get("longitude"),
                       "url": l["url"], "distance": l["distance_texte"], "approximative": l["approximative"]}
                      for l in lieux],
            "distance_raisonnable_km": eloignement.SENSIBLE_KM,
            "api": datasette.urls.path("/api/proches"),
            "n_defaut": DEFAULT_N,
            "n_max": MAX_N,
            "page": datasette.urls.path("/lieu/"),
            "texte": affichage.for_browser(),
        },
    }
    html = await sync_templates.render(datasette, "index.html", context, request=request, view_name="recherche")
    # The page says how long it stays right (Datasette's router makes it `private, no-store` for a request with a
    # cookie or an actor: a signed-in maintainer's page names them).
    caching = {"Cache-Control": f"public, max-age={page_max_age(lieux, search, now)}"} if status in CACHEABLE else None
    return Response.html(html, status=status, headers=caching)


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


async def lieu_page(datasette, request):
    db = datasette.get_database(DATABASE)
    lieu_id = unquote(request.url_vars["id"])
    row = (await db.execute("select * from lieux where id = ?", [lieu_id])).first()
    if row is None:
        html = await sync_templates.render(
            datasette, "lieu_introuvable.html", {**page_assets(datasette), "lieu_id": lieu_id}, request=request,
            view_name="lieu")
        return Response.html(html, status=404)
    lieu = dict(row)
    shown = affichage.public_lieu(lieu)
    asked, date_error = None, None
    if request.args.get("ouvert"):
        try:
            asked = horaires.parse_ouvert(request.args.get("ouvert"))
        except ValueError:
            date_error = (f"La date demandée (« {request.args.get('ouvert')} ») n'est pas valide "
                          "(format AAAA-MM-JJTHH:MM) : les horaires sont montrés pour maintenant.")
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
        "lieu": {**lieu, **{k: shown[k] for k in ("nom", "commune", "structure_parente", "adresse",
                                                   "complement_adresse", "presentation_resume",
                                                   "presentation_detail", "accueil_public")}},
        "sigles": affichage.acronyms(lieu.get("nom"), lieu.get("structure_parente"), lieu.get("presentation_resume"),
                                     lieu.get("presentation_detail")),
        "itinerance": [affichage.itinerance_label(v) for v in lists.get("itinerance", [])],
        "listes": lists,
        "typologies": [display.typology_label(c) for c in lists.get("typologie", [])],
        "horaires": opening(lieu, local=asked if isinstance(asked, datetime) else None),
        "date_demandee": isinstance(asked, datetime),
        "date_erreur": date_error,
        "telephone": display.format_phone(lieu.get("telephone")),
        "tel_href": display.tel_href(lieu.get("telephone")),
        "date_maj": display.format_date(lieu.get("date_maj")),
        "sources": [{**s, "telecharge_le_texte": display.format_date(s.get("telecharge_le"))} for s in sources],
        "hubs": hubs,
        "row_url": datasette.urls.row(DATABASE, "lieux", tilde_encode(lieu_id)),
        "api_url": datasette.urls.path(f"/api/lieux/{quote(lieu_id, safe='')}"),
        "position": position(lieu),
        "map_data": {**map_config(datasette), "lieux": [
            {"id": lieu["id"], "nom": shown["nom"], "lat": lieu.get("latitude"), "lon": lieu.get("longitude"),
             "approximative": positions.approximative(lieu.get("qualite_geo"))}]},
    }
    html = await sync_templates.render(datasette, "lieu.html", context, request=request, view_name="lieu")
    return Response.html(html)


@hookimpl
def register_routes():
    return [
        (r"^/$", search_page),
        (r"^/lieu/(?P<id>[^/]+)$", lieu_page),
    ]
