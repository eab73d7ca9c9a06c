"""The coverage page (/couverture): lieux per 10,000 inhabitants by département, as a map and a sortable table."""

from datasette import hookimpl
from datasette.utils.asgi import Response

from lieux.geo.tables import COVERAGE_TABLE, PROGRAMMES

DATABASE = "lieux"
# Colour classes (lieux per 10,000 inhabitants), lowest first: the under-served territories stand out.
CLASSES = [(0.5, "#b30000"), (1.0, "#e34a33"), (1.5, "#fc8d59"), (2.5, "#fdcc8a"), (None, "#2c7fb8")]
PROGRAMME_LABELS = {column: label for column, label in PROGRAMMES.items()}
OVERSEAS = ("971", "972", "973", "974", "976")


def colour(per_10000) -> str:
    """The fill colour of a département's rate; grey when the population is unknown."""
    if per_10000 is None:
        return "#cccccc"
    for limit, fill in CLASSES:
        if limit is None or per_10000 < limit:
            return fill
    return CLASSES[-1][1]


def legend() -> list[dict]:
    out, low = [], 0
    for limit, fill in CLASSES:
        out.append({"colour": fill, "label": f"{low:g} à {limit:g}".replace(".", ",") if limit else f"{low:g} et plus".replace(".", ",")})
        low = limit
    return out


async def coverage_rows(datasette) -> list[dict] | None:
    db = datasette.databases.get(DATABASE)
    if db is None or COVERAGE_TABLE not in await db.table_names():
        return None
    columns = ", ".join(PROGRAMMES)
    result = await db.execute(
        f"select departement_code, departement_nom, region_nom, zone, population, lieux, lieux_pour_10000_habitants, {columns} "
        f"from {COVERAGE_TABLE} order by departement_code")
    rows = [dict(r) for r in result.rows]
    for row in rows:
        row["couleur"] = colour(row["lieux_pour_10000_habitants"])
    return rows


async def couverture(datasette, request):
    rows = await coverage_rows(datasette)
    context = {
        "rows": rows or [], "missing": rows is None or not rows, "programmes": PROGRAMME_LABELS, "legend": legend(),
        "overseas": OVERSEAS, "view_url": datasette.urls.table(DATABASE, COVERAGE_TABLE),
        # Leaflet, through the module that gives every map of the site its French labels (static/carte-secours.js).
        "leaflet_js": datasette.urls.path("/static/carte-secours.js"),
        "leaflet_css": datasette.urls.static_plugins("datasette-leaflet", "leaflet-v1.7.1.css"),
        "colours": {r["departement_code"]: r["couleur"] for r in rows or []},
    }
    return Response.html(await datasette.render_template("couverture.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/couverture$", couverture)]
