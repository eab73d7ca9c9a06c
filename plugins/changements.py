"""Routes for reusers who follow the directory: /api/changements (paged JSON), /api/changements.atom (the week's
changes in a département), /api/lieux.ndjson (every lieu, streamed), and the producer reports under /qualite.

Every answer carries the build's ETag and Last-Modified (lieux/validateurs.py) and answers 304 to a client
whose copy is current. Parameters are read by lieux/flux.py; a wrong or unknown one answers 400 {"erreur"}.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from datasette import hookimpl
from datasette.utils.asgi import AsgiStream, NotFound, Response

from lieux import apiroutes, flux, rapport, validateurs

DATABASE = "lieux"
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS"}
JSON_TYPE = "application/json; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
NDJSON_BATCH = 2000


def json_answer(body, status: int = 200, extra: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers={**CORS, **(extra or {})},
                    content_type=JSON_TYPE)


def guard(request):
    if request.method == "OPTIONS":
        return Response("", status=204, headers={**CORS, "Access-Control-Allow-Headers": "*"})
    if request.method not in ("GET", "HEAD"):
        response = json_answer({"erreur": f"Méthode {request.method} non permise : cette API se lit avec GET."}, 405)
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
    return None


async def build_validators(datasette, salt: str):
    db = datasette.get_database(DATABASE)
    return await db.execute_fn(lambda conn: validateurs.validators(conn, salt))


def not_modified(request, v) -> Response | None:
    if validateurs.not_modified(request.headers, v):
        return Response("", status=304, headers={**CORS, **validateurs.headers(v)})
    return None


def lieu_url(datasette):
    return lambda lieu_id: datasette.urls.path(flux.lieu_path(lieu_id))


async def changements(datasette, request):
    refused = guard(request)
    if refused:
        return refused
    try:
        params = flux.parse_changes(request.args)
    except flux.ParameterError as e:
        return json_answer({"erreur": str(e)}, 400)
    v = await build_validators(datasette, "changements")
    cached = not_modified(request, v)
    if cached:
        return cached
    page_sql, page_params, count_sql, count_params = flux.changes_query(params)

    def read(conn):
        if not conn.execute("select 1 from sqlite_master where name = 'changements'").fetchone():
            return [], 0
        cursor = conn.execute(page_sql, page_params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, r)) for r in cursor], conn.execute(count_sql, count_params).fetchone()[0]

    rows, total = await datasette.get_database(DATABASE).execute_fn(read)
    more = len(rows) > params["taille"]
    rows = rows[: params["taille"]]
    body = {
        "depuis": params["depuis"], "nombre": total,
        "changements": [flux.change_json(r, lieu_url(datasette)) for r in rows],
        "suivant": flux.next_url(datasette.urls.path("/api/changements"), params, rows[-1]["id"]) if more else None,
        "construit_le": v.built.isoformat(),
    }
    return json_answer(body, extra=validateurs.headers(v))


async def changements_atom(datasette, request):
    refused = guard(request)
    if refused:
        return refused
    v = await build_validators(datasette, "atom")
    try:
        params = flux.parse_feed(request.args, v.built.date())
    except flux.ParameterError as e:
        return json_answer({"erreur": str(e)}, 400)
    cached = not_modified(request, v)
    if cached:
        return cached

    def read(conn):
        if not conn.execute("select 1 from sqlite_master where name = 'changements'").fetchone():
            return []
        cursor = conn.execute("select * from changements where departement_code = ? and date >= ? "
                              "order by date desc, id desc limit ?", [params["departement"], params["depuis"],
                                                                       flux.FEED_MAX_ENTRIES])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, r)) for r in cursor]

    rows = await datasette.get_database(DATABASE).execute_fn(read)
    base = f"{request.scheme}://{request.host}"
    body = flux.atom_feed(rows, params, base, base + request.full_path, v.built, lieu_url(datasette))
    return Response(body, headers={**CORS, **validateurs.headers(v)}, content_type=ATOM_TYPE)


async def lieux_ndjson(datasette, request):
    refused = guard(request)
    if refused:
        return refused
    try:
        flux.check_known(request.args, ())
    except flux.ParameterError as e:
        return json_answer({"erreur": str(e)}, 400)
    v = await build_validators(datasette, "ndjson")
    cached = not_modified(request, v)
    if cached:
        return cached
    db = datasette.get_database(DATABASE)

    async def stream(writer):
        last = -1
        while True:  # keyset pages on rowid: memory stays flat, each query is short
            result = await db.execute(f"select rowid as _rowid, * from lieux where rowid > ? order by rowid limit {NDJSON_BATCH}",
                                      [last])
            rows = [dict(r) for r in result.rows]
            if not rows:
                break
            last = rows[-1]["_rowid"]
            await writer.write("".join(json.dumps(flux.lieu_record(r), ensure_ascii=False) + "\n" for r in rows))

    headers = {**CORS, **validateurs.headers(v), "Content-Disposition": 'inline; filename="lieux.ndjson"'}
    return AsgiStream(stream, headers=headers, content_type=NDJSON_TYPE)


async def producer_report(datasette, request):
    refused = guard(request)
    if refused:
        return refused
    source_id, fmt = request.url_vars["source"], request.url_vars.get("format") or "html"
    v = await build_validators(datasette, f"rapport-{source_id}-{fmt}")
    cached = not_modified(request, v)
    if cached:
        return cached
    report = await datasette.get_database(DATABASE).execute_fn(lambda conn: rapport.producer_report(conn, source_id))
    if report is None:
        raise NotFound(f"Source inconnue : {source_id}. La liste des sources est sur la page /qualite.")
    headers = validateurs.headers(v)
    if fmt == "json":
        return json_answer(report, extra={**headers, "Content-Disposition": f'attachment; filename="rapport-{source_id}.json"'})
    if fmt == "csv":
        return Response(rapport.report_csv(report), headers={**CORS, **headers,
                        "Content-Disposition": f'attachment; filename="rapport-{source_id}.csv"'}, content_type=CSV_TYPE)
    html = await datasette.render_template("rapport-producteur.html", {
        "r": report, "liens": {"json": datasette.urls.path(f"/qualite/{source_id}/rapport.json"),
                               "csv": datasette.urls.path(f"/qualite/{source_id}/rapport.csv"),
                               "source": datasette.urls.path(f"/qualite/{source_id}")},
        "lieu_url": lieu_url(datasette)}, request=request)
    return Response.html(html, headers=headers)


@hookimpl
def register_routes():
    # /api/ routes are declared through lieux.apiroutes: unknown paths and parameters answered the same way
    # as the rest of the API; these views set their own validators (lieux/validateurs.py).
    return apiroutes.routes(
        apiroutes.Route(r"^/api/changements$", changements, params=flux.CHANGES_PARAMS, own_validators=True),
        apiroutes.Route(r"^/api/changements\.atom$", changements_atom, params=flux.FEED_PARAMS, own_validators=True),
        apiroutes.Route(r"^/api/lieux\.ndjson$", lieux_ndjson, params=(), own_validators=True),
    ) + [
        (r"^/qualite/(?P<source>[^/]+)/rapport(?:\.(?P<format>json|csv))?$", producer_report),
    ]
