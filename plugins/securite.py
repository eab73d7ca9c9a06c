"""What a stranger may do with the public server, and the security headers of every response.

Public instance (`build.py serve`, the `paquet` image) versus trusted local use (`build.py serve --sql`):
the plugin config `lieux-securite: {sql: ...}` of metadata.yml reads the environment variable LIEUX_SQL,
which only `serve --sql` sets. On the public instance:

- arbitrary SQL is off: Datasette's `execute-sql` permission is denied, so `/lieux?sql=`,
  `/lieux.json?sql=` and `?_where=` answer 403; table views, facets, filters, the canned queries of
  metadata.yml (permission `view-query`) and /api/ stay. The whole database is downloadable instead
  (`allow_download`, lieux/site.py): anyone can run any SQL on their own copy;
- the /-/ introspection pages are closed (403), except /-/static*, and /-/versions(.json): a health check for
  the tests, the load balancer and the benchmark, telling only versions that static file names already show.

Content-Security-Policy: no 'unsafe-inline' for scripts. Datasette 0.65's own inline scripts are
either moved to static files by template overrides (_close_open_menus.html, _codemirror_foot.html),
or allowed by hash: the constant one of table.html (DATASETTE_ALLOW_FACET), and those that plugins add
through the extra_body_script hook (datasette-cluster-map's configuration), hashed for each page
from the hook's own output (extra_template_vars below), so only plugin code, never data, gets a hash.
Templates of this project write `<script nonce="{{ csp_nonce }}">` for an inline script.
Styles keep 'unsafe-inline': Datasette 0.65's templates carry style attributes (database colours, the
SQL editor's <style>), and datasette-cluster-map writes a <style> element and styled popups; CSS
cannot run a script. The escaping of every value shown (Jinja autoescape) is what keeps hostile data inert.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from datasette import hookimpl
from datasette.utils import await_me_maybe
from datasette.utils.asgi import Forbidden

from lieux.carte import configured_tile_origins
from lieux.site import CSP_SCOPE_KEY, METADATA

PLUGIN = "lieux-securite"
TRUE = ("1", "oui", "true", "yes")
# Map tiles: wherever datasette-cluster-map's tile_layer in metadata.yml points (lieux/carte.py).
TILE_HOSTS = configured_tile_origins(METADATA)
# Open on the public instance under /-/: static files and the versions (see the docstring).
OPEN_INTROSPECTION = re.compile(r"^/-/(static/|static-plugins/|versions(\.json)?$)")
SCOPE_KEY = CSP_SCOPE_KEY


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


# Datasette 0.65's table.html: <script>DATASETTE_ALLOW_FACET = {{ datasette_allow_facet }};</script>
CONSTANT_SCRIPT_HASHES = tuple(script_hash(f"DATASETTE_ALLOW_FACET = {value};") for value in ("true", "false"))


def policy(nonce: str | None = None, hashes=()) -> str:
    scripts = ["'self'"] + ([f"'nonce-{nonce}'"] if nonce else []) + list(CONSTANT_SCRIPT_HASHES) + sorted(hashes)
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(scripts),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: " + " ".join(TILE_HOSTS),
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# The policy of a response without inline scripts of its own (JSON, static files...).
CONTENT_SECURITY_POLICY = policy()

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def sql_allowed(datasette) -> bool:
    """Whether this instance is the trusted local one (`serve --sql`)."""
    value = (datasette.plugin_config(PLUGIN) or {}).get("sql")
    return value is True or str(value or "").strip().lower() in TRUE


# The only pages other sites may frame: the embeddable widget (plugins/integrer.py). Every other page
# keeps frame-ancestors 'none' and X-Frame-Options: DENY.
FRAMABLE_PATHS = ("/widget",)


def headers_for(path: str, csp: str | None = None) -> dict:
    """Our headers for a response to `path` (exact paths only may be framed)."""
    ours = {**HEADERS, "content-security-policy": csp or CONTENT_SECURITY_POLICY}
    if path in FRAMABLE_PATHS:
        ours.pop("x-frame-options")
        ours["content-security-policy"] = ours["content-security-policy"].replace("frame-ancestors 'none'",
                                                                                  "frame-ancestors *")
    return ours


def with_security_headers(headers, csp: str, path: str = ""):
    """The response's headers, with ours (those of its path) replacing any of the same name."""
    ours = headers_for(path, csp)
    names = set(HEADERS) | {"content-security-policy"}
    kept = [(k, v) for k, v in headers if k.decode("latin-1").lower() not in names]
    return kept + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in ours.items()]


def add_headers(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        state = {"nonce": secrets.token_urlsafe(16), "hashes": set()}
        scope = {**scope, SCOPE_KEY: state}

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                csp = policy(state["nonce"], state["hashes"])
                event = {**event, "headers": with_security_headers(event.get("headers") or [], csp,
                                                                   scope.get("path", ""))}
            await send(event)

        await app(scope, receive, send_with_headers)

    return wrapped


@hookimpl(trylast=True)  # the outermost wrapper: every response, including other wrappers' own, gets the headers
def asgi_wrapper():
    return add_headers


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    """`csp_nonce` for the templates' own inline scripts; the hashes of the scripts plugins add to this page."""
    state = request.scope.get(SCOPE_KEY) if request is not None else None
    if state is None:
        return {"csp_nonce": ""}

    async def inner():
        from datasette.plugins import pm

        for script in pm.hook.extra_body_script(template=template, database=database, table=table, columns=columns,
                                                view_name=view_name, request=request, datasette=datasette):
            script = await await_me_maybe(script)
            if isinstance(script, dict):
                script = script["script"]
            state["hashes"].add(script_hash(str(script)))  # base.html writes {{ body_script.script }}, i.e. str()
        return {"csp_nonce": state["nonce"]}

    return inner


# -- the public instance ------------------------------------------------------------------------

@hookimpl
def permission_allowed(datasette, action):
    if action == "execute-sql" and not sql_allowed(datasette):
        return False
    return None


async def closed(datasette, request):
    raise Forbidden("Page fermée sur le serveur public : les pages /-/ ne s'ouvrent qu'en usage local "
                    "(« python build.py serve --sql »).")


@hookimpl
def register_routes(datasette):
    if sql_allowed(datasette):
        return []
    return [(r"^/-/(?!static/|static-plugins/|versions(\.json)?$).*$", closed)]
