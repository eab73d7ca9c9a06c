"""A micro-cache of the public search page: the same search within a minute is answered from memory.

`/?q=Grenoble` costs ~25 ms of Python (place lookup, nearest lieux, opening hours, the template) where
Datasette's cheapest answer costs ~3 ms. The database is immutable while served, so the page for one
address changes only with the build and with the time of day (« ouvert maintenant »): it is kept for
TTL_SECONDS (plugin config `lieux-cache-pages: secondes`, metadata.yml; 0 turns it off), keyed by the address,
the build and the time slice, in a bounded LRU (MAX_ENTRIES pages).
Not cached: other paths, other methods, requests with cookies (a signed-in maintainer), answers other than
200, answers that set a cookie or carry a CSP nonce. Security headers are added outside (plugins/securite.py);
the hashes of the inline scripts plugins add to the page are kept with it and given back to its CSP.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from datasette import hookimpl

from lieux import apiroutes, geocoder
from lieux.site import CSP_SCOPE_KEY

PLUGIN = "lieux-cache-pages"
PATHS = ("/",)
TTL_SECONDS = 60
MAX_ENTRIES = 1000
CACHE: OrderedDict = OrderedDict()


def ttl_seconds(datasette) -> int:
    """The configured lifetime of a cached page (TTL_SECONDS when unset); 0 turns the cache off."""
    value = (datasette.plugin_config(PLUGIN) or {}).get("secondes")
    if value is None or str(value).strip() == "":
        return TTL_SECONDS
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        raise ValueError(f"{PLUGIN} : « secondes » doit être un nombre entier de secondes (reçu « {value} »)")


def cache_key(datasette, scope, ttl: int) -> tuple | None:
    if scope.get("type") != "http" or scope.get("method") != "GET" or scope.get("path") not in PATHS:
        return None
    if any(name.lower() == b"cookie" for name, _ in scope.get("headers") or []):
        return None
    build = apiroutes.build_identity(datasette)[0]
    return (scope["path"], scope.get("query_string", b""), build, int(time.time() // ttl),
            geocoder_in_use(datasette))


def geocoder_in_use(datasette) -> str:
    """The address geocoder's setting is part of the key: a page made with it differs from one without."""
    try:
        return repr(geocoder.settings(datasette.plugin_config(geocoder.PLUGIN)))
    except ValueError:
        return "illisible"


def cacheable(start: dict, body: bytes) -> bool:
    names = {k.lower() for k, _ in start.get("headers") or []}
    return start["status"] == 200 and b"set-cookie" not in names and b"nonce=" not in body


def remember(key, start: dict, body: bytes, script_hashes: frozenset) -> None:
    CACHE[key] = (start, body, script_hashes)
    CACHE.move_to_end(key)
    while len(CACHE) > MAX_ENTRIES:
        CACHE.popitem(last=False)


def micro_cache(app, datasette):
    ttl = ttl_seconds(datasette)
    if ttl == 0:
        return app

    async def wrapped(scope, receive, send):
        key = cache_key(datasette, scope, ttl)
        if key is None:
            return await app(scope, receive, send)
        csp = scope.get(CSP_SCOPE_KEY)  # plugins/securite.py's state for this response
        hit = CACHE.get(key)
        if hit is not None:
            CACHE.move_to_end(key)
            start, body, script_hashes = hit
            if csp is not None:  # the inline scripts of the cached page are allowed by the same hashes
                csp["hashes"].update(script_hashes)
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        parts, start_event = [], {}

        async def capture(event):
            if event["type"] == "http.response.start":
                start_event.update(event)
            elif event["type"] == "http.response.body":
                parts.append(event.get("body", b""))
                if not event.get("more_body"):
                    body = b"".join(parts)
                    if cacheable(start_event, body):
                        remember(key, dict(start_event), body, frozenset(csp["hashes"]) if csp is not None else frozenset())
            await send(event)

        await app(scope, receive, capture)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: micro_cache(app, datasette)
