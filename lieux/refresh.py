"""`build.py refresh`: fetch every source, build a new database, compare it with the served one, publish or refuse.

    lock → fetch (current publications, or pinned files) → build into versions/<new>/lieux.db
      (a source that failed, became unreadable or lost more than seuils.SOURCE_MAX_LOSS of its rows
      keeps the served database's rows, marked `perimee` with the reason)
    → compare (per-source counts; lieux added, removed, modified, merged)
    → publish (the served path becomes a symlink to the new immutable file, swapped atomically)
      or refuse (the directory would lose more than seuils.DIRECTORY_MAX_LOSS of its lieux)
    → producer reports (rapports/<version>/)

Every step writes one JSON line (stdout and the journal file). The exit code tells cron what happened
(EXIT_*; README, « Mise à jour quotidienne »).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import compare, fetch, geo, pipeline, seuils, stale
from .pipeline import SourceInput
from .process import count_records

EXIT_PUBLISHED = 0          # published, every source fresh
EXIT_PUBLISHED_STALE = 3    # published, some sources kept their last good rows (perimee)
EXIT_REFUSED = 4            # not published: the directory would lose too many lieux (served database unchanged)
EXIT_ERROR = 5              # not published: the build failed (served database unchanged)
EXIT_LOCKED = 6             # another refresh is running: nothing done
EXIT_CODES = {
    EXIT_PUBLISHED: "publiée",
    EXIT_PUBLISHED_STALE: "publiée avec des sources périmées",
    EXIT_REFUSED: "refusée",
    EXIT_ERROR: "erreur",
    EXIT_LOCKED: "déjà en cours",
}
STALE = "perimee"


class Locked(RuntimeError):
    """Another refresh holds the lock."""


@contextmanager
def lock(path: Path):
    """An exclusive lock on `path` for the life of the refresh (released by the kernel if the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        deadline = time.monotonic() + seuils.LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    raise Locked(f"une autre mise à jour tourne déjà ({handle.read().strip() or path}).")
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} depuis {now()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Journal:
    """One JSON object per line and per step, on stdout (echo) and appended to a file."""

    def __init__(self, path: Path | None, echo=print):
        self.path, self.echo, self.started = path, echo, time.monotonic()
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, step: str, **data) -> dict:
        entry = {"horodatage": now(), "etape": step, "duree_s": round(time.monotonic() - self.started, 3), **data}
        line = json.dumps(entry, ensure_ascii=False, default=str)
        self.echo(line)
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        return entry


@dataclass
class Outcome:
    code: int
    version: Path | None = None
    comparison: compare.Comparison | None = None
    stale: dict = field(default_factory=dict)      # source id -> reason
    message: str = ""


# --- layout: the served path is a symlink to an immutable versioned file ---------------------------

def versions_dir(served: Path) -> Path:
    return served.parent / "versions"


def reports_dir(served: Path) -> Path:
    return served.parent / "rapports"


def served_file(served: Path) -> Path | None:
    """The file being served (the symlink's target), None when nothing is served yet."""
    return served.resolve() if served.exists() else None


def publish(served: Path, version_db: Path) -> None:
    """Point `served` at `version_db` in one atomic rename (a symlink, relative so the folder can move).

    A served path that is still a regular file (built by `build`) is first kept as a version of its own.
    """
    if served.exists() and not served.is_symlink():
        keep = versions_dir(served) / f"{version_name(served)}-avant-mise-a-jour"
        keep.mkdir(parents=True, exist_ok=True)
        os.link(served, keep / "lieux.db") if not (keep / "lieux.db").exists() else None
    tmp = served.with_name(f"{served.name}.lien-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(version_db, served.parent), tmp)
    os.replace(tmp, served)
    load_fsync(served.parent)


def load_fsync(directory: Path) -> None:
    from .load import fsync_directory

    fsync_directory(directory)


def version_name(db: Path) -> str:
    """<UTC build time>-<first 12 hex of the file's sha256>: unique, sortable, and a hash for cache-busting URLs."""
    stamp = datetime.fromtimestamp(db.stat().st_mtime, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{fetch.sha256_of(db)[:12]}"


def prune(served: Path, keep: int = seuils.VERSIONS_KEPT) -> list[Path]:
    """Delete the oldest versions beyond `keep` published ones (and beyond `keep` refused ones), never the one
    served. (A Datasette process still reading a deleted file keeps it open until it is swapped: Linux frees
    the file after.)"""
    folder = versions_dir(served)
    if not folder.exists():
        return []
    current = served_file(served)
    removed = []
    for refused in (False, True):
        versions = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                           and p.name.endswith("-refusee") == refused), key=lambda p: p.name, reverse=True)
        for version in versions[keep:]:
            if current and current.parent == version.resolve():
                continue
            shutil.rmtree(version, ignore_errors=True)
            removed.append(version)
    return removed


# --- the steps ---------------------------------------------------------------------------------------

def fetch_all(descriptors, pinned: bool, journal: Journal, cache_dir=None) -> dict[str, str]:
    """Download every source; {source id: message} of the downloads that failed or were refused."""
    failures = {}
    for d in descriptors:
        if not (d.url or d.live) or d.local_file:
            continue
        try:
            got = fetch.fetch_descriptor(d, pinned=pinned, cache_dir=cache_dir, counter=count_records)
        except fetch.FetchError as e:
            failures[d.id] = str(e)
            journal("telechargement", source=d.id, statut="echec", message=str(e))
            continue
        if got.status != "ok":
            failures[d.id] = got.message or got.status
        journal("telechargement", source=d.id, statut=got.status, url=got.url, sha256=got.sha256, message=got.message)
    return failures


def reviewer(served: Path | None, before: dict | None, accepted: set[str], journal: Journal, marks: dict):
    """The build's review hook: sources that failed or lost too much keep the served database's rows."""

    def review(processed):
        reviewed = []
        for inp, result in processed:
            d = inp.descriptor
            old = (before or {}).get("sources", {}).get(d.id, {})
            previous = old.get("lignes_chargees") or 0
            loaded = result.loaded.get(d.outputs[0].schema, 0) if result else 0
            reason = None
            if inp.status in ("illisible", "absente"):
                reason = f"source {'illisible' if inp.status == 'illisible' else 'absente'} : {inp.message}"
            elif previous and loaded < (1 - seuils.SOURCE_MAX_LOSS) * previous and d.id not in accepted and "tout" not in accepted:
                reason = (f"{loaded} ligne(s) chargée(s) au lieu de {previous} (baisse de plus de "
                          f"{seuils.SOURCE_MAX_LOSS:.0%}) ; {result.rejected.get(d.outputs[0].schema, 0) if result else 0} "
                          "rejetée(s) — colonnes changées ou fichier incomplet ? Si la baisse est réelle : "
                          f"refresh --accepter-baisse {d.id}.")
            if reason and served is not None and previous:
                restored = stale.restore(served, d)
                if restored is not None:
                    rows, old_row = restored
                    message = f"{reason} Lignes de la base publiée conservées (fichier du {old_row.get('telecharge_le') or '?'})."
                    kept = fetch.Fetched(served, old_row.get("sha256") or "", old_row.get("telecharge_le") or "",
                                         old_row.get("url"), status=STALE, message=message)
                    marks[d.id] = message
                    journal("source-perimee", source=d.id, motif=reason, lignes_conservees=len(rows.rows.get(d.outputs[0].schema, [])))
                    reviewed.append((SourceInput(d, kept, STALE, message), rows))
                    continue
            if inp.status == STALE:
                marks[d.id] = inp.message or "téléchargement en échec : dernière copie valide du fichier utilisée."
            reviewed.append((inp, result))
        return reviewed

    return review


def fetch_geography(journal: Journal) -> None:
    """Download the reference geography (lieux/geo/reference.py); a failure keeps the last good copy."""
    for ref in geo.reference.REFERENCE_FILES:
        try:
            got = geo.reference.fetch_file(ref)
        except fetch.FetchError as e:
            journal("telechargement", source=ref.id, statut="echec", message=str(e))
            continue
        journal("telechargement", source=ref.id, statut=got.status, sha256=got.sha256, message=got.message)


def refresh(served: Path, descriptors, pinned: bool = False, accepted: frozenset = frozenset(),
            journal: Journal | None = None, cache_dir=None, geography=None, with_geography: bool = False) -> Outcome:
    """One refresh, lock held by the caller (run() takes it)."""
    journal = journal or Journal(None)
    served = Path(served)
    journal("debut", base=str(served), mode="epingle" if pinned else "courant", sources=len(descriptors))
    if with_geography:
        fetch_geography(journal)
    failures = fetch_all(descriptors, pinned, journal, cache_dir)
    current = served_file(served)
    before = compare.served_counts(current) if current else None
    marks: dict[str, str] = {}
    work = versions_dir(served) / f".en-cours-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        inputs = pipeline.resolve_inputs(descriptors, {}, cache_dir)
        pipeline.build(work / "lieux.db", inputs, geography=geography or geo.prepare(), accept_decrease=True,
                       previous=current, review=reviewer(current, before, set(accepted), journal, marks))
    except (pipeline.BuildError, ValueError, OSError) as e:
        shutil.rmtree(work, ignore_errors=True)
        journal("construction", statut="echec", message=str(e))
        return Outcome(EXIT_ERROR, message=str(e))
    version = versions_dir(served) / version_name(work / "lieux.db")
    os.replace(work, version)
    new_db = version / "lieux.db"
    os.chmod(new_db, 0o444)  # immutable from now on
    comparison = compare.compare(new_db, current)
    journal("comparaison", **comparison.as_dict())
    if comparison.share_lost > seuils.DIRECTORY_MAX_LOSS:
        refused = version.with_name(version.name + "-refusee")
        message = (f"publication refusée : l'annuaire passerait de {comparison.lieux_avant} à {comparison.lieux_apres} lieux "
                   f"(-{comparison.share_lost:.1%}, plus que le seuil de {seuils.DIRECTORY_MAX_LOSS:.0%}). "
                   f"La base servie est inchangée ; la base refusée est dans {refused}.")
        os.replace(version, refused)
        journal("publication", statut="refusee", message=message, base_refusee=str(refused / "lieux.db"))
        return Outcome(EXIT_REFUSED, refused / "lieux.db", comparison, marks, message)
    publish(served, new_db)
    journal("publication", statut="publiee", version=version.name, perimees=sorted(marks))
    removed = prune(served)
    if removed:
        journal("menage", versions_supprimees=[p.name for p in removed])
    code = EXIT_PUBLISHED_STALE if marks else EXIT_PUBLISHED
    return Outcome(code, new_db, comparison, marks, "")


def run(served: Path, descriptors, pinned: bool = False, accepted=frozenset(), journal_path: Path | None = None,
        echo=print, cache_dir=None, geography=None, with_geography: bool = False) -> Outcome:
    """refresh() under the lock, with the journal, and the producer reports written after it."""
    served = Path(served)
    journal = Journal(journal_path or served.parent / "journal-mise-a-jour.jsonl", echo)
    try:
        with lock(served.parent / ".mise-a-jour.lock"):
            outcome = refresh(served, descriptors, pinned, frozenset(accepted), journal, cache_dir, geography,
                              with_geography)
            if outcome.version is not None:
                from . import rapport

                folder = reports_dir(served) / outcome.version.parent.name
                written = rapport.write_reports(outcome.version, folder, outcome.stale)
                journal("rapports", dossier=str(folder), fichiers=len(written))
    except Locked as e:
        journal("verrou", statut="deja-en-cours", message=str(e))
        return Outcome(EXIT_LOCKED, message=str(e))
    journal("fin", code=outcome.code, resultat=EXIT_CODES[outcome.code], perimees=sorted(outcome.stale))
    return outcome
