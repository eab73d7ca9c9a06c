"""The JSON API: /api/proches (nearest lieux), /api/lieux/<id>, /api/openapi.json and its documentation at /api.

Parameters are read by pure functions (parse_proches) that raise ParameterError with a French
message; the views turn it into 400 {"erreur": ...}. Every answer carries CORS headers for GET.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote

from datasette import hookimpl
from datasette.utils.asgi import Response

from lieux import eloignement, geocoder, horaires, locating, nearest, openapi, positions, schemas

DATABASE = "lieux"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "*",
}
JSON_TYPE = "application/json; charset=utf-8"
GEOJSON_TYPE = f"{openapi.GEOJSON}; charset=utf-8"
READ_METHODS = ("GET", "HEAD")
POSTCODE = re.compile(r"[0-9]{5}")


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
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"« {name} » doit être un nombre ({what}) ; reçu « {text} ».")
    if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
        bounds = f"strictement supérieur à {low:g}" if low_open else f"au moins {low:g}"
        raise ParameterError(f"« {name} » doit être {bounds} et au plus {high:g} ({what}) ; reçu « {text} ».")
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
        if not (n_text.isascii() and n_text.isdigit()):
            raise ParameterError(f"« n » doit être un nombre entier entre 1 et {openapi.MAX_N} ; reçu « {n_text} ».")
        n = int(n_text)
        if not 1 <= n <= openapi.MAX_N:
            raise ParameterError(f"« n » doit être compris entre 1 et {openapi.MAX_N} ; reçu « {n_text} ».")
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
    return search


def parse_format(args) -> str:
    value = first(args, "format")
    if value is None:
        return "json"
    if value not in ("json", "geojson"):
        raise ParameterError(f"« format » vaut « json » ou « geojson » ; reçu « {value} ».")
    return value


# -- answers -----------------------------------------------------------------------------------

def lieu_json(row: dict) -> dict:
    """A lieu as the API shows it: the standard's fields (lists for multi-valued ones), open now."""
    multi = set(schemas.multi_valued(schemas.LIEUX))
    out = {}
    for name in schemas.field_names(schemas.LIEUX):
        value = row.get(name)
        if name in multi and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = [v for v in value.split(schemas.SEPARATOR) if v]
        out[name] = value
    out["qualite_geo"] = row.get("qualite_geo")
    out["position_approximative"] = positions.approximative(row.get("qualite_geo"))
    state = horaires.etat(row.get("horaires"), row)
    out["ouvert_maintenant"] = state.ouvert if row.get("horaires") else None
    out["jour_ferie"] = state.jour_ferie
    if "distance_km" in row:
        out["distance_km"] = row["distance_km"]
    for name in ("eloigne", "territoire", "distance_libelle"):
        if name in row:
            out[name] = row[name]
    return out


def feature(lieu: dict) -> dict:
    lat, lon = lieu.get("latitude"), lieu.get("longitude")
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
    return {"type": "Feature", "id": str(lieu["id"]), "geometry": geometry, "properties": lieu}


def centre_json(centre) -> dict:
    return {"latitude": centre[0], "longitude": centre[1], "libelle": centre[2]}


def place_json(located) -> dict:
    """What the API says about the place searched: the commune found, notes (former commune, address…)."""
    if located is None:
        return {"commune": None, "notes": []}
    commune = dict(located.commune) if located.commune else None
    return {"commune": commune, "notes": list(located.notes)}


def proches_body(search: dict, centre, rows: list[dict], located=None, warning: str | None = None) -> tuple[dict, str]:
    lieux = [lieu_json(r) for r in rows]
    context = {**place_json(located), "avertissement": warning,
               "distance_raisonnable_km": eloignement.SENSIBLE_KM}
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


def answer(body: dict, status: int = 200, content_type: str = JSON_TYPE) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=dict(CORS),
                    content_type=content_type)


def error(message: str, status: int = 400) -> Response:
    return answer({"erreur": message}, status=status)


def method_guard(request) -> Response | None:
    if request.method == "OPTIONS":
        return Response("", status=204, headers=dict(CORS))
    if request.method not in READ_METHODS:
        response = error(f"Méthode {request.method} non permise : cette API se lit avec GET.", status=405)
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
    return None


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
    refused = method_guard(request)
    if refused:
        return refused
    try:
        search = parse_proches(request.args)
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
    results = await db.execute_fn(lambda conn: locating.search_lieux(
        conn, centre[0], centre[1], centre[2], departement, search["n"], search["rayon_km"], search_filters(search)))
    if not results.rows:
        return answer({"erreur": results.empty, "centre": centre_json(centre), "nombre": 0, "lieux": [],
                       **place_json(located)}, status=404)
    body, content_type = proches_body(search, centre, results.rows, located, results.warning)
    return answer(body, content_type=content_type)


async def lieu(datasette, request):
    refused = method_guard(request)
    if refused:
        return refused
    try:
        fmt = parse_format(request.args)
    except ParameterError as e:
        return error(str(e))
    lieu_id = unquote(request.url_vars["id"])
    db = datasette.get_database(DATABASE)
    row = (await db.execute("select * from lieux where id = ?", [lieu_id])).first()
    if row is None:
        return error(f"Aucun lieu n'a l'identifiant « {lieu_id} ».", status=404)
    body = lieu_json(dict(row))
    if fmt == "geojson":
        return answer(feature(body), content_type=GEOJSON_TYPE)
    return answer(body)


async def openapi_json(request):
    refused = method_guard(request)
    if refused:
        return refused
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
    return [
        (r"^/api/proches$", proches),
        (r"^/api/lieux/(?P<id>[^/]+)$", lieu),
        (r"^/api/openapi\.json$", openapi_json),
        (r"^/api/?$", documentation),
    ]
