"""Downloading source files into cache/, keeping the last good copy.

A download goes to a temporary file and replaces the cached copy only when it passed every
check: HTTP status, a time limit per read and for the whole download, the size limit, the
announced length (truncation), not an HTML page or binary data instead of the data file,
the pinned sha256, the file readable in its declared format, and a record count that has not
collapsed (below half of the last good copy's). A failed download keeps the previous copy,
records the failure in the copy's meta file, and the source is then marked `perimee` with
the reason.
"""

from __future__ import annotations

import hashlib
import http.client
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

from . import seuils
from .limits import MAX_FILE_BYTES
from .read import SourceReadError, check_regular_file, looks_binary, looks_like_html

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("LIEUX_CACHE_DIR", ROOT / "cache"))
TIMEOUT_SECONDS = 30            # one socket read
TOTAL_TIMEOUT_SECONDS = 600     # the whole download, every try and the waits between tries included
RETRIES = 3
BACKOFF_SECONDS = 1.0
MAX_BYTES = MAX_FILE_BYTES
COLLAPSE_RATIO = seuils.FETCH_COLLAPSE_RATIO  # fewer records than this share of the last good copy: keep the copy
USER_AGENT = "lieux-mediation-numerique/0.1 (annuaire open data)"


class FetchError(RuntimeError):
    """A download that failed; the message says what happened, in French.

    `retry` is False when downloading again would bring the same content (checksum, HTML page...).
    """

    def __init__(self, message: str, retry: bool = True):
        super().__init__(message)
        self.retry = retry


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
    try:
        return urlparse(str(value)).scheme in ("http", "https")
    except ValueError:  # "http://[::1" and the like: a malformed URL (url_problem says why)
        return str(value).lower().startswith(("http:", "https:"))


def url_problem(value: str) -> str | None:
    """Why `value` is not a URL that can be downloaded (in French), or None."""
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return "elle contient des espaces ou des caractères de contrôle (écrivez une espace %20)"
    try:
        parts = urlparse(value)
        port = parts.port
    except ValueError as e:
        return f"elle est mal formée ({'crochets de l’adresse IPv6' if 'IPv6' in str(e) else 'numéro de port invalide'})"
    if not parts.hostname:
        return "le nom du serveur manque (écrivez https://serveur/chemin/fichier.csv)"
    if port == 0:
        return "numéro de port invalide"
    return None


def filename_for(url: str, default: str = "data") -> str:
    name = Path(urlparse(url).path).name
    return name or default


def download(url: str, dest: Path, sha256: str | None = None, expect_html: bool = False,
             timeout: float = TIMEOUT_SECONDS, retries: int = RETRIES, max_bytes: int = MAX_BYTES,
             total_timeout: float = TOTAL_TIMEOUT_SECONDS, text: bool = True, count_records=None,
             min_records: int | None = None) -> Fetched:
    """Download `url` to `dest` atomically; raise FetchError and leave `dest` untouched on failure.

    `text`: the file must be text (CSV, JSON), not binary data. `count_records(path) -> int`
    reads the downloaded file in its format (raising ValueError when it cannot) and gives its
    record count; below COLLAPSE_RATIO × `min_records` the download is refused.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    last_error = None
    deadline = time.monotonic() + total_timeout  # one limit for all the tries (issue 16 §5)
    too_slow = FetchError(f"{url} : téléchargement trop lent (plus de {total_timeout:g} s, essais compris), interrompu.")
    for attempt in range(max(1, retries)):
        if attempt:
            pause = BACKOFF_SECONDS * 2 ** (attempt - 1)
            if time.monotonic() + pause >= deadline:
                break  # no time left for another try: the last error stands
            time.sleep(pause)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            last_error = last_error or too_slow
            break
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
        try:
            digest = hashlib.sha256()
            size = 0
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=min(timeout, remaining)) as response:
                expected = response.headers.get("Content-Length")
                first = True
                while True:
                    block = response.read1(1 << 16)  # returns what arrived: the deadline is checked often
                    if not block:
                        break
                    if first and not expect_html and looks_like_html(block):
                        raise FetchError(f"{url} : une page HTML a été reçue au lieu du fichier de données (page d'erreur ?).",
                                         retry=False)
                    if first and text and looks_binary(block):
                        raise FetchError(f"{url} : contenu binaire reçu au lieu d'un fichier texte (CSV ou JSON). "
                                         "Vérifiez l'URL de la source.", retry=False)
                    first = False
                    size += len(block)
                    if size > max_bytes:
                        raise FetchError(f"{url} : fichier de plus de {max_bytes // (1024 * 1024)} Mo, téléchargement interrompu.",
                                         retry=False)
                    if time.monotonic() > deadline:
                        raise FetchError(str(too_slow), retry=False)
                    digest.update(block)
                    out.write(block)
            if expected is not None and expected.isdigit() and int(expected) != size:
                raise FetchError(f"{url} : fichier tronqué ({size} octets reçus sur {expected}).")
            if size == 0:
                raise FetchError(f"{url} : fichier vide.")
            actual = digest.hexdigest()
            if sha256 and actual != sha256:
                raise FetchError(
                    f"{url} : empreinte sha256 {actual} différente de celle épinglée ({sha256}). "
                    "Le fichier publié a changé : vérifiez-le puis mettez à jour « sha256 » dans le descripteur.",
                    retry=False,
                )
            records = None
            if count_records is not None:
                try:
                    records = count_records(Path(tmp))
                except ValueError as e:
                    raise FetchError(f"{url} : fichier reçu illisible ({e})", retry=False) from e
                if min_records and records < COLLAPSE_RATIO * min_records:
                    raise FetchError(
                        f"{url} : {records} enregistrement(s) au lieu de {min_records} dans la dernière copie valide "
                        f"(moins de {COLLAPSE_RATIO:.0%}). Si la baisse est réelle, supprimez la copie en cache "
                        f"({dest}) puis relancez fetch.", retry=False)
            os.replace(tmp, dest)
            fetched = Fetched(dest, actual, now_iso(), url)
            write_meta(dest, fetched, records)
            return fetched
        except FetchError as e:
            last_error = e
            if not e.retry:
                break  # retrying will not change the content
        except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError, ValueError) as e:
            reason = getattr(e, "reason", None) or e.__class__.__name__
            if isinstance(e, urllib.error.HTTPError):
                reason = f"erreur HTTP {e.code} {e.reason}"
            elif isinstance(e, (TimeoutError, OSError)) and "timed out" in str(e):
                reason = f"pas de réponse en {min(timeout, remaining):g} s"
            elif isinstance(e, http.client.IncompleteRead):
                reason = f"fichier tronqué, {len(e.partial)} octets reçus"
            last_error = FetchError(f"{url} : téléchargement impossible ({reason}).")
            if isinstance(e, urllib.error.HTTPError) and 400 <= e.code < 500 and e.code not in (408, 429):
                break
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        if time.monotonic() >= deadline:
            break
    raise last_error or too_slow


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def write_meta(path: Path, fetched: Fetched, records: int | None = None, failure: str | None = None) -> None:
    """What is known of a cached copy: where and when it came from, its record count, the last failed download."""
    meta = {"url": fetched.url, "sha256": fetched.sha256, "fetched_at": fetched.fetched_at, "records": records}
    if failure:
        meta["last_failure"] = {"at": now_iso(), "message": failure}
    tmp = meta_path(path).with_name(meta_path(path).name + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, meta_path(path))


def read_meta(path: Path) -> dict:
    try:
        return json.loads(meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def cached_file(source_id: str, url: str, cache_dir: Path | None = None) -> Path:
    return Path(cache_dir or CACHE_DIR) / source_id / filename_for(url, source_id)


def fetch_source(source_id: str, url: str, sha256: str | None = None, cache_dir: Path | None = None,
                 count_records=None, dest: Path | None = None, **options) -> Fetched:
    """Download one source into the cache; on failure fall back to the last good copy (status perimee).

    The failure is written in the copy's meta file, so that later builds report the source `perimee` too.
    `url` may be an exception (the current file could not even be located): the same fallback applies.
    """
    dest = dest or cached_file(source_id, url, cache_dir)
    meta = read_meta(dest) if dest.exists() else {}
    try:
        if isinstance(url, Exception):
            raise FetchError(str(url), retry=False)
        return download(url, dest, sha256=sha256, count_records=count_records, min_records=meta.get("records"), **options)
    except FetchError as e:
        if dest.exists():
            message = f"{e} Dernière copie valide conservée (téléchargée le {meta.get('fetched_at') or '?'})."
            copy = Fetched(dest, meta.get("sha256") or sha256_of(dest), meta.get("fetched_at", ""),
                           meta.get("url") if isinstance(url, Exception) else url, status="perimee", message=message)
            write_meta(dest, copy, meta.get("records"), failure=message)
            return copy
        raise


LIVE_EXTENSIONS = {"csv": "csv", "json": "json", "geojson": "geojson"}


def live_file(descriptor, cache_dir: Path | None = None) -> Path:
    """Where the current publication of a source is cached (one name, whatever the published file is called)."""
    return Path(cache_dir or CACHE_DIR) / descriptor.id / "courant" / f"{descriptor.id}.{LIVE_EXTENSIONS[descriptor.format]}"


def choice_path(source_id: str, cache_dir: Path | None = None) -> Path:
    return Path(cache_dir or CACHE_DIR) / source_id / "choix.json"


def write_choice(source_id: str, path: Path, mode: str, cache_dir: Path | None = None) -> None:
    """Which copy the last fetch of a source chose (courant: its current publication; epingle: the pinned file)."""
    target = choice_path(source_id, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps({"mode": mode, "chemin": str(path)}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target)


def fetch_descriptor(descriptor, pinned: bool = False, cache_dir: Path | None = None, counter=None,
                     api: str | None = None, **options) -> Fetched | None:
    """Download a source: its current publication (`live`), or its pinned file with `pinned` or without `live`.

    None when the source has neither (a file shipped beside its descriptor). The copy used is recorded
    (choix.json), so that the build reads what the last fetch chose. `counter(descriptor, path) -> int`
    counts a file's records (process.count_records), with the descriptor as the copy is read.
    """
    import functools

    from . import live

    if descriptor.live and not pinned:
        count_records = functools.partial(counter, live.reading(descriptor)) if counter else None
        dest = live_file(descriptor, cache_dir)
        try:
            url = live.locate(descriptor.live, api).url
        except live.LiveError as e:
            url = e
        got = fetch_source(descriptor.id, url, None, cache_dir, count_records, dest=dest, **options)
        write_choice(descriptor.id, got.path, "courant", cache_dir)
        return got
    if not descriptor.url:
        return None
    count_records = functools.partial(counter, descriptor) if counter else None
    got = fetch_source(descriptor.id, descriptor.url, descriptor.sha256, cache_dir, count_records, **options)
    write_choice(descriptor.id, got.path, "epingle", cache_dir)
    return got


def chosen_copy(descriptor, cache_dir: Path | None = None) -> Fetched | None:
    """The copy the last fetch chose for a source (its pinned file when no fetch recorded a choice)."""
    try:
        choice = json.loads(choice_path(descriptor.id, cache_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        choice = {}
    if choice.get("mode") == "courant" and descriptor.live:
        path = live_file(descriptor, cache_dir)
        if path.exists():
            meta = read_meta(path)
            failure = meta.get("last_failure")
            return Fetched(path, meta.get("sha256") or sha256_of(path), meta.get("fetched_at", ""), meta.get("url"),
                           status="perimee" if failure else "ok", message=failure["message"] if failure else None)
    return cached_copy(descriptor.id, descriptor.url, cache_dir) if descriptor.url else None


def resolve_input(source_id: str, value: str, cache_dir: Path | None = None, text: bool = True) -> Fetched:
    """An --input value: a URL is downloaded (no pin: the user chose the file), a path is used as is.

    `text=False` for files that may be binary (the gzipped commune outlines)."""
    if is_url(value):
        problem = url_problem(value)
        if problem:
            raise SourceReadError(f"{source_id} (--input {value}) : adresse illisible, {problem}. Indiquez une adresse "
                                  "http:// ou https:// complète, ou le chemin d'un fichier.")
        return download(value, Path(cache_dir or CACHE_DIR) / "inputs" / source_id / filename_for(value, source_id), text=text)
    if "://" in value:
        raise SourceReadError(f"{source_id} (--input {value}) : seules les adresses http:// et https:// sont téléchargées. "
                              "Indiquez une adresse http(s) ou le chemin d'un fichier local.")
    path = Path(value)
    if not os.path.lexists(path):
        raise FetchError(f"--input {source_id}={value} : fichier introuvable.")
    status = check_regular_file(path, f"{source_id} (--input {value})")  # never opens a FIFO or a device
    return Fetched(path, sha256_of(path), datetime.fromtimestamp(status.st_mtime, timezone.utc).replace(microsecond=0).isoformat(), None)


def cached_copy(source_id: str, url: str, cache_dir: Path | None = None) -> Fetched | None:
    """The last good copy of a source, if any: `perimee` when the last download of it failed."""
    path = cached_file(source_id, url, cache_dir)
    if not path.exists():
        return None
    meta = read_meta(path)
    failure = meta.get("last_failure")
    return Fetched(path, meta.get("sha256") or sha256_of(path), meta.get("fetched_at", ""), url,
                   status="perimee" if failure else "ok", message=failure["message"] if failure else None)
