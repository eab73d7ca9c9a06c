"""A micro-cache of the public search page: a page is answered from memory for as long as it says it stays right.

A search costs a few milliseconds of Python (place, nearest lieux, opening hours, the page) where Datasette's
cheapest answer costs under two. The database is immutable while served, so the page for one address changes
only with the build and with time, and the page says until when it is right: `Cache-Control: public,
max-age=N` (plugins/pages.py: until the first lieu shown opens or closes, or its day ends, at most 10 minutes;
1 minute with ?ouvert=). This cache keeps it exactly that long (at most `lieux-cache-pages: secondes` of
metadata.yml when set; 0 turns the cache off), keyed by the address (scheme, host, path and query: the page's
share link is absolute) and the build, in an LRU of at most
MAX_BYTES of pages (~2,000 result pages of ~32 KB; pages asking to choose a commune or finding nothing are smaller). A page given from memory says how many seconds it has left, so that a CDN after this
server never keeps it longer.
Not cached: other paths, other methods, requests with cookies (a signed-in maintainer), answers without a public
max-age, answers that set a cookie or carry a CSP nonce. Security headers are added outside (plugins/securite.py);
the hashes of the inline scripts plugins add to the page are kept with it and given back to its CSP.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict

from datasette import hookimpl

from lieux import apiroutes, geocoder
from lieux.site import CSP_SCOPE_KEY

PLUGIN = "lieux-cache-pages"
PATHS = ("/",)
MAX_BYTES = 64 * 1024 * 1024
CACHE: OrderedDict = OrderedDict()
_size = [0]  # bytes of the pages in CACHE
MAX_AGE = re.compile(rb"(?:^|[,\s])max-age=(\d+)")


def max_seconds(datasette) -> int | None:
    """The configured longest life of a cached page (None when unset: as long as the page says); 0: no cache."""
    value = (datasette.plugin_config(PLUGIN) or {}).get("secondes")
    if value is None or str(value).strip() == "":
        return None
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        raise ValueError(f"{PLUGIN} : « secondes » doit être un nombre entier de secondes (reçu « {value} »)")


def cache_key(datasette, scope) -> tuple | None:
    if scope.get("type") != "http" or scope.get("method") != "GET" or scope.get("path") not in PATHS:
        return None
    headers = dict((name.lower(), value) for name, value in scope.get("headers") or [])
    if b"cookie" in headers:
        return None
    build = apiroutes.build_identity(datasette)[0]
    # The page's share link is absolute: the scheme and host it was asked by are part of the key.
    return (scope.get("scheme"), headers.get(b"host"), scope["path"], scope.get("query_string", b""), build,
            geocoder_in_use(datasette))


def geocoder_in_use(datasette) -> str:
    """The address geocoder's setting is part of the key: a page made with it differs from one without."""
    try:
        return repr(geocoder.settings(datasette.plugin_config(geocoder.PLUGIN)))
    except ValueError:
        return "illisible"


def lifetime(start: dict, body: bytes) -> int:
    """The seconds an answer may be kept: its public max-age; 0 when it sets a cookie, has a nonce or no max-age."""
    headers = {k.lower(): v for k, v in start.get("headers") or []}
    control = headers.get(b"cache-control", b"").lower()
    if b"set-cookie" in headers or b"nonce=" in body or b"public" not in control or b"no-store" in control:
        return 0
    found = MAX_AGE.search(control)
    return int(found.group(1)) if found else 0


def with_max_age(start: dict, seconds: int) -> dict:
    """The answer's start with the seconds it has left as its max-age."""
    headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"cache-control"]
    return {**start, "headers": headers + [(b"cache-control", b"public, max-age=%d" % seconds)]}


def clear() -> None:
    CACHE.clear()
    _size[0] = 0


def forget(key) -> None:
    _size[0] -= len(CACHE.pop(key)[2])


def remember(key, expires: float, start: dict, body: bytes, script_hashes: frozenset) -> None:
    if key in CACHE:
        forget(key)
    CACHE[key] = (expires, start, body, script_hashes)
    _size[0] += len(body)
    while _size[0] > MAX_BYTES and CACHE:
        forget(next(iter(CACHE)))  # the least recently used


def recall(key, now: float):
    """(expires, start, body, script hashes) of a page still right at `now`, or None (an expired one is dropped)."""
    hit = CACHE.get(key)
    if hit is None:
        return None
    if hit[0] <= now:
        forget(key)
        return None
    CACHE.move_to_end(key)
    return hit


def micro_cache(app, datasette):
    longest = max_seconds(datasette)
    if longest == 0:
        return app

    async def wrapped(scope, receive, send):
        key = cache_key(datasette, scope)
        if key is None:
            return await app(scope, receive, send)
        csp = scope.get(CSP_SCOPE_KEY)  # plugins/securite.py's state for this response
        now = time.time()
        hit = recall(key, now)
        if hit is not None:
            expires, start, body, script_hashes = hit
            if csp is not None:  # the inline scripts of the cached page are allowed by the same hashes
                csp["hashes"].update(script_hashes)
            await send(with_max_age(start, int(expires - now)))
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
                    seconds = lifetime(start_event, body)
                    if longest is not None:
                        seconds = min(seconds, longest)
                    if seconds > 0:
                        remember(key, now + seconds, dict(start_event), body,
                                 frozenset(csp["hashes"]) if csp is not None else frozenset())
            await send(event)

        await app(scope, receive, capture)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: micro_cache(app, datasette)
