"""Error reports from the public (« Signaler une erreur »): checking a form, limiting abuse, storing, exporting.

Reports go to their own SQLite file, never to the published database, which stays immutable (served
with -i). The web side is plugins/signalements.py; everything here is plain functions and one small
class, tested without a server.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sqlite3
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .formulas import neutralise

# What can be wrong with a place (the form's choices), in the order shown.
NATURES = {
    "ferme": "Le lieu est fermé ou n'existe plus",
    "horaires": "Les horaires sont faux",
    "adresse": "L'adresse ou la position sur la carte est fausse",
    "telephone": "Le téléphone ou le courriel est faux",
    "autre": "Autre chose",
}
SITE_NATURES = {  # a report about the site itself (accessibility, a bug), not about one place
    "accessibilite": "Un problème d'accessibilité du site",
    "site": "Un autre problème sur le site",
}
MAX_MESSAGE = 2000          # characters of free text
MAX_EMAIL = 254             # RFC 5321
MAX_BODY_BYTES = 16_384     # a form larger than this is refused before it is read whole
RATE_LIMIT = 5              # reports a client may send ...
RATE_WINDOW_S = 600         # ... in this many seconds
HONEYPOT = "site_internet"  # a field people never see nor fill; bots do
EMAIL = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+")


class ReportError(ValueError):
    """A form that cannot be stored; `errors` maps each field to what to fix, in French."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Report:
    nature: str
    message: str
    courriel: str | None
    lieu_id: str | None = None
    lieu_nom: str | None = None
    sources: tuple[str, ...] = ()


def check(form: dict, natures: dict = NATURES) -> tuple[str, str, str | None]:
    """(nature, message, courriel) of a submitted form, or ReportError naming each field to fix."""
    nature = (form.get("nature") or "").strip()
    message = (form.get("message") or "").replace("\r\n", "\n").strip()
    courriel = (form.get("courriel") or "").strip() or None
    errors = {}
    if nature not in natures:
        errors["nature"] = "Choisissez ce qui est faux dans la liste."
    if nature == "autre" and not message:
        errors["message"] = "Décrivez en quelques mots ce qui est faux."
    if len(message) > MAX_MESSAGE:
        errors["message"] = f"Votre message fait {len(message)} caractères : {MAX_MESSAGE} au plus."
    if courriel and (len(courriel) > MAX_EMAIL or not EMAIL.fullmatch(courriel)):
        errors["courriel"] = "Cette adresse électronique n'est pas valide (exemple : prenom.nom@exemple.fr). Elle est facultative."
    if errors:
        raise ReportError(errors)
    return nature, message, courriel


def is_bot(form: dict) -> bool:
    """The honeypot field is filled: a robot, answered as if stored but never stored."""
    return bool((form.get(HONEYPOT) or "").strip())


class RateLimiter:
    """At most `limit` events per `window` seconds per key (a client), in memory, thread-safe."""

    def __init__(self, limit: int = RATE_LIMIT, window: float = RATE_WINDOW_S, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> tuple[bool, int]:
        """(allowed, seconds to wait): records the event when allowed."""
        now = self.clock()
        with self._lock:
            events = self._events[key]
            while events and now - events[0] >= self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False, max(1, int(self.window - (now - events[0])) + 1)
            events.append(now)
            if len(self._events) > 100_000:  # forget idle clients rather than grow without end
                for k in [k for k, v in self._events.items() if not v]:
                    del self._events[k]
            return True, 0


def client_key(client_ip: str | None, salt: str) -> str:
    """What the store keeps of a client: a salted hash of its address, never the address itself."""
    return hashlib.sha256(f"{salt}|{client_ip or '?'}".encode()).hexdigest()[:16]


SCHEMA = """
create table if not exists signalements (
    id integer primary key,
    cree_le text not null,
    lieu_id text,
    lieu_nom text,
    sources text,
    nature text not null,
    message text,
    courriel text,
    client text
);
create index if not exists signalements_lieu on signalements(lieu_id);
"""


class Store:
    """The reports' own SQLite file (created on first use); one connection per call, WAL journal."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10)
        if not self._ready:
            with self._lock:
                conn.execute("pragma journal_mode=wal")
                conn.executescript(SCHEMA)
                self._ready = True
        return conn

    def save(self, report: Report, client: str) -> int:
        with self._connect() as conn:
            cur = conn.execute(
                "insert into signalements (cree_le, lieu_id, lieu_nom, sources, nature, message, courriel, client) "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                (datetime.now(timezone.utc).isoformat(timespec="seconds"), report.lieu_id, report.lieu_nom,
                 " | ".join(report.sources), report.nature, report.message, report.courriel, client))
            return cur.lastrowid

    def reports(self, source: str | None = None) -> list[dict]:
        """Every report, newest first; with `source`, those about a place that source lists."""
        if not self.path.exists():
            return []
        conn = self._connect()
        conn.row_factory = sqlite3.Row
        try:
            rows = [dict(r) for r in conn.execute("select * from signalements order by id desc")]
        finally:
            conn.close()
        if source is not None:
            rows = [r for r in rows if source in (r["sources"] or "").split(" | ")]
        return rows

    def count_by_source(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.reports():
            for s in (r["sources"] or "").split(" | ") if r["sources"] else ["(le site)"]:
                counts[s] += 1
        return dict(sorted(counts.items()))


CSV_COLUMNS = ("id", "cree_le", "lieu_id", "lieu_nom", "nature", "nature_libelle", "message", "courriel")


def to_csv(reports: list[dict]) -> str:
    """The reports to send to one producer: one line each, French labels, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    labels = {**NATURES, **SITE_NATURES}
    for r in reports:
        row = {**r, "nature_libelle": labels.get(r["nature"], r["nature"])}
        writer.writerow([neutralise(row.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()
