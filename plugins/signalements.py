"""« Signaler une erreur »: the public's form at /lieu/<id>/signaler (and /signaler for the site itself),
the maintainers' list at /signalements and its CSV per source.

Reports are stored in their own SQLite file (lieux/signalements.py), beside the published database or
where LIEUX_SIGNALEMENTS_DB says; the published database stays immutable. Abuse is held off by a
honeypot field, a per-client rate limit and size limits. /signalements needs the permission
`lieux-voir-signalements`: the root actor (`datasette --root`) or a maintainer who signed in at
/signalements/connexion with the token of LIEUX_SIGNALEMENTS_JETON (a signed `ds_actor` cookie, as
Datasette's own login does).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

from datasette import hookimpl
from datasette.utils.asgi import Forbidden, Response

from lieux import display, signalements as S

DATABASE = "lieux"
PERMISSION = "lieux-voir-signalements"
TOKEN_ENV = "LIEUX_SIGNALEMENTS_JETON"
STORE_ENV = "LIEUX_SIGNALEMENTS_DB"
MAINTAINER = "mainteneur"
LIMITER = S.RateLimiter()
SALT = secrets.token_hex(16)  # client hashes mean nothing outside this process
_stores: dict[str, S.Store] = {}


def store_for(datasette) -> S.Store:
    """The reports' file: LIEUX_SIGNALEMENTS_DB, else signalements.db beside the published database."""
    path = os.environ.get(STORE_ENV)
    if not path:
        db_path = datasette.get_database(DATABASE).path
        path = str(Path(db_path).resolve().parent / "signalements.db") if db_path else "signalements.db"
    if path not in _stores:
        _stores[path] = S.Store(Path(path))
    return _stores[path]


async def read_form(request) -> dict | None:
    """The posted form, or None when the body is larger than MAX_BODY_BYTES (read no further)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > S.MAX_BODY_BYTES:
        return None
    body = b""
    more = True
    while more:
        message = await request.receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > S.MAX_BODY_BYTES:
            return None
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", errors="replace")).items()}


def producer_contacts(sources: list[dict], lieu: dict | None) -> list[dict]:
    """The producers whose descriptor names a contact: a mailto link each, subject and body prefilled."""
    out = []
    for s in sources:
        email = s.get("contact")
        if not email or not S.EMAIL.fullmatch(email):
            continue
        subject = f"Erreur sur le lieu « {lieu.get('nom')} » ({lieu.get('id')})" if lieu else "Erreur dans vos données"
        body = f"Bonjour,\n\nJe signale une erreur sur ce lieu de votre liste « {s.get('titre')} » :\n\n"
        out.append({"producteur": s.get("producteur"), "courriel": email,
                    "href": f"mailto:{email}?subject={quote(subject)}&body={quote(body)}"})
    return out


async def lieu_and_sources(datasette, lieu_id: str) -> tuple[dict | None, list[dict]]:
    db = datasette.get_database(DATABASE)
    row = (await db.execute("select * from lieux where id = ?", [lieu_id])).first()
    if row is None:
        return None, []
    lieu = dict(row)
    ids = display.as_list(lieu.get("sources"))
    rows = await db.execute(f"select * from sources where id in ({', '.join('?' for _ in ids)})", ids) if ids else []
    by_id = {r["id"]: dict(r) for r in rows}
    return lieu, [by_id[i] for i in ids if i in by_id]


async def render(datasette, request, template: str, context: dict, status: int = 200, headers=None) -> Response:
    html = await datasette.render_template(template, context, request=request, view_name="signaler")
    return Response.html(html, status=status, headers=headers or {})


async def report_view(datasette, request):
    """GET: the form; POST: check, limit, store, thank (or say what to fix)."""
    lieu_id = unquote(request.url_vars["id"]) if "id" in request.url_vars else None
    lieu, sources = (await lieu_and_sources(datasette, lieu_id)) if lieu_id else (None, [])
    if lieu_id and lieu is None:
        return await render(datasette, request, "lieu_introuvable.html", {"lieu_id": lieu_id}, status=404)
    natures = S.NATURES if lieu else S.SITE_NATURES
    context = {"lieu": lieu, "natures": natures, "contacts": producer_contacts(sources, lieu),
               "honeypot": S.HONEYPOT, "max_message": S.MAX_MESSAGE, "form": {}, "errors": {},
               "lieu_url": datasette.urls.path(f"/lieu/{quote(lieu_id, safe='')}") if lieu else None}
    if request.method != "POST":
        return await render(datasette, request, "signaler.html", context)
    form = await read_form(request)
    if form is None:
        context["errors"] = {"message": f"Le formulaire envoyé est trop long ({S.MAX_BODY_BYTES // 1024} Ko au plus)."}
        return await render(datasette, request, "signaler.html", context, status=413)
    context["form"] = form
    if S.is_bot(form):  # answered like a real report, stored nowhere
        return await render(datasette, request, "signaler_merci.html", {**context, "numero": None})
    try:
        nature, message, courriel = S.check(form, natures)
    except S.ReportError as e:
        context["errors"] = e.errors
        return await render(datasette, request, "signaler.html", context, status=400)
    client = (request.scope.get("client") or ("?",))[0]
    allowed, wait = LIMITER.allow(client)
    if not allowed:
        context["errors"] = {"nature": f"Vous avez déjà envoyé {S.RATE_LIMIT} signalements en peu de temps. "
                                       f"Réessayez dans {max(1, wait // 60)} minute(s)."}
        return await render(datasette, request, "signaler.html", context, status=429,
                            headers={"Retry-After": str(wait)})
    report = S.Report(nature=nature, message=message, courriel=courriel, lieu_id=lieu["id"] if lieu else None,
                      lieu_nom=lieu.get("nom") if lieu else None, sources=tuple(s["id"] for s in sources))
    numero = store_for(datasette).save(report, S.client_key(client, SALT))
    return await render(datasette, request, "signaler_merci.html", {**context, "numero": numero})


async def require_maintainer(datasette, request):
    if not await datasette.permission_allowed(request.actor, PERMISSION, default=False):
        raise Forbidden("Les signalements sont réservés aux mainteneurs de l'annuaire : connectez-vous sur "
                        "/signalements/connexion.")


async def list_view(datasette, request):
    await require_maintainer(datasette, request)
    store = store_for(datasette)
    reports = store.reports()
    labels = {**S.NATURES, **S.SITE_NATURES}
    return await render(datasette, request, "signalements.html", {
        "signalements": [{**r, "nature_libelle": labels.get(r["nature"], r["nature"]),
                          "lieu_url": datasette.urls.path(f"/lieu/{quote(r['lieu_id'], safe='')}") if r["lieu_id"] else None}
                         for r in reports[:500]],
        "total": len(reports), "par_source": store.count_by_source()})


async def csv_view(datasette, request):
    await require_maintainer(datasette, request)
    source = unquote(request.url_vars["source"])
    text = S.to_csv(store_for(datasette).reports(source))
    return Response(text, content_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="signalements-{quote(source, safe="")}.csv"'})


async def login_view(datasette, request):
    """A maintainer gives the token of LIEUX_SIGNALEMENTS_JETON; a signed actor cookie follows."""
    expected = os.environ.get(TOKEN_ENV)
    context = {"configure": not expected, "erreur": None}
    if request.method == "POST":
        form = await read_form(request) or {}
        if expected and hmac.compare_digest(form.get("jeton", "").encode(), expected.encode()):
            response = Response.redirect(datasette.urls.path("/signalements"))
            response.set_cookie("ds_actor", datasette.sign({"a": {"id": MAINTAINER}}, "actor"),
                                httponly=True, samesite="lax")
            return response
        context["erreur"] = "Jeton incorrect." if expected else None
        return await render(datasette, request, "signalements_connexion.html", context, status=403)
    return await render(datasette, request, "signalements_connexion.html", context)


@hookimpl
def permission_allowed(actor, action):
    if action == PERMISSION:
        return bool(actor and actor.get("id") in ("root", MAINTAINER))
    return None


@hookimpl
def register_routes():
    return [
        (r"^/lieu/(?P<id>[^/]+)/signaler$", report_view),
        (r"^/signaler$", report_view),
        (r"^/signalements$", list_view),
        (r"^/signalements/connexion$", login_view),
        (r"^/signalements/(?P<source>[^/]+)\.csv$", csv_view),
    ]
