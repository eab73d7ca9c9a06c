"""The JSON API: /api/proches (nearest lieux), /api/lieux/<id>, /api/openapi.json and its documentation at /api.

Every route is declared through lieux.apiroutes (its parameters, its caching), which answers unknown
paths (404), unknown parameters (400), other methods (405), CORS, ETag/Last-Modified/Cache-Control and
conditional GETs the same way for all: a new /api/ route is declared there, see that module's docstring.
Parameters are read by pure functions (parse_proches) that raise ParameterError with a French
message; the views turn it into 400 {"erreur": ...}.

Datasette's own JSON, CSV and GeoJSON (/lieux/<table>.json ...) get CORS and the same caching headers
here too (data_headers), and tables with latitude/longitude are served as GeoJSON (geojson_renderer).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from urllib.parse import quote, unquote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from lieux import apiroutes, eloignement, geocoder, horaires, locating, nearest, openapi, positions, schemas
from lieux.apiroutes import CORS, JSON_TYPE, answer, error
from lieux.erreurs_http import translate_body
from lieux.texte import receives_public

DATABASE = "lieux"
GEOJSON_TYPE = f"{openapi.GEOJSON}; charset=utf-8"
POSTCODE = re.compile(r"[0-9]{5}")
DECIMAL_COMMA = re.compile(r"^\s*[-+]?[0-9]+,[0-9]+\s*$")


class ParameterError(ValueError):
    """A parameter the API cannot use; the message (French) tells how to fix it."""


class NotFound(LookupError):
    """What was asked does not exist; the message is French."""


# -- parameters --------------------------------------------------------------------------------

def first(args, name: str) -> str | None:
    """The one value of a parameter (None when absent); given twice is an error."""
    values = args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ParameterError(f"« {name} » est donné {len(values)} fois : donnez-le une seule fois.")
    return values[0]


def parse_number(args, name: str, low: float, high: float, what: str, low_open: bool = False) -> float | None:
    text = first(args, name)
    if text is None:
        return None
    if DECIMAL_COMMA.match(text):
        raise ParameterError(f"« {name} » s'écrit avec un point décimal, pas une virgule : "
                             f"{name}={text.strip().replace(',', '.')} ; reçu « {text} ».")
    try:
        value = float(text) if len(text) <= 64 else math.nan
    except ValueError:
        raise ParameterError(f"« {name} » doit être un nombre ({what}) ; reçu « {text[:64]} ».")
    if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
        bounds = f"strictement supérieur à {low:g}" if low_open else f"au moins {low:g}"
        raise ParameterError(f"« {name} » doit être {bounds} et au plus {high:g} ({what}) ; reçu « {text[:64]} ».")
    return value


def parse_filters(args) -> dict:
    filters = {}
    for field in openapi.FILTERS:
        values = []
        for raw in args.getlist(field):
            pieces = [v.strip() for v in raw.split(schemas.SEPARATOR)]
            if not all(pieces):
                raise ParameterError(f"« {field} » contient une valeur vide : retirez le paramètre ou "
                                     "donnez une des valeurs possibles.")
            values += pieces
        if not values:
            continue
        allowed = openapi.vocabulary(field)
        unknown = [v for v in values if allowed and v not in allowed]
        if unknown:
            raise ParameterError(f"Valeur inconnue pour « {field} » : « {unknown[0]} ». "
                                 f"Valeurs possibles : {', '.join(allowed)}.")
        filters[field] = list(dict.fromkeys(values))
    return filters


def parse_proches(args) -> dict:
    """The search asked of /api/proches (args: a MultiParams); raises ParameterError."""
    search = {"lat": None, "lon": None, "commune": None, "code_postal": None, "q": None}
    lat = parse_number(args, "lat", -90, 90, "latitude en degrés décimaux WGS84, entre -90 et 90")
    lon = parse_number(args, "lon", -180, 180, "longitude en degrés décimaux WGS84, entre -180 et 180")
    if (lat is None) != (lon is None):
        raise ParameterError("Donnez lat et lon ensemble (par exemple lat=48.8566&lon=2.3522).")
    for name in ("commune", "code_postal", "q"):
        value = first(args, name)
        if value is None:
            continue
        if len(value) > openapi.MAX_TEXT:
            raise ParameterError(f"« {name} » est trop long (au plus {openapi.MAX_TEXT} caractères).")
        if name == "code_postal" and value and not POSTCODE.fullmatch(value):
            raise ParameterError(f"« code_postal » doit compter cinq chiffres, sans espace ; reçu « {value} ».")
        search[name] = value.strip() or None
    if lat is not None:
        search["lat"], search["lon"] = lat, lon
    elif not (search["commune"] or search["code_postal"] or search["q"]):
        raise ParameterError("Indiquez où chercher : lat et lon, ou commune, code_postal ou q "
                             "(par exemple ?code_postal=38000).")
    n_text = first(args, "n")
    if n_text is not None:
        shown = n_text if len(n_text) <= 20 else n_text[:20] + f"… ({len(n_text)} caractères)"
        if not (n_text.isascii() and n_text.isdigit()):
            raise ParameterError(f"« n » doit être un nombre entier entre 1 et {openapi.MAX_N} ; reçu « {shown} ».")
        n = int(n_text) if len(n_text) <= 6 else openapi.MAX_N + 1  # int() refuses 4,300+ digits with a ValueError
        if not 1 <= n <= openapi.MAX_N:
            raise ParameterError(f"« n » doit être compris entre 1 et {openapi.MAX_N} ; reçu « {shown} ».")
    else:
        n = openapi.DEFAULT_N
    search["n"] = n
    search["rayon_km"] = parse_number(args, "rayon_km", 0, openapi.MAX_RADIUS_KM, "distance en kilomètres",
                                      low_open=True)
    search["filters"] = parse_filters(args)
    ouvert = first(args, "ouvert")
    try:
        search["ouvert"] = horaires.parse_ouvert(ouvert) if ouvert is not None else None
    except ValueError as e:
        raise ParameterError(str(e))
    search["format"] = parse_format(args)
    search["curseur"] = first(args, "curseur")
    return search


def parse_format(args) -> str:
    value = first(args, "format")
    if value is None:
        return "json"
    if value not in ("json", "geojson"):
        raise ParameterError(f"« format » vaut « json » ou « geojson » ; reçu « {value} ».")
    return value


# -- answers -----------------------------------------------------------------------------------

def lieu_json(row: dict, base: str = "") -> dict:
    """A lieu as the API shows it: the standard's fields (lists for multi-valued ones), then what the
    directory adds: its page (url, `base` + /lieu/<id>), its département, the quality of its position
    (qualite_geo, position_approximative), its source lists, open now."""
    out = schemas.standard_values(row)
    out["url"] = base + f"/lieu/{quote(str(row.get('id')), safe='')}"
    out["departement"] = ({"code": row.get("departement_code"), "nom": row.get("departement_nom")}
                          if row.get("departement_code") else None)
    out["qualite_geo"] = row.get("qualite_geo")
    out["position_approximative"] = positions.approximative(row.get("qualite_geo"))
    out["sources"] = source_list(row.get("sources"))
    state = horaires.etat(row.get("horaires"), row)
    # A place that receives no public has hours to be reached, never "open" (as its page says).
    public = receives_public(out.get("modalites_acces") or [])
    out["ouvert_maintenant"] = state.ouvert if row.get("horaires") and public else None
    out["jour_ferie"] = state.jour_ferie
    if "distance_km" in row:
        out["distance_km"] = row["distance_km"]
    for name in ("eloigne", "territoire", "distance_libelle"):
        if name in row:
            out[name] = row[name]
    return out


def source_list(value) -> list[str]:
    """The ids of the source lists a lieu comes from (the `sources` column holds a JSON list)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


def feature(lieu: dict) -> dict:
    lat, lon = lieu.get("latitude"), lieu.get("longitude")
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return {"type": "Feature", "id": str(lieu["id"]), "geometry": geometry, "properties": lieu}


def centre_json(centre) -> dict:
    return {"latitude": centre[0], "longitude": centre[1], "libelle": centre[2]}


# -- cursor ------------------------------------------------------------------------------------

def search_key(args) -> str:
    """What a cursor is bound to: the search's parameters, except the page size and the cursor itself."""
    items = sorted((k, v) for k in args.keys() if k not in ("n", "curseur") for v in args.getlist(k))
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()[:12]


def make_cursor(build: str, key: str, distance_km: float, rowid: int) -> str:
    raw = json.dumps([build, key, distance_km, rowid], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(text: str, build: str, key: str) -> tuple[float, int]:
    """(distance_km, rowid) after which the next page starts; ParameterError when it is not this search's."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        got_build, got_key, distance, rowid = json.loads(raw)
        after = (float(distance), int(rowid))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ParameterError("« curseur » illisible : reprenez l'adresse donnée dans « suivant » par la page précédente.")
    if got_build != build:
        raise ParameterError("Ce curseur vient d'une version précédente de la base : relancez la recherche sans curseur.")
    if got_key != key:
        raise ParameterError("Ce curseur appartient à une autre recherche : gardez les mêmes paramètres "
                             "(seul « n » peut changer) ou relancez sans curseur.")
    return after


def next_url(request, cursor: str) -> str:
    params = [(k, v) for k in request.args.keys() if k != "curseur" for v in request.args.getlist(k)]
    return request.path + "?" + urlencode(params + [("curseur", cursor)])


def page_base(datasette, request) -> str:
    """The absolute address of the site, as the client reached it (for the `url` of each lieu)."""
    return datasette.absolute_url(request, datasette.urls.path("/")).rstrip("/")


def place_json(located) -> dict:
    """What the API says about the place searched: the commune found, notes (former commune, address…)."""
    if located is None:
        return {"commune": None, "notes": []}
    commune = dict(located.commune) if located.commune else None
    return {"commune": commune, "notes": list(located.notes)}


def proches_body(search: dict, centre, rows: list[dict], located=None, warning: str | None = None,
                 base: str = "", following: str | None = None) -> tuple[dict, str]:
    lieux = [lieu_json(r, base) for r in rows]
    context = {**place_json(located), "avertissement": warning,
               "distance_raisonnable_km": eloignement.SENSIBLE_KM, "suivant": following}
    if search["format"] == "geojson":
        return {"type": "FeatureCollection", "centre": centre_json(centre),
                "features": [feature(l) for l in lieux], **context}, GEOJSON_TYPE
    return {"centre": centre_json(centre), "nombre": len(lieux), "rayon_km": search["rayon_km"],
            "lieux": lieux, **context}, JSON_TYPE


def ambiguous_body(request, search: dict, located) -> dict:
    """300: the candidates, most populous first, each with the API URL that chooses it."""
    params = {k: request.args.getlist(k) for k in request.args.keys()}
    candidates = [{**c, "url": locating.candidate_url("/api/proches", params, c)} for c in located.candidates]
    return {"erreur": locating.ambiguous_message(located), "candidats": candidates, "notes": located.notes}


# -- views -------------------------------------------------------------------------------------

def geocoder_settings(datasette) -> geocoder.Settings | None:
    """The address geocoder when configured (metadata plugin `lieux-adresses` or environment), else None."""
    try:
        return geocoder.settings(datasette.plugin_config(geocoder.PLUGIN))
    except ValueError:
        return None  # a malformed setting leaves addresses at their commune, as without a geocoder


def search_filters(search: dict) -> dict:
    filters = dict(search["filters"])
    if search["ouvert"] == horaires.NOW:
        filters[nearest.OPEN_NOW] = True
    elif search["ouvert"]:
        filters[nearest.OPEN_AT] = search["ouvert"]
    return filters


async def proches(datasette, request):
    try:
        search = parse_proches(request.args)
        build = apiroutes.build_identity(datasette)[0]
        key = search_key(request.args)
        after = read_cursor(search["curseur"], build, key) if search["curseur"] else None
    except ParameterError as e:
        return error(str(e))
    db = datasette.get_database(DATABASE)
    located, departement = None, None
    if search["lat"] is not None:
        centre = (search["lat"], search["lon"], "position donnée")
    else:
        located = await locating.locate_search(db, search, geocoder_settings(datasette))
        if located.status == locating.AMBIGUOUS:
            return answer(ambiguous_body(request, search, located), status=300)
        if located.status != locating.FOUND:
            asked = search["code_postal"] or search["commune"] or search["q"]
            return error(f"« {asked} » introuvable : essayez le nom exact de la commune, "
                         "son code postal, ou lat et lon.", status=404)
        centre, departement = located.centre, located.departement
    # one lieu more than asked tells whether a next page exists
    results = await db.execute_fn(lambda conn: locating.search_lieux(
        conn, centre[0], centre[1], centre[2], departement, search["n"] + 1, search["rayon_km"],
        search_filters(search), after=after))
    if not results.rows:
        return answer({"erreur": results.empty, "centre": centre_json(centre), "nombre": 0, "lieux": [],
                       **place_json(located)}, status=404)
    rows, following = results.rows, None
    if len(rows) > search["n"]:
        rows = rows[:search["n"]]
        last = rows[-1]
        following = page_base(datasette, request) + next_url(
            request, make_cursor(build, key, last["distance_km"], last["_rowid"]))
    body, content_type = proches_body(search, centre, rows, located, results.warning,
                                      page_base(datasette, request), following)
    return answer(body, content_type=content_type)


async def lieu(datasette, request):
    try:
        fmt = parse_format(request.args)
    except ParameterError as e:
        return error(str(e))
    lieu_id = unquote(request.url_vars["id"])
    db = datasette.get_database(DATABASE)
    row = (await db.execute("select * from lieux where id = ?", [lieu_id])).first()
    if row is None:
        return error(f"Aucun lieu n'a l'identifiant « {lieu_id} ».", status=404)
    body = lieu_json(dict(row), page_base(datasette, request))
    if fmt == "geojson":
        return answer(feature(body), content_type=GEOJSON_TYPE)
    return answer(body)


async def openapi_json(datasette, request):
    return answer(openapi.document())


EXAMPLES = (
    ("/api/proches?code_postal=38000&n=5", "les 5 lieux les plus proches du centre de Grenoble"),
    ("/api/proches?lat=16.2412&lon=-61.5331&rayon_km=20", "les lieux à moins de 20 km de Pointe-à-Pitre"),
    ("/api/proches?commune=Cayenne&services=Aide%20aux%20d%C3%A9marches%20administratives&ouvert=maintenant",
     "à Cayenne, les lieux d'aide aux démarches administratives ouverts en ce moment"),
    ("/api/proches?q=Lyon&frais_a_charge=Gratuit&format=geojson", "autour de Lyon, les lieux gratuits, en GeoJSON"),
)


async def documentation(datasette, request):
    context = {
        "openapi": openapi.document(),
        "examples": [{"url": url, "texte": text} for url, text in EXAMPLES],
        "error_example": json.dumps({"erreur": "« n » doit être compris entre 1 et 100 ; reçu « 500 »."},
                                    ensure_ascii=False),
        "css_url": datasette.urls.path("/static/lieux.css"),
        "view_name": "api",
    }
    html = await datasette.render_template("api.html", context, request=request, view_name="api")
    return Response.html(html)


def declared_params(path: str) -> tuple[str, ...]:
    """The query parameters of an operation, as /api/openapi.json documents them (one list for both)."""
    operation = openapi.document()["paths"][path]["get"]
    return tuple(p["name"] for p in operation["parameters"] if p["in"] == "query")


@hookimpl
def startup(datasette):
    """Read the place directory (~35,000 communes, about half a second) before the first search, not during it."""
    async def warm():
        if DATABASE in datasette.databases:
            from lieux import places

            await datasette.get_database(DATABASE).execute_fn(places.directory)
    return warm


@hookimpl
def register_routes():
    return apiroutes.routes(
        apiroutes.Route(r"^/api/proches$", proches, params=declared_params("/api/proches"),
                        max_age=60, changes_with_time=True),
        apiroutes.Route(r"^/api/lieux/(?P<id>[^/]+)$", lieu, params=declared_params("/api/lieux/{id}"),
                        max_age=60, changes_with_time=True),
        apiroutes.Route(r"^/api/openapi\.json$", openapi_json),
        apiroutes.Route(r"^/api/?$", documentation),
    )


# -- every /api/ path, and Datasette's own data answers ---------------------------------------

DATA_SUFFIXES = (".json", ".csv", ".geojson")


def is_data_path(path: str) -> bool:
    """Datasette's JSON, CSV and GeoJSON of the database (/lieux.json, /lieux/<table>.csv, ...):
    the data endpoints that get CORS, not the pages and not /-/."""
    return (path == f"/{DATABASE}" + ".json" or path.startswith(f"/{DATABASE}/")) and path.endswith(DATA_SUFFIXES)


def api_gate(app, datasette):
    """An /api/ path no route declares: French JSON 404. Datasette's data answers: CORS and caching
    headers, conditional GET."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        path = scope.get("path", "")
        if apiroutes.is_api_path(path) and apiroutes.match(path) is None:
            return await apiroutes.not_found(path).asgi_send(send)
        if not is_data_path(path):
            return await app(scope, receive, send)
        from datasette.utils.asgi import Request

        request = Request(scope, receive)
        if request.method == "OPTIONS":
            return await Response("", status=204, headers=dict(CORS)).asgi_send(send)
        headers = apiroutes.cache_headers(datasette, request, apiroutes.DEFAULT_MAX_AGE)
        if request.method in apiroutes.READ_METHODS and apiroutes.is_not_modified(request.headers, headers):
            return await apiroutes.not_modified(headers).asgi_send(send)

        held = {}  # a JSON error of Datasette: held until its body is complete, to add its French message

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                extra = dict(CORS)
                if event["status"] == 200:
                    extra.update(headers)
                replaced = {k.lower() for k in extra}
                kept = [(k, v) for k, v in event.get("headers") or [] if k.decode("latin-1").lower() not in replaced]
                event = {**event, "headers": kept + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]}
                content_type = dict((k.lower(), v) for k, v in event["headers"]).get(b"content-type", b"")
                if event["status"] >= 400 and b"json" in content_type:
                    held.update(start=event, body=b"")
                    return
            elif event["type"] == "http.response.body" and held:
                held["body"] += event.get("body", b"")
                if event.get("more_body"):
                    return
                await send_french_error(send, held["start"], held["body"])
                return
            await send(event)

        await app(scope, receive, send_with_headers)

    return wrapped


async def send_french_error(send, start, body: bytes):
    try:
        body = json.dumps(translate_body(json.loads(body)), ensure_ascii=False).encode("utf-8")
    except ValueError:
        pass
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: api_gate(app, datasette)


# -- GeoJSON of Datasette's tables --------------------------------------------------------------

LATITUDE_COLUMNS = ("latitude", "lat")
LONGITUDE_COLUMNS = ("longitude", "lon", "lng")
HIDDEN_PROPERTIES = ("popup",)  # the map's own column, not data


def point_columns(columns) -> tuple[str, str] | None:
    lower = {c.lower(): c for c in columns}
    lat = next((lower[c] for c in LATITUDE_COLUMNS if c in lower), None)
    lon = next((lower[c] for c in LONGITUDE_COLUMNS if c in lower), None)
    return (lat, lon) if lat and lon else None


def can_render_geojson(columns) -> bool:
    return "geometry" in columns or point_columns(columns) is not None


def point_feature(row: dict, lat_col: str, lon_col: str) -> dict:
    lat, lon = row.get(lat_col), row.get(lon_col)
    ok = isinstance(lat, (int, float)) and isinstance(lon, (int, float))
    properties = {k: v for k, v in row.items() if k not in HIDDEN_PROPERTIES}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]} if ok else None,
            "properties": properties}


async def render_geojson(datasette, columns, rows, request, database):
    """Datasette's `.geojson` of any table or query with a `geometry` column (GeoJSON text, as
    datasette-geojson reads it) or latitude/longitude columns (points); application/geo+json."""
    from datasette.utils import CustomJSONEncoder
    from datasette.views.base import DatasetteError

    if "geometry" in columns:
        from datasette_geojson import row_to_geojson

        db = datasette.get_database(database)
        features = [dict(await row_to_geojson(r, db)) for r in rows]
    elif point_columns(columns):
        lat_col, lon_col = point_columns(columns)
        features = [point_feature(dict(r), lat_col, lon_col) for r in rows]
    else:
        raise DatasetteError("Pas de GeoJSON pour ces données : il faut une colonne geometry, ou des colonnes "
                             "latitude et longitude. Essayez le format .json ou .csv.", status=400)
    body = json.dumps({"type": "FeatureCollection", "features": features}, cls=CustomJSONEncoder, ensure_ascii=False)
    return Response(body, content_type=GEOJSON_TYPE)


@hookimpl(trylast=True)  # called last, so it replaces datasette-geojson's renderer of the same extension
def register_output_renderer():
    return {"extension": "geojson", "render": render_geojson, "can_render": can_render_geojson}
