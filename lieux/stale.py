"""A stale source keeps its last good rows: those of the database being served, read back as a build result.

The rows come back as the build's merge step was given them (table `membres`, plus the places of an
older vintage it left out), with the source's other tables, rejets, corrections and unrecognised
values, so that the new database holds for this source exactly what the served one held.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

from . import schemas
from .mapping import Issue
from .process import CorrectionRow, Ecart, Rejet, RowSpool, SourceResult

SUPERSEDED = "millesime-remplace"


def decode(row: dict, schema: str) -> dict:
    """A stored row back as the pipeline holds it: multi-valued fields as lists."""
    for name in schemas.multi_valued(schema):
        value = row.get(name)
        if isinstance(value, str):
            try:
                row[name] = json.loads(value)
            except ValueError:
                row[name] = [value]
    return row


def served_source(conn, source_id: str) -> dict | None:
    conn.row_factory = sqlite3.Row
    row = conn.execute("select * from sources where id = ?", [source_id]).fetchone()
    return dict(row) if row else None


def restore(served: Path, descriptor) -> tuple[SourceResult, dict] | None:
    """(the source's result as in the served database, its `sources` row); None when it has none."""
    if not Path(served).exists():
        return None
    conn = sqlite3.connect(f"file:{served}?mode=ro", uri=True)
    try:
        source = served_source(conn, descriptor.id)
        if source is None or not source.get("lignes_chargees"):
            return None
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        result = SourceResult(source=descriptor.id, read=source.get("lignes_lues") or 0)
        main = descriptor.outputs[0].schema
        for out in descriptor.outputs:
            result.rows[out.schema], result.loaded[out.schema], result.rejected[out.schema] = RowSpool(), 0, 0
        lieux = result.rows.get(schemas.LIEUX)
        standard = set(schemas.field_names(schemas.LIEUX))
        if lieux is not None and "membres" in tables:
            for member in conn.execute("select * from membres where source_id = ? order by rowid", [descriptor.id]):
                r = decode(dict(member), schemas.LIEUX)
                r["_source"], r["id"], r["_ligne"] = r.pop("source_id"), r.pop("cle"), r.pop("ligne")
                # only the standard's fields: the rest (lieu, fingerprint, what geography said) is recomputed
                lieux.append({k: v for k, v in r.items() if k in standard or k.startswith("_")})
            for ligne, row in conn.execute("select ligne, ligne_source from rejets where source = ? and code = ? "
                                           "order by rowid", [descriptor.id, SUPERSEDED]):
                lieux.append({**json.loads(row), "_source": descriptor.id, "_ligne": ligne})
            result.loaded[schemas.LIEUX] = len(lieux)
        for out in descriptor.outputs:
            table = schemas.table_for(out.schema)
            if out.schema == schemas.LIEUX or table not in tables:
                continue
            for stored in conn.execute(f"select * from [{table}] where source = ? order by rowid", [descriptor.id]):
                r = decode(dict(stored), out.schema)
                r.pop("source", None)
                result.rows[out.schema].append(r)
            result.loaded[out.schema] = len(result.rows[out.schema])
        for r in conn.execute("select * from rejets where source = ? and code != ? order by id", [descriptor.id, SUPERSEDED]):
            result.rejets.append(Rejet(r["source"], r["schema"], r["ligne"], Issue(r["champ"], r["valeur"], r["code"], r["message"]),
                                       json.loads(r["ligne_source"] or "{}")))
        if "ecartes" in tables:  # rows set aside (descriptor key set_aside): neither loaded nor rejected
            for r in conn.execute("select * from ecartes where source = ? order by id", [descriptor.id]):
                result.ecartes.append(Ecart(r["source"], r["ligne"], r["motif"], r["regle"], json.loads(r["ligne_source"] or "{}")))
        for out in descriptor.outputs:
            result.rejected[out.schema] = max(0, result.read - result.loaded[out.schema] - len(result.ecartes))
        for r in conn.execute("select * from corrections where source = ? order by id", [descriptor.id]):
            result.corrections.append(CorrectionRow(r["source"], r["schema"], r["ligne"], r["champ"], r["valeur_source"],
                                                    r["valeur_retenue"], r["motif"]))
        if "valeurs_non_reconnues" in tables:
            result.unmapped = Counter({(r["champ"], r["valeur"]): r["nombre"] for r in conn.execute(
                "select * from valeurs_non_reconnues where source = ?", [descriptor.id])})
        if main not in result.loaded:
            return None
        return result, source
    finally:
        conn.close()
