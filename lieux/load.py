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

from . import formulas, merge, positions, schemas, territoires

# Columns of the lieux table besides the standard's fields.
LIEUX_EXTRA_COLUMNS = {
    "sources": str,            # JSON array of the source ids the lieu came from
    "departement_code": str,
    "region_code": str,
    "departement_nom": str,
    "region_nom": str,
    "qualite_geo": str,        # lieux.geo.QUALITES: source | corrigee-inversion|-signe|-projection | centre_commune | ...
    "qualite_geo_motif": str,
    "hub": str,                # hub(s) territorial(aux) of the département, " | " between two
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
    """The département code of a commune code, else of a postcode (Corsica's 20xxx split at 20200).

    Overseas, the département or collectivité (lieux.territoires): 97133 is Saint-Barthélemy (977), 98800 Nouméa (988).
    """
    for code, is_postcode in ((code_insee, False), (code_postal, True)):
        if not code or len(code) != 5:
            continue
        overseas = territoires.of_postcode(code) if is_postcode else territoires.of_insee(code)
        if overseas:
            return overseas
        if code.startswith(("97", "98")):
            continue  # Monaco (98000), TAAF, Clipperton: no département
        if code.startswith(("2A", "2B")):
            return code[:2]
        if code.startswith("20") and is_postcode:
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
    """A lieu as stored; `_sources` (after merging) or `_source` name the sources it came from."""
    row = db_row(values, schemas.LIEUX)
    row["sources"] = json.dumps(values.get("_sources") or [values["_source"]], ensure_ascii=False)
    placed = values.get("_geo") or {}  # set by the geography step (lieux.geo)
    row["departement_code"] = placed.get("departement_code") or departement_from_codes(values.get("code_insee"), values.get("code_postal"))
    for key in ("region_code", "departement_nom", "region_nom", "qualite_geo", "qualite_geo_motif", "hub"):
        row[key] = placed.get(key)
    row["popup"] = popup(values)
    return row


def popup(values: dict) -> str:
    """The map popup of a lieu: its name, its address, a link to its row."""
    address = ", ".join(p for p in (values.get("adresse"), f"{values.get('code_postal') or ''} {values.get('commune') or ''}".strip()) if p)
    what = positions.what_the_point_is((values.get("_geo") or {}).get("qualite_geo"))
    if what:
        address += f" — position approximative : le {what}"
    return json.dumps({"title": values.get("nom"), "description": address,
                       "link": f"/lieux/lieux/{quote(str(values.get('id')), safe='')}"}, ensure_ascii=False)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(db_path: Path) -> list[Path]:
    """Delete the temporary files (and their SQLite journals) of builds that were killed before the end.

    A temporary file is `<db>.tmp-<pid>`; it is stale when its build process no longer runs.
    """
    removed = []
    for path in Path(db_path).parent.glob(f"{Path(db_path).name}.tmp-*"):
        pid = path.name[len(Path(db_path).name) + len(".tmp-"):].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def fsync_directory(directory: Path) -> None:
    """Make a rename durable (a crash of the machine right after it keeps the new file)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_database(db_path: Path):
    """Yield a sqlite_utils.Database on a temporary file; rename it over db_path on success.

    The served file is only ever replaced by a complete database (os.replace is atomic), so a
    build killed at any moment leaves it as it was; the next build removes the killed one's
    temporary files.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(db_path)
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    db = sqlite_utils.Database(tmp)
    try:
        yield db
        db.conn.commit()
        db.conn.close()
        os.replace(tmp, db_path)
        fsync_directory(db_path.parent)
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
        "id": str, "titre": str, "producteur": str, "licence": str, "licence_nom": str, "licence_url": str, "url": str, "page": str, "contact": str,
        "sha256": str, "telecharge_le": str, "statut": str, "message": str, "demo": int,
        "lignes_lues": int, "lignes_chargees": int, "lignes_rejetees": int, "lignes_ecartees": int, "corrections": int,
        "coordonnees_converties": int,  # points converted from the descriptor's declared crs: not corrections
        "valeurs_non_reconnues": int, "modifications": str,
        # how the file was read (lieux.read.ReadInfo): encoding declared or detected, probable mojibake
        "encodage": str, "mojibake": int, "mojibake_message": str,
        # geography quality (lieux.geo.source_columns): lieux per qualite_geo, address checks
        "geo_source": int, "geo_corrigee": int, "geo_corrigee_inversion": int, "geo_corrigee_signe": int,
        "geo_corrigee_projection": int, "geo_centre_commune": int, "geo_hors_departement": int,
        "geo_absente": int, "geo_non_verifiee": int, "geo_adresses_incoherentes": int, "geo_codes_insee_completes": int,
        "geo_codes_postaux_0_incoherents": int, "geo_communes_par_le_point": int, "geo_noms_communes_nettoyes": int,
    }, pk="id")
    db["rejets"].create({
        "id": int, "source": str, "schema": str, "ligne": int, "champ": str, "valeur": str, "code": str,
        "message": str, "ligne_source": str,
    }, pk="id", foreign_keys=[("source", "sources", "id")])
    # rows a producer marks inactive or hidden (descriptor key set_aside): neither loaded nor rejected
    db["ecartes"].create({
        "id": int, "source": str, "ligne": int, "motif": str, "regle": str, "ligne_source": str,
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
    """A value of the bookkeeping tables (rejets, corrections…) as text, never a spreadsheet formula:
    the value a producer wrote is kept, an apostrophe in front when a spreadsheet would run it (lieux.formulas)."""
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return formulas.neutralise(str(value))


def insert_result(db: sqlite_utils.Database, result) -> None:
    """The rejects, corrections, unmapped values and non-lieux rows of one processed source."""
    for schema_name, rows in result.rows.items():
        if schema_name != schemas.LIEUX:  # lieux are loaded together, after every source (insert_lieux)
            db[schemas.table_for(schema_name)].insert_all(
                ({**db_row(r, schema_name), "source": result.source} for r in rows), batch_size=1000, alter=True)
    db["rejets"].insert_all(({
        "source": r.source, "schema": r.schema, "ligne": r.ligne, "champ": r.issue.field,
        "valeur": as_text(r.issue.value), "code": r.issue.code, "message": as_text(r.issue.message),
        "ligne_source": json.dumps(r.record, ensure_ascii=False, default=str),
    } for r in result.rejets), batch_size=1000)
    db["corrections"].insert_all(({
        "source": c.source, "schema": c.schema, "ligne": c.ligne, "champ": c.champ,
        "valeur_source": as_text(c.valeur_source), "valeur_retenue": as_text(c.valeur_retenue), "motif": as_text(c.motif),
    } for c in result.corrections), batch_size=1000)
    db["valeurs_non_reconnues"].insert_all(({
        "source": result.source, "champ": field, "valeur": as_text(value), "nombre": count,
    } for (field, value), count in sorted(result.unmapped.items())), batch_size=1000)
    db["ecartes"].insert_all(({
        "source": e.source, "ligne": e.ligne, "motif": as_text(e.motif), "regle": as_text(e.regle),
        "ligne_source": json.dumps(e.record, ensure_ascii=False, default=str),
    } for e in getattr(result, "ecartes", [])), batch_size=1000)


def insert_lieux(db: sqlite_utils.Database, rows, batch_size: int = 5000) -> None:
    """Insert lieux from any iterable, in batches (the rows are never all in memory).

    One prepared INSERT run with executemany: sqlite-utils' insert_all splits 36 columns into
    chunks of ~27 rows (999 SQL variables), about 4 times slower here.
    """
    columns = list(db["lieux"].columns_dict)
    sql = "INSERT INTO lieux ({}) VALUES ({})".format(", ".join(f'"{c}"' for c in columns), ", ".join("?" * len(columns)))
    known = set(columns)
    batch = []
    for values in rows:
        row = lieu_row(values)
        if not row.keys() <= known:
            raise ValueError(f"colonne(s) inconnue(s) de la table lieux : {', '.join(sorted(row.keys() - known))}")
        batch.append(tuple(row.get(c) for c in columns))
        if len(batch) >= batch_size:
            db.conn.executemany(sql, batch)
            batch = []
    if batch:
        db.conn.executemany(sql, batch)


def neutralise_formulas(db: sqlite_utils.Database) -> int:
    """Every text of every table, made safe to open in a spreadsheet (lieux.formulas): the last guard, so that
    Datasette's CSV views never carry a formula. The lieux were already neutralised when mapped, with a
    correction each; what is left is bookkeeping and reference labels ("@etalab/decoupage-administratif").
    Run before create_indexes (full-text indexes are built from the clean values). Returns the cells changed."""
    db.conn.create_function("lieux_formule", 1, formulas.is_formula, deterministic=True)
    virtual = [r[0] for r in db.execute("select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL%'")]
    changed = 0
    firsts = [*formulas.TRIGGERS, " ", "\u00a0"]  # a sign, or spaces that may hide one
    marks = ", ".join("?" * len(firsts))

    def candidate(column: str) -> str:  # SQLite's substr picks the few candidates, Python decides (+33… is data)
        return f"(substr([{column}], 1, 1) in ({marks}) and lieux_formule([{column}]))"

    for table in db.table_names():
        if any(table == v or table.startswith(v + "_") for v in virtual):
            continue
        columns = [c.name for c in db[table].columns if c.type.upper() in ("TEXT", "")]
        if not columns or not db.execute(f"select 1 from [{table}] where {' or '.join(candidate(c) for c in columns)} limit 1",
                                         firsts * len(columns)).fetchone():
            continue  # one scan of the table finds nothing: the usual case
        for column in columns:
            cursor = db.execute(f"update [{table}] set [{column}] = ? || [{column}] where {candidate(column)}",
                                [formulas.PREFIX, *firsts])
            changed += cursor.rowcount
    return changed


def create_indexes(db: sqlite_utils.Database) -> None:
    """R*Tree on coordinates, FTS5 on the texts people search, plain indexes for facets."""
    db.execute("CREATE VIRTUAL TABLE lieux_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
    db.execute(
        "INSERT INTO lieux_rtree SELECT rowid, latitude, latitude, longitude, longitude FROM lieux "
        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )
    db["lieux"].enable_fts(FTS_COLUMNS, fts_version="FTS5", tokenize="unicode61 remove_diacritics 2")
    # nom: the lieux table page is sorted by it (metadata.yml): 488 → 71 ms over 100,000 lieux
    for columns in (["code_postal"], ["code_insee"], ["departement_code"], ["commune"], ["qualite_geo"], ["nom"]):
        db["lieux"].create_index(columns, if_not_exists=True)
    db["rejets"].create_index(["source", "code"], if_not_exists=True)
    db["corrections"].create_index(["source"], if_not_exists=True)


# --- Merge tables (lieux/merge.py): provenance, fusions, membres; ids of the previous build ---

# What the geography step said of each row (its `_geo`) that the merge reads: kept in `membres`.
MEMBER_GEO_KEYS = ("qualite_geo", "commune_nouvelle", "commune_deleguee")


def insert_merge(db: sqlite_utils.Database, rows: list[dict], lieux: list[dict], fusions: list[dict],
                 provenance: list[dict]) -> None:
    """`membres` (every valid source row as mapped, before merging, and its lieu), `provenance`
    (which source row gave each field of each lieu), `fusions` (every merge decision)."""
    lieu_of = {(m["source"], m["cle"]): (l["id"], m["empreinte"]) for l in lieux for m in l.get("_membres", [])}
    db["membres"].create({"lieu_id": str, "source_id": str, "cle": str, "ligne": int, "empreinte": str, "qualite_geo": str, "commune_nouvelle": int,
                          "commune_deleguee": str,
                          **{k: t for k, t in column_types(schemas.LIEUX).items() if k != "id"}}, pk=("source_id", "cle"), foreign_keys=[("lieu_id", "lieux", "id")])

    def membre(r):  # `source` is the standard's field (the producer); the source id is `source_id`
        lieu_id, empreinte = lieu_of[(r["_source"], str(r.get("id")))]
        values = db_row(r, schemas.LIEUX)
        return {"lieu_id": lieu_id, "source_id": r["_source"], "cle": str(values.pop("id")), "ligne": r.get("_ligne"),
                "empreinte": empreinte, **{k: (r.get("_geo") or {}).get(k) for k in MEMBER_GEO_KEYS}, **values}

    # rows of no lieu: an older vintage's places that the current list dropped (in `rejets`, merge.merge)
    db["membres"].insert_all((membre(r) for r in rows if (r["_source"], str(r.get("id"))) in lieu_of),
                             batch_size=1000, alter=True)
    db["provenance"].create({"lieu_id": str, "champ": str, "source": str, "cle": str, "ligne": int},
                            foreign_keys=[("lieu_id", "lieux", "id")])
    db["provenance"].insert_all(provenance, batch_size=5000)
    db["fusions"].create({
        "id": int, "lieu_id": str, "decision": str, "regle": str, "score": float, "similarite_nom": float,
        "similarite_adresse": float, "distance_m": float, "source_a": str, "cle_a": str, "ligne_a": int, "nom_a": str,
        "source_b": str, "cle_b": str, "ligne_b": int, "nom_b": str, "motif_refus": str,
    }, pk="id")
    db["fusions"].insert_all(fusions, batch_size=1000)
    db["membres"].create_index(["lieu_id"], if_not_exists=True)
    db["provenance"].create_index(["lieu_id"], if_not_exists=True)
    db["fusions"].create_index(["lieu_id"], if_not_exists=True)


def read_previous_ids(db_path: Path) -> dict:
    """What the database being replaced says about ids (`merge.previous_ids`; empty if none)."""
    db_path = Path(db_path)
    if not db_path.exists():
        return {}
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            members = conn.execute("select lieu_id, source_id, cle, empreinte from membres").fetchall()
            ids = [r[0] for r in conn.execute("select id from lieux")]
    except sqlite3.Error:  # a database from before merging, or not ours: start afresh
        return {}
    return merge.previous_ids(members, ids)


def read_merge_inputs(db_path: Path) -> list[dict]:
    """The rows a built database's merge was given, as `merge.merge` takes them: every member
    (`membres`, mapped and placed) and every place of an older vintage left out (`rejets`, code
    millesime-remplace). For replaying the merge with other rules (bench/merge_quality.py, tests)."""
    import sqlite3

    multi = set(schemas.multi_valued(schemas.LIEUX))
    with sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        rows = []
        for member in conn.execute("select * from membres order by rowid"):
            r = dict(member)
            r.update({k: json.loads(r[k]) for k in multi if r.get(k)})
            r["_source"], r["id"], r["_ligne"] = r.pop("source_id"), r.pop("cle"), r.pop("ligne")
            r["_geo"] = {k: r.pop(k, None) for k in MEMBER_GEO_KEYS}  # how the geography step placed it
            del r["lieu_id"], r["empreinte"]
            rows.append(r)
        for source, ligne, row in conn.execute(
                "select source, ligne, ligne_source from rejets where code = 'millesime-remplace' order by rowid"):
            rows.append({**json.loads(row), "_source": source, "_ligne": ligne})
    return rows
