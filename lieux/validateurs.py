"""HTTP validators from the build: an ETag and a Last-Modified for every answer computed from the database.

The database is immutable while served, so one build = one version of every answer: the ETag is the
build's id (table `constructions`, else build_info's date), Last-Modified its date. A request whose
If-None-Match (or If-Modified-Since) matches gets 304 without computing the answer. Reusable by any
route: `validators(conn)` once per database, `not_modified(request, v)`, `headers(v)`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime


@dataclass(frozen=True)
class Validators:
    etag: str            # quoted, as sent
    last_modified: str   # an HTTP date
    built: datetime


def validators(conn, salt: str = "") -> Validators:
    """The build's validators, read from a sqlite3 connection. `salt` separates representations of
    one build (e.g. "ndjson" and "atom"), as an ETag must differ when the bytes differ."""
    build_id, built_at = None, None
    try:
        row = conn.execute("select id, construit_le from constructions order by rowid desc limit 1").fetchone()
        if row:
            build_id, built_at = row
    except Exception:
        pass
    if built_at is None:
        try:
            row = conn.execute("select valeur from build_info where cle = 'construit_le'").fetchone()
            built_at = row[0] if row else None
        except Exception:
            pass
    built = parse_time(built_at) or datetime(1970, 1, 1, tzinfo=timezone.utc)
    tag = hashlib.sha256(f"{build_id or built_at}|{salt}".encode()).hexdigest()[:20]
    return Validators(f'"{tag}"', format_datetime(built, usegmt=True), built)


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)


def not_modified(request_headers, v: Validators) -> bool:
    """True when the client's copy is current (If-None-Match wins over If-Modified-Since, RFC 9110 §13.2.2)."""
    match = request_headers.get("if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return "*" in tags or v.etag in tags
    since = request_headers.get("if-modified-since")
    if since:
        try:
            return v.built <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def headers(v: Validators, max_age: int = 300) -> dict:
    return {"ETag": v.etag, "Last-Modified": v.last_modified, "Cache-Control": f"public, max-age={max_age}"}
