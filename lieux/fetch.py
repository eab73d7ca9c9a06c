"""Downloading source files into cache/, keeping the last good copy.

A download goes to a temporary file and replaces the cached copy only when it passed every
check (HTTP status, size limit, not an HTML page instead of data, pinned sha256). A failed
download keeps the previous copy, and the source is then marked `perimee` with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("LIEUX_CACHE_DIR", ROOT / "cache"))
TIMEOUT_SECONDS = 30
RETRIES = 3
BACKOFF_SECONDS = 1.0
MAX_BYTES = 200 * 1024 * 1024
USER_AGENT = "lieux-mediation-numerique/0.1 (annuaire open data)"


class FetchError(RuntimeError):
    """A download that failed; the message says what happened, in French."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    sha256: str
    fetched_at: str
    url: str | None
    status: str = "ok"          # ok | perimee (the last good copy, after a failed download)
    message: str | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def is_url(value: str) -> bool:
    return urlparse(str(value)).scheme in ("http", "https")


def filename_for(url: str, default: str = "data") -> str:
    name = Path(urlparse(url).path).name
    return name or default


def looks_like_html(head: bytes) -> bool:
    start = head.lstrip()[:200].lower()
    return start.startswith(b"<!doctype html") or start.startswith(b"<html")


def download(url: str, dest: Path, sha256: str | None = None, expect_html: bool = False,
             timeout: float = TIMEOUT_SECONDS, retries: int = RETRIES, max_bytes: int = MAX_BYTES) -> Fetched:
    """Download `url` to `dest` atomically; raise FetchError and leave `dest` untouched on failure."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    last_error = None
    for attempt in range(retries):
        if attempt:
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
        try:
            digest = hashlib.sha256()
            size = 0
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(request, timeout=timeout) as response, os.fdopen(fd, "wb") as out:
                expected = response.headers.get("Content-Length")
                first = True
                while True:
                    block = response.read(1 << 16)
                    if not block:
                        break
                    if first and not expect_html and looks_like_html(block):
                        raise FetchError(f"{url} : une page HTML a été reçue au lieu du fichier de données (page d'erreur ?).")
                    first = False
                    size += len(block)
                    if size > max_bytes:
                        raise FetchError(f"{url} : fichier de plus de {max_bytes // (1024 * 1024)} Mo, téléchargement interrompu.")
                    digest.update(block)
                    out.write(block)
            if expected is not None and int(expected) != size:
                raise FetchError(f"{url} : fichier tronqué ({size} octets reçus sur {expected}).")
            if size == 0:
                raise FetchError(f"{url} : fichier vide.")
            actual = digest.hexdigest()
            if sha256 and actual != sha256:
                raise FetchError(
                    f"{url} : empreinte sha256 {actual} différente de celle épinglée ({sha256}). "
                    "Le fichier publié a changé : vérifiez-le puis mettez à jour « sha256 » dans le descripteur."
                )
            os.replace(tmp, dest)
            fetched = Fetched(dest, actual, now_iso(), url)
            write_meta(dest, fetched)
            return fetched
        except FetchError as e:
            last_error = e
            if "sha256" in str(e) or "HTML" in str(e) or "plus de" in str(e):
                break  # retrying will not change the content
        except (urllib.error.URLError, OSError, TimeoutError, ValueError) as e:
            reason = getattr(e, "reason", None) or getattr(e, "code", None) or e
            last_error = FetchError(f"{url} : téléchargement impossible ({reason}).")
            if isinstance(e, urllib.error.HTTPError) and 400 <= e.code < 500 and e.code != 429:
                break
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise last_error


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def write_meta(path: Path, fetched: Fetched) -> None:
    meta_path(path).write_text(json.dumps({"url": fetched.url, "sha256": fetched.sha256, "fetched_at": fetched.fetched_at}), encoding="utf-8")


def read_meta(path: Path) -> dict:
    try:
        return json.loads(meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def cached_file(source_id: str, url: str, cache_dir: Path | None = None) -> Path:
    return Path(cache_dir or CACHE_DIR) / source_id / filename_for(url, source_id)


def fetch_source(source_id: str, url: str, sha256: str | None = None, cache_dir: Path | None = None) -> Fetched:
    """Download one source into the cache; on failure fall back to the last good copy (status perimee)."""
    dest = cached_file(source_id, url, cache_dir)
    try:
        return download(url, dest, sha256=sha256)
    except FetchError as e:
        if dest.exists():
            meta = read_meta(dest)
            return Fetched(dest, meta.get("sha256") or sha256_of(dest), meta.get("fetched_at", ""), url,
                           status="perimee", message=f"{e} Dernière copie valide conservée.")
        raise


def resolve_input(source_id: str, value: str, cache_dir: Path | None = None) -> Fetched:
    """An --input value: a URL is downloaded (no pin: the user chose the file), a path is used as is."""
    if is_url(value):
        return download(value, Path(cache_dir or CACHE_DIR) / "inputs" / source_id / filename_for(value, source_id))
    path = Path(value)
    if not path.exists():
        raise FetchError(f"--input {source_id}={value} : fichier introuvable.")
    return Fetched(path, sha256_of(path), datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(microsecond=0).isoformat(), None)


def cached_copy(source_id: str, url: str, cache_dir: Path | None = None) -> Fetched | None:
    """The last downloaded copy of a source, if any."""
    path = cached_file(source_id, url, cache_dir)
    if not path.exists():
        return None
    meta = read_meta(path)
    return Fetched(path, meta.get("sha256") or sha256_of(path), meta.get("fetched_at", ""), url)
