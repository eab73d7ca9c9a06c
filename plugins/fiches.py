"""Printable orientation sheets: one place (/lieu/<id>/fiche) or a list of results (/fiche?<search>).

For the adviser at a library desk who hands a visitor a sheet: name, address, hours, telephone, a QR
code to the place's page (segno), and room for a note. A4 print styles (static/impression.css); on
screen a « Imprimer » button. The list takes the query string of the search page and of /api/proches.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, unquote

import segno
from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from lieux import display, horaires, locating, territoires

DATABASE = "lieux"
LIST_MAX = 20  # places on one printed list


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code of `url` (error correction M: survives a folded or smudged sheet)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff"))


def sheet(datasette, request, lieu: dict) -> dict:
    """What one place's sheet shows."""
    page = datasette.absolute_url(request, datasette.urls.path(f"/lieu/{quote(str(lieu['id']), safe='')}"))
    tz = territoires.fuseau_of_row(lieu)
    osm = lieu.get("horaires")
    return {
        **lieu,
        "page": page,
        "qr": qr_svg(page),
        "jours": horaires.describe(osm, horaires.local_time(tz)) if osm else None,
        "telephone_texte": display.format_phone(lieu.get("telephone")),
        "courriels_liste": display.as_list(lieu.get("courriels")),
        "distance_texte": display.lieu_distance(lieu) if lieu.get("distance_km") is not None else None,
    }


async def render(datasette, request, context: dict, status: int = 200) -> Response:
    context = {**context, "imprime_le": datetime.now().strftime("%d/%m/%Y")}
    html = await datasette.render_template("fiche.html", context, request=request, view_name="fiche")
    return Response.html(html, status=status)


async def place_sheet(datasette, request):
    lieu_id = unquote(request.url_vars["id"])
    row = (await datasette.get_database(DATABASE).execute("select * from lieux where id = ?", [lieu_id])).first()
    if row is None:
        html = await datasette.render_template("lieu_introuvable.html", {"lieu_id": lieu_id}, request=request)
        return Response.html(html, status=404)
    return await render(datasette, request, {"fiches": [sheet(datasette, request, dict(row))], "titre": dict(row)["nom"],
                                             "retour": datasette.urls.path(f"/lieu/{quote(lieu_id, safe='')}")})


async def list_sheet(datasette, request):
    """The nearest places of a search, as /api/proches answers it (same parameters, at most LIST_MAX)."""
    args = [(k, v) for k in request.args.keys() if k != "n" for v in request.args.getlist(k)]
    n = request.args.get("n")
    n = min(LIST_MAX, int(n)) if n and n.isdigit() and int(n) > 0 else 10
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in args + [("n", str(n))])
    response = await datasette.client.get("/api/proches?" + query)
    answer = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    lieux = answer.get("lieux") or []
    centre = (answer.get("centre") or {}).get("libelle")
    params = {k: request.args.getlist(k) for k in request.args.keys()}
    candidates = [{"libelle": c.get("libelle") or c.get("nom"),
                   "url": datasette.urls.path(locating.candidate_url("/fiche", params, c))}
                  for c in answer.get("candidats") or []]
    context = {"fiches": [sheet(datasette, request, l) for l in lieux], "liste": True, "candidats": candidates,
               "titre": f"Lieux d'aide au numérique près de {centre}" if centre else "Lieux d'aide au numérique",
               "erreur": None if lieux or candidates else (answer.get("erreur") or "Aucun lieu pour cette recherche."),
               "retour": datasette.urls.path("/" + ("?" + query if query else ""))}
    status = 200 if lieux or candidates else (response.status_code if response.status_code >= 400 else 404)
    return await render(datasette, request, context, status=status)


@hookimpl
def register_routes():
    return [(r"^/lieu/(?P<id>[^/]+)/fiche$", place_sheet), (r"^/fiche$", list_sheet)]
