"""Security headers on every response: Content-Security-Policy, X-Content-Type-Options, Referrer-Policy.

Datasette 0.65's own templates (base.html, table.html, _codemirror_foot.html...) and
datasette-cluster-map's extra_body_script are inline <script> blocks without nonces, so the policy
allows 'unsafe-inline' scripts (measured in Chromium: a policy without it blocks them and the map
stays empty; see tests/test_securite.py). What it forbids: scripts, styles and frames from any other
origin, plugins (<object>), <base> rewriting, posting forms elsewhere, being framed.
The escaping of every value shown (Jinja autoescape) is what keeps hostile data inert.
"""

from datasette import hookimpl

from lieux.carte import configured_tile_origins
from lieux.site import METADATA

# Map tiles: wherever datasette-cluster-map's tile_layer in metadata.yml points (lieux/carte.py).
TILE_HOSTS = configured_tile_origins(METADATA)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: " + " ".join(TILE_HOSTS),
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


# The only pages other sites may frame: the embeddable widget (plugins/integrer.py). Every other page
# keeps frame-ancestors 'none' and X-Frame-Options: DENY.
FRAMABLE_PATHS = ("/widget",)
FRAMABLE_HEADERS = {
    **{k: v for k, v in HEADERS.items() if k != "x-frame-options"},
    "content-security-policy": HEADERS["content-security-policy"].replace("frame-ancestors 'none'", "frame-ancestors *"),
}


def headers_for(path: str) -> dict:
    return FRAMABLE_HEADERS if path in FRAMABLE_PATHS else HEADERS


def with_security_headers(headers, path: str = ""):
    """The response's headers, with ours (those of its path) replacing any of the same name."""
    ours = headers_for(path)
    kept = [(k, v) for k, v in headers if k.decode("latin-1").lower() not in HEADERS]
    return kept + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in ours.items()]


def add_headers(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                event = {**event, "headers": with_security_headers(event.get("headers") or [], scope.get("path", ""))}
            await send(event)

        await app(scope, receive, send_with_headers)

    return wrapped


@hookimpl
def asgi_wrapper():
    return add_headers
