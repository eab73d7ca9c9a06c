"""Comparing a new database with the one it replaces: counts per source, lieux added, removed, changed.

Read-only on the served database (opened `mode=ro`); pure apart from reading SQLite.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from . import schemas


def connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)


def served_counts(path: Path) -> dict | None:
    """{"lieux": n, "sources": {id: {"lignes_chargees", "statut"}}} of a built database; None when there is none
    (or it is not one of ours: then nothing is compared)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        conn = connect_ro(path)
        try:
            total = conn.execute("select count(*) from lieux").fetchone()[0]
            per_source = {r[0]: {"lignes_chargees": r[1] or 0, "statut": r[2]}
                          for r in conn.execute("select id, lignes_chargees, statut from sources")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return {"lieux": total, "sources": per_source}


def source_counts(db) -> dict[str, int]:
    """{source id: rows loaded} of the database being written (a sqlite_utils.Database or a connection)."""
    return {r[0]: r[1] or 0 for r in db.execute("select id, lignes_chargees from sources").fetchall()}


def lower_sources(before: dict, after: dict[str, int]) -> list[tuple[str, int, int]]:
    """(source, before, after) for every source that loads fewer rows than before, biggest loss first."""
    lower = [(sid, old["lignes_chargees"], after.get(sid, 0)) for sid, old in before["sources"].items()
             if after.get(sid, 0) < old["lignes_chargees"]]
    return sorted(lower, key=lambda t: (t[2] - t[1], t[0]))


def decrease_message(previous: Path, old: int, new: int, lower: list[tuple[str, int, int]]) -> str:
    lost = old - new
    share = lost / old if old else 1
    causes = "; ".join(f"{sid} : {a} → {b}" for sid, a, b in lower[:10]) or "aucune source en baisse (fusions ?)"
    return (f"{previous} : la nouvelle base aurait {new} lieux contre {old} dans la base actuelle "
            f"({lost} de moins, -{share:.1%}). La base actuelle n'a pas été remplacée. "
            f"Sources en baisse (lignes chargées) : {causes}. Vérifiez les fichiers de ces sources ; si la baisse "
            "est voulue, relancez avec --accepter-baisse.")


def check_decrease(db, before: dict, previous: Path) -> None:
    """Raise DecreaseError when the database being written has fewer lieux than `before`."""
    from .pipeline import DecreaseError

    new = db.execute("select count(*) from lieux").fetchone()[0]
    if new < before["lieux"]:
        raise DecreaseError(decrease_message(previous, before["lieux"], new, lower_sources(before, source_counts(db))))


# --- the comparison a refresh reports -------------------------------------------------------------

STANDARD_FIELDS = None


def standard_fields() -> list[str]:
    global STANDARD_FIELDS
    if STANDARD_FIELDS is None:
        STANDARD_FIELDS = [f["name"] for f in schemas.load_schema(schemas.LIEUX)["fields"]]
    return STANDARD_FIELDS


@dataclass
class Comparison:
    lieux_avant: int | None
    lieux_apres: int
    sources: dict = field(default_factory=dict)   # id -> {"avant", "apres", "statut", "message"}
    ajouts: int = 0
    suppressions: int = 0
    modifications: int = 0
    fusions: int = 0

    @property
    def share_lost(self) -> float:
        if not self.lieux_avant:
            return 0.0
        return max(0, self.lieux_avant - self.lieux_apres) / self.lieux_avant

    def as_dict(self) -> dict:
        return {"lieux_avant": self.lieux_avant, "lieux_apres": self.lieux_apres, "ajouts": self.ajouts,
                "suppressions": self.suppressions, "modifications": self.modifications, "fusions": self.fusions,
                "part_perdue": round(self.share_lost, 4), "sources": self.sources}


def compare(new_path: Path, served_path: Path | None) -> Comparison:
    """The new database against the served one: per-source counts and the changes of this build
    (read from the new database's `changements`, dated by its build)."""
    before = served_counts(served_path) if served_path else None
    conn = connect_ro(new_path)
    try:
        after = conn.execute("select count(*) from lieux").fetchone()[0]
        result = Comparison(before["lieux"] if before else None, after)
        for sid, loaded, statut, message in conn.execute("select id, lignes_chargees, statut, message from sources"):
            old = (before or {}).get("sources", {}).get(sid, {})
            result.sources[sid] = {"avant": old.get("lignes_chargees"), "apres": loaded or 0, "statut": statut,
                                   "message": message}
        from .changements import current_build

        built = current_build(conn)
        if built and "changements" in {r[0] for r in conn.execute("select name from sqlite_master")}:
            for nature, n in conn.execute("select nature, count(*) from changements where construction = ? "
                                          "group by nature", [built[0]]):
                setattr(result, {"ajout": "ajouts", "suppression": "suppressions", "modification": "modifications",
                                 "fusion": "fusions"}[nature], n)
    finally:
        conn.close()
    return result
