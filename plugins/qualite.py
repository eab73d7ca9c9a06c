"""Quality pages for producers: for each source, what was read, loaded, rejected and why (/qualite)."""

from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response

from lieux.messages import CODE_LABELS

DATABASE = "lieux"
COUNTS = ("lignes_lues", "lignes_chargees", "lignes_rejetees", "lignes_ecartees", "corrections", "valeurs_non_reconnues")
# Rows merged with rows of other lists into one lieu: a column of `sources` if the merge step writes one,
# else counted in the merge step's `membres` table (one row per source row, with its lieu_id and source_id);
# absent (shown "—") in a database built before merging.
MERGED_COLUMNS = ("lignes_fusionnees", "fusionnees")
MERGED_FROM_MEMBERS = """
select source_id, count(*) from membres
where lieu_id in (select lieu_id from membres group by lieu_id having count(*) > 1)
group by source_id
"""


def filtered_url(datasette, table: str, **filters) -> str:
    """A Datasette table URL with column filters (a None value filters on NULL)."""
    params = []
    for column, value in filters.items():
        params.append((f"{column}__isnull", "1") if value is None else (column, value))
    return datasette.urls.table(DATABASE, table) + "?" + urlencode(params)


async def table_columns(db, table: str) -> list[str]:
    if table not in await db.table_names():
        return []
    return await db.table_columns(table)


async def merged_counts(db) -> dict | None:
    """{source id: rows merged} when the database records merges, else None."""
    columns = await table_columns(db, "sources")
    for column in MERGED_COLUMNS:
        if column in columns:
            rows = await db.execute(f"select id, coalesce([{column}], 0) from sources")
            return {r[0]: r[1] for r in rows}
    if {"source_id", "lieu_id"} <= set(await table_columns(db, "membres")):
        return {r[0]: r[1] for r in await db.execute(MERGED_FROM_MEMBERS)}
    return None


async def source_rows(db, source_id: str | None = None) -> list[dict]:
    wanted = ["id", "titre", "producteur", "licence", "licence_url", "url", "page", "sha256", "telecharge_le",
              "statut", "message", "demo", "encodage", "mojibake", "mojibake_message", *COUNTS]
    present = await table_columns(db, "sources")
    selected = ", ".join(f"[{c}]" if c in present else f"null as [{c}]" for c in wanted)
    where, params = ("where id = ?", [source_id]) if source_id else ("", [])
    rows = [dict(r) for r in await db.execute(f"select {selected} from sources {where} order by id", params)]
    merged = await merged_counts(db)
    for row in rows:
        row["fusionnees"] = None if merged is None else merged.get(row["id"], 0)
    return rows


async def errors_by_kind(db, source_id: str) -> list[dict]:
    rows = await db.execute(
        "select code, champ, count(*) as erreurs, count(distinct ligne) as lignes, min(message) as exemple "
        "from rejets where source = ? group by code, champ order by erreurs desc, code, champ", [source_id])
    return [{**dict(r), "libelle": CODE_LABELS.get(r["code"], r["code"])} for r in rows]


async def quality_list(datasette, request):
    db = datasette.get_database(DATABASE)
    sources = await source_rows(db)
    for s in sources:
        s["lien"] = datasette.urls.path(f"/qualite/{quote(s['id'], safe='')}")
        s["rejets_url"] = filtered_url(datasette, "rejets", source=s["id"])
    totals = {c: sum(s[c] or 0 for s in sources) for c in COUNTS}
    totals["fusionnees"] = None if any(s["fusionnees"] is None for s in sources) else sum(s["fusionnees"] for s in sources)
    return Response.html(await datasette.render_template(
        "qualite.html", {"sources": sources, "totaux": totals, "sources_url": datasette.urls.table(DATABASE, "sources")},
        request=request))


async def quality_source(datasette, request):
    db = datasette.get_database(DATABASE)
    source_id = request.url_vars["source"]
    rows = await source_rows(db, source_id)
    if not rows:
        raise NotFound(f"Source inconnue : {source_id}. La liste des sources est sur la page /qualite.")
    kinds = await errors_by_kind(db, source_id)
    for k in kinds:
        k["url"] = filtered_url(datasette, "rejets", source=source_id, code=k["code"], champ=k["champ"])
    links = {
        "rejets": filtered_url(datasette, "rejets", source=source_id),
        "corrections": filtered_url(datasette, "corrections", source=source_id),
        "ecartes": filtered_url(datasette, "ecartes", source=source_id),
        "valeurs_non_reconnues": filtered_url(datasette, "valeurs_non_reconnues", source=source_id),
        "source": datasette.urls.row(DATABASE, "sources", tilde_encode(source_id)),
        "liste": datasette.urls.path("/qualite"),
        "rapport": datasette.urls.path(f"/qualite/{quote(source_id, safe='')}/rapport"),
    }
    return Response.html(await datasette.render_template(
        "qualite-source.html", {"source": rows[0], "erreurs": kinds, "liens": links}, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/qualite$", quality_list),
        (r"^/qualite/(?P<source>[^/]+)$", quality_source),
    ]
