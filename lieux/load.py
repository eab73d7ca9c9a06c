"""Writing the SQLite database: the only step of the build that does database I/O.

The database is written to a temporary file beside the target and renamed over it only
once complete, so a failed build leaves the served database as it was.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from . import schemas

# Columns of the lieux table besides the standard's fields.
LIEUX_EXTRA_COLUMNS = {
    "sources": str,            # JSON array of the source ids the lieu came from
    "departement_code": str,
    "region_code": str,
    "popup": str,              # JSON {title, description, link} read by datasette-cluster-map
}
FTS_COLUMNS = ["nom", "adresse", "commune", "presentation_resume", "presentation_detail"]


def column_types(schema_name: str) -> dict:
    types = {}
    multi = set(schemas.multi_valued(schema_name))
    for f in schemas.load_schema(schema_name)["fields"]:
        if f["name"] in multi:
            types[f["name"]] = str  # JSON array, so Datasette can facet it
        else:
            types[f["name"]] = {"number": float, "integer": int, "boolean": int}.get(f["type"], str)
    return types


def departement_from_codes(code_insee: str | None, code_postal: str | None) -> str | None:
    """The département code of a commune code, else of a postcode (Corsica's 20xxx split at 20200)."""
    for code in (code_insee, code_postal):
        if not code or len(code) != 5:
            continue
        if code.startswith("97"):
            return code[:3]
        if code.startswith("2A") or code.startswith("2B"):
            return code[:2]
        if code.startswith("20") and code is code_postal:
            return "2A" if code < "20200" else "2B"
        if code[:2].isdigit():
            return code[:2]
    return None


def db_row(values: dict, schema_name: str) -> dict:
    """A validated row as stored: multi-valued fields as JSON arrays, internal keys dropped."""
    multi = set(schemas.multi_valued(schema_name))
    row = {}
    for key, value in values.items():
        if key.startswith("_"):
            continue
        if key in multi and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, (list, dict)):
            value = json.dumps(value, ensure_ascii=False)
        row[key] = value
    return row


def lieu_row(values: dict) -> dict:
    """A lieu as stored; `values["_source"]` names the source it came from."""
    row = db_row(values, schemas.LIEUX)
    row["sources"] = json.dumps([values["_source"]])
    row["departement_code"] = departement_from_codes(values.get("code_insee"), values.get("code_postal"))
    row["region_code"] = None
    row["popup"] = popup(values)
    return row


def popup(values: dict) -> str:
    """The map popup of a lieu: its name, its address, a link to its row."""
    address = ", ".join(p for p in (values.get("adresse"), f"{values.get('code_postal') or ''} {values.get('commune') or ''}".strip()) if p)
    return json.dumps({"title": values.get("nom"), "description": address,
                       "link": f"/lieux/lieux/{quote(str(values.get('id')), safe='')}"}, ensure_ascii=False)


@contextmanager
def atomic_database(db_path: Path):
    """Yield a sqlite_utils.Database on a temporary file; rename it over db_path on success."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    db = sqlite_utils.Database(tmp)
    try:
        yield db
        db.conn.commit()
        db.conn.close()
        os.replace(tmp, db_path)
    except BaseException:
        db.conn.close()
        if tmp.exists():
            tmp.unlink()
        raise


def create_tables(db: sqlite_utils.Database) -> None:
    lieux_types = {**column_types(schemas.LIEUX), **LIEUX_EXTRA_COLUMNS}
    db["lieux"].create(lieux_types, pk="id")
    for schema_name, table in schemas.TABLES.items():
        if schema_name != schemas.LIEUX and schemas.schema_path(schema_name).exists():
            pk = schemas.load_schema(schema_name).get("primaryKey")
            db[table].create({**column_types(schema_name), "source": str}, pk=pk if isinstance(pk, str) else None,
                             if_not_exists=True)
    db["sources"].create({
        "id": str, "titre": str, "producteur": str, "licence": str, "licence_nom": str, "licence_url": str, "url": str, "page": str,
        "sha256": str, "telecharge_le": str, "statut": str, "message": str, "demo": int,
        "lignes_lues": int, "lignes_chargees": int, "lignes_rejetees": int, "corrections": int,
        "valeurs_non_reconnues": int, "modifications": str,
    }, pk="id")
    db["rejets"].create({
        "id": int, "source": str, "schema": str, "ligne": int, "champ": str, "valeur": str, "code": str,
        "message": str, "ligne_source": str,
    }, pk="id", foreign_keys=[("source", "sources", "id")])
    db["corrections"].create({
        "id": int, "source": str, "schema": str, "ligne": int, "champ": str, "valeur_source": str,
        "valeur_retenue": str, "motif": str,
    }, pk="id", foreign_keys=[("source", "sources", "id")])
    db["valeurs_non_reconnues"].create({
        "source": str, "champ": str, "valeur": str, "nombre": int,
    }, pk=("source", "champ", "valeur"), foreign_keys=[("source", "sources", "id")])


def build_time() -> str:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds: https://reproducible-builds.org/specs/source-date-epoch/)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc).isoformat()
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def write_build_info(db: sqlite_utils.Database, built_at: str | None = None) -> None:
    """When the database was built: the export's `created` date and version come from here, not the clock."""
    db["build_info"].insert({"cle": "construit_le", "valeur": built_at or build_time()}, pk="cle", replace=True)


def as_text(value):
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def insert_result(db: sqlite_utils.Database, result) -> None:
    """The rejects, corrections, unmapped values and non-lieux rows of one processed source."""
    for schema_name, rows in result.rows.items():
        if schema_name != schemas.LIEUX:  # lieux are loaded together, after every source (insert_lieux)
            db[schemas.table_for(schema_name)].insert_all(
                ({**db_row(r, schema_name), "source": result.source} for r in rows), batch_size=1000, alter=True)
    db["rejets"].insert_all(({
        "source": r.source, "schema": r.schema, "ligne": r.ligne, "champ": r.issue.field,
        "valeur": as_text(r.issue.value), "code": r.issue.code, "message": r.issue.message,
        "ligne_source": json.dumps(r.record, ensure_ascii=False, default=str),
    } for r in result.rejets), batch_size=1000)
    db["corrections"].insert_all(({
        "source": c.source, "schema": c.schema, "ligne": c.ligne, "champ": c.champ,
        "valeur_source": as_text(c.valeur_source), "valeur_retenue": as_text(c.valeur_retenue), "motif": c.motif,
    } for c in result.corrections), batch_size=1000)
    db["valeurs_non_reconnues"].insert_all(({
        "source": result.source, "champ": field, "valeur": value, "nombre": count,
    } for (field, value), count in sorted(result.unmapped.items())), batch_size=1000)


def insert_lieux(db: sqlite_utils.Database, rows: list[dict]) -> None:
    db["lieux"].insert_all((lieu_row(r) for r in rows), batch_size=1000)


def create_indexes(db: sqlite_utils.Database) -> None:
    """R*Tree on coordinates, FTS5 on the texts people search, plain indexes for facets."""
    db.execute("CREATE VIRTUAL TABLE lieux_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
    db.execute(
        "INSERT INTO lieux_rtree SELECT rowid, latitude, latitude, longitude, longitude FROM lieux "
        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )
    db["lieux"].enable_fts(FTS_COLUMNS, fts_version="FTS5", tokenize="unicode61 remove_diacritics 2")
    for columns in (["code_postal"], ["code_insee"], ["departement_code"], ["commune"]):
        db["lieux"].create_index(columns, if_not_exists=True)
    db["rejets"].create_index(["source", "code"], if_not_exists=True)
    db["corrections"].create_index(["source"], if_not_exists=True)
