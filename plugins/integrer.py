"""Embedding the directory in another site: /integrer builds the iframe snippet, /widget is what it frames.

A town hall or an association puts the places near its commune on its own pages: the widget has no
site header, shows the nearest places (the answer of /api/proches, so the same filters and the same
honesty about homonyms and distances) with a map, in a colour preset. Only /widget may be framed by
other origins (plugins/securite.py, FRAMABLE_PATHS); every other page refuses to be framed.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response

from lieux import carte, display, locating

# Colour presets (text on white at least 4.5:1, RGAA 3.2): the only colours a host page can choose.
COLOURS = {"bleu": "Bleu (par défaut)", "vert": "Vert", "violet": "Violet", "rouge": "Rouge brique", "gris": "Gris anthracite"}
DEFAULT_COLOUR = "bleu"
WIDGET_N = (5, 10, 20)
PLACE_PARAMS = ("commune", "code_postal", "q")


def widget_params(args) -> dict:
    """The widget's own query: a place, the API's filters, n and a colour preset (others ignored)."""
    params = {}
    for name in PLACE_PARAMS + display.FILTER_NAMES:
        values = [v for v in args.getlist(name) if v and v.strip()] if hasattr(args, "getlist") else []
        if values:
            params[name] = values if name in display.FILTER_NAMES else values[0].strip()[:200]
    n = args.get("n")
    params["n"] = int(n) if n and n.isdigit() and int(n) in WIDGET_N else WIDGET_N[1]
    colour = args.get("couleur")
    params["couleur"] = colour if colour in COLOURS else DEFAULT_COLOUR
    return params


def api_query(params: dict) -> str:
    """The /api/proches query string of a widget's parameters (the colour is the widget's own)."""
    pairs = []
    for name, value in params.items():
        if name == "couleur":
            continue
        for v in (value if isinstance(value, list) else [value]):
            pairs.append((name, str(v)))
    return urlencode(pairs)


def widget_query(params: dict) -> str:
    return urlencode([(k, str(v)) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])])


def snippet(widget_url: str, title: str) -> str:
    """The HTML a host page pastes: a titled, lazy iframe, full width."""
    return (f'<iframe src="{widget_url}" title="{title}" width="100%" height="640" loading="lazy" '
            f'style="border:0;max-width:100%" referrerpolicy="strict-origin-when-cross-origin"></iframe>')


async def builder_view(datasette, request):
    params = widget_params(request.args)
    place = next((params[k] for k in PLACE_PARAMS if k in params), None)
    context = {"params": params, "couleurs": COLOURS, "tailles": WIDGET_N, "code": None, "apercu": None,
               "filtres": display.FILTER_FIELDS, "place": place}
    if place:
        widget_url = datasette.absolute_url(request, datasette.urls.path("/widget?" + widget_query(params)))
        context["apercu"] = datasette.urls.path("/widget?" + widget_query(params))
        context["code"] = snippet(widget_url, f"Lieux d'aide au numérique près de {place}")
    html = await datasette.render_template("integrer.html", context, request=request, view_name="integrer")
    return Response.html(html)


async def widget_view(datasette, request):
    params = widget_params(request.args)
    answer, status = None, 400
    if any(k in params for k in PLACE_PARAMS):
        response = await datasette.client.get("/api/proches?" + api_query(params))
        status = response.status_code
        try:
            answer = response.json()
        except ValueError:
            answer = None
    answer = answer or {}
    lieux = []
    for lieu in answer.get("lieux") or []:
        lieux.append({**lieu, "page": datasette.absolute_url(request, datasette.urls.path(f"/lieu/{quote(str(lieu['id']), safe='')}")),
                      "distance_texte": display.lieu_distance(lieu),
                      "telephone_texte": display.format_phone(lieu.get("telephone")),
                      "tel_href": display.tel_href(lieu.get("telephone"))})
    candidates = [{"libelle": c.get("libelle") or c.get("nom"),
                   "url": datasette.urls.path(locating.candidate_url("/widget", params, c))}
                  for c in answer.get("candidats") or []]
    map_data = {**carte.tile_config(datasette.plugin_config(carte.CONFIG_PLUGIN)), "centre": None,
                "lieux": [{"id": l["id"], "nom": l["nom"], "lat": l.get("latitude"), "lon": l.get("longitude"),
                           "url": l["page"], "distance": l["distance_texte"]} for l in lieux]}
    centre = answer.get("centre") or {}
    if centre.get("latitude") is not None:
        map_data["centre"] = {"lat": centre["latitude"], "lon": centre["longitude"], "label": centre.get("libelle")}
    context = {"params": params, "lieux": lieux, "candidats": candidates, "centre": centre,
               "avertissement": answer.get("avertissement"),
               "erreur": answer.get("erreur") or answer.get("message"), "map_data": map_data,
               "site": datasette.absolute_url(request, datasette.urls.path("/")),
               "leaflet_js": datasette.urls.static_plugins("datasette-leaflet", "leaflet-v1.7.1.js"),
               "leaflet_css": datasette.urls.static_plugins("datasette-leaflet", "leaflet-v1.7.1.css")}
    html = await datasette.render_template("widget.html", context, request=request, view_name="widget")
    return Response.html(html, status=200 if status == 200 else (404 if status == 404 else 200 if candidates else 400))


@hookimpl
def register_routes():
    return [(r"^/integrer$", builder_view), (r"^/widget$", widget_view)]

