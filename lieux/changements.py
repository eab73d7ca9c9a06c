"""The `changements` table: what changed for reusers from one build to the next, kept across builds.

Each build compares its lieux with those of the database it replaces (attached read-only by path)
and appends one row per lieu added (ajout), removed (suppression), merged into another lieu (fusion:
its source rows now belong to `fusionne_dans`) or modified (modification, with the standard's fields
that changed). Rows of earlier builds are carried over for seuils.CHANGES_KEPT_DAYS days. The first
build (no database to compare with) records nothing: there is no « before ».
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from . import schemas, seuils

NATURES = ("ajout", "modification", "suppression", "fusion")
COLUMNS = {
    "id": int, "lieu_id": str, "nature": str, "date": str, "construction": str, "champs": str,
    "fusionne_dans": str, "nom": str, "commune": str, "departement_code": str, "sources": str,
}


def create_table(db) -> None:
    db["changements"].create(COLUMNS, pk="id", if_not_exists=True)
    db["constructions"].create({"id": str, "construit_le": str, "ajouts": int, "modifications": int,
                                "suppressions": int, "fusions": int}, pk="id", if_not_exists=True)


def current_build(conn) -> tuple[str, str] | None:
    """(id, construit_le) of the build that wrote this database (the last row of `constructions`)."""
    try:
        return conn.execute("select id, construit_le from constructions order by rowid desc limit 1").fetchone()
    except Exception:  # a database from before this table
        return None


def table_columns(conn, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma {schema}.table_info([{table}])")]


def has_table(conn, schema: str, table: str) -> bool:
    return bool(conn.execute(f"select 1 from {schema}.sqlite_master where type = 'table' and name = ?", [table]).fetchone())


def record(db, previous: Path | None, built_at: str, build_id: str,
           kept_days: int = seuils.CHANGES_KEPT_DAYS) -> dict[str, int]:
    """Write `changements` into the database being built (a sqlite_utils.Database); return counts per nature.

    `construction` is the build's id (build_info « construction »): the changes of one build."""
    create_table(db)
    counts = dict.fromkeys(NATURES, 0)
    try:
        counts.update(compare_with(db, previous, built_at, build_id, kept_days))
    finally:
        db.conn.execute("insert into constructions values (?, ?, ?, ?, ?, ?)",
                        [build_id, built_at, counts["ajout"], counts["modification"], counts["suppression"], counts["fusion"]])
        db.conn.commit()
    return counts


def compare_with(db, previous, built_at, build_id, kept_days) -> dict[str, int]:
    counts = {}
    previous = Path(previous) if previous else None
    if previous is None or not previous.exists():
        return counts
    conn = db.conn
    conn.execute("attach database ? as old", [str(previous)])
    try:
        if not has_table(conn, "old", "lieux"):
            return counts
        day = built_at[:10]
        if has_table(conn, "old", "changements"):
            old_columns = set(table_columns(conn, "old", "changements"))
            shared = [c for c in COLUMNS if c != "id" and c in old_columns]
            cutoff = (date.fromisoformat(day) - timedelta(days=kept_days)).isoformat()
            names = ", ".join(shared)
            conn.execute(f"insert into changements ({names}) select {names} from old.changements "
                         "where date >= ? order by id", [cutoff])
            if has_table(conn, "old", "constructions"):
                conn.execute("insert into constructions select * from old.constructions where construit_le >= ? "
                             "order by rowid", [cutoff])
        common = "nom, commune, departement_code, sources"
        rows = conn.execute(f"select id, {common} from lieux where id not in (select id from old.lieux)").fetchall()
        insert(conn, "ajout", day, build_id, [(r[0], None, None, *r[1:]) for r in rows])
        # removed: merged when one of its source rows now belongs to another lieu
        removed = conn.execute(f"select id, {common} from old.lieux where id not in (select id from main.lieux)").fetchall()
        merged_into = {}
        if removed and has_table(conn, "old", "membres"):
            for old_id, new_id in conn.execute(
                    "select o.lieu_id, min(n.lieu_id) from old.membres o join main.membres n "
                    "on n.source_id = o.source_id and n.cle = o.cle "
                    "where o.lieu_id not in (select id from main.lieux) group by o.lieu_id"):
                merged_into[old_id] = new_id
        insert(conn, "fusion", day, build_id, [(r[0], None, merged_into[r[0]], *r[1:]) for r in removed if r[0] in merged_into])
        insert(conn, "suppression", day, build_id, [(r[0], None, None, *r[1:]) for r in removed if r[0] not in merged_into])
        fields = [f for f in standard_fields() if f != "id" and f in set(table_columns(conn, "old", "lieux"))]
        if fields:
            changed = " || ".join(f"(case when n.[{f}] is not o.[{f}] then '{f},' else '' end)" for f in fields)
            modified = conn.execute(
                f"select n.id, {changed}, n.nom, n.commune, n.departement_code, n.sources "
                "from main.lieux n join old.lieux o on o.id = n.id").fetchall()
            insert(conn, "modification", day, build_id,
                   [(r[0], json.dumps(r[1].rstrip(",").split(","), ensure_ascii=False), None, *r[2:])
                    for r in modified if r[1]])
        for nature, n in conn.execute("select nature, count(*) from changements where construction = ? group by nature",
                                      [build_id]):
            counts[nature] = n
        conn.commit()
    finally:
        conn.commit()
        conn.execute("detach database old")
    return counts


def insert(conn, nature: str, day: str, build_id: str, rows: list[tuple]) -> None:
    conn.executemany(
        "insert into changements (lieu_id, nature, date, construction, champs, fusionne_dans, nom, commune, "
        "departement_code, sources) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r[0], nature, day, build_id, r[1], r[2], *r[3:]) for r in rows])


def standard_fields() -> list[str]:
    return [f["name"] for f in schemas.load_schema(schemas.LIEUX)["fields"]]


def create_indexes(db) -> None:
    db["changements"].create_index(["date"], if_not_exists=True)
    db["changements"].create_index(["departement_code", "date"], if_not_exists=True)
    db["changements"].create_index(["lieu_id"], if_not_exists=True)
