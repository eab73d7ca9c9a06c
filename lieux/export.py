"""The files republished on data.gouv.fr, written from the database.

One CSV per schema whose table is in the database (the lieux in the national standard's exact
format), a GeoJSON of the lieux, a Frictionless Data Package describing them, and a French
CHANGELOG.md of what changed since the previous export in the same folder.

Deterministic: every value comes from the database (dates from its `build_info` table), rows
are sorted by primary key, so the same database gives byte-identical files. Each CSV is
validated with frictionless before anything replaces the previous export; files are written
to temporary names and renamed at the end.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from frictionless import Resource, Schema

from . import schemas
from .fetch import sha256_of
from .messages import explain

# File name (without extension) of each schema's export; other schemas use their own name.
EXPORT_NAMES = {schemas.LIEUX: "lieux-de-mediation-numerique"}
PACKAGE_NAME = "lieux-de-mediation-numerique"
CHANGELOG = "CHANGELOG.md"
DATAPACKAGE = "datapackage.json"
OUR_LICENCE = {"name": "etalab-2.0", "title": "Licence Ouverte 2.0",
               "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence"}
MAX_ERRORS_SHOWN = 20
# Licence names the source descriptors use when a list states no licence: not a licence, so not listed in
# `licenses`; the source entry keeps the statement ("license") so that re-users see it.
NO_LICENCE_NAMES = {"aucune", "non-indiquee", "inconnue"}
# Values written as the official v1.0.2 schema file's pattern spells them, so that the published file is
# valid against it as well as against our copy (which also accepts the spelling the standard documents).
OFFICIAL_SPELLINGS = {
    schemas.LIEUX: {"formations_labels": {"Étapes numériques (La Poste)": "Étapes numériques(La Poste)"}},
}
CHANGELOG_TITLE = "# Journal des modifications"
CHANGELOG_INTRO = ("Ce qui change d'un export à l'autre, fichier par fichier, ligne par ligne d'après "
                   "l'identifiant stable de chaque ligne (colonne `id`). Le plus récent en premier.")


class ExportError(RuntimeError):
    """The export cannot be written; the message says why, in French."""


@dataclass
class TableExport:
    schema: str
    table: str
    filename: str
    rows: int = 0
    sources: list = field(default_factory=list)   # source ids whose rows are in the file
    tmp: Path | None = None


@dataclass
class Diff:
    added: list = field(default_factory=list)      # keys
    removed: list = field(default_factory=list)
    modified: dict = field(default_factory=dict)   # key -> [changed field names]
    labels: dict = field(default_factory=dict)     # key -> short label (nom, commune)
    total: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.modified)


@dataclass
class ExportResult:
    out_dir: Path
    files: dict                                    # filename -> (rows or None, bytes)
    version: str
    created: str
    diffs: dict                                    # filename -> Diff (None on the first export)
    changelog_updated: bool


# ---------------------------------------------------------------- reading the database

def connect(db_path: Path) -> sqlite3.Connection:
    db_path = Path(db_path)
    if not db_path.exists():
        raise ExportError(f"{db_path} : base introuvable. Construisez-la d'abord : python build.py build --db {db_path}")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def table_names(conn) -> set[str]:
    return {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}


def columns_of(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma table_info([{table}])")]


def build_date(conn) -> str:
    """When the database was built (build_info), else the latest download date of its sources."""
    tables = table_names(conn)
    if "build_info" in tables:
        row = conn.execute("select valeur from build_info where cle = 'construit_le'").fetchone()
        if row and row[0]:
            return row[0]
    if "sources" in tables:
        row = conn.execute("select max(telecharge_le) from sources where telecharge_le <> ''").fetchone()
        if row and row[0]:
            return row[0]
    raise ExportError("La base ne dit pas quand elle a été construite (table build_info absente) : reconstruisez-la.")


def version_of(created: str, previous: str | None = None, changed: bool = True) -> str:
    """The package version: the build day, AAAA.MM.JJ, then .2, .3… for other contents published the same day.

    Unchanged content keeps the previous export's version.
    """
    day = created[:10].replace("-", ".")
    if previous and not changed:
        return previous
    if previous and (previous == day or previous.startswith(day + ".")):
        serial = previous[len(day) + 1:] if previous != day else "1"
        return f"{day}.{int(serial) + 1 if serial.isdigit() else 2}"
    return day


def previous_version(out_dir: Path) -> str | None:
    try:
        return json.loads((out_dir / DATAPACKAGE).read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None


def primary_key(schema: dict) -> list[str]:
    pk = schema.get("primaryKey")
    return [pk] if isinstance(pk, str) else list(pk or [])


def exported_schemas(conn) -> list[str]:
    """The schemas of schemas/ whose table is in the database, the national standard first."""
    tables = table_names(conn)
    names = [n for n in schemas.list_schemas() if schemas.table_for(n) in tables]
    return sorted(names, key=lambda n: (n != schemas.LIEUX, n))


def items_of(value, spellings: dict | None) -> list:
    """The values of a multi-valued field stored as a JSON array, in the published spelling."""
    items = json.loads(value) if isinstance(value, str) and value.startswith("[") else [value]
    return [spellings.get(v, v) for v in items] if spellings else items


def cell(value, field_def: dict, multi: bool, spellings: dict | None = None) -> str:
    """A database value as the schema writes it in a CSV cell."""
    if value is None:
        return ""
    if multi:
        return schemas.SEPARATOR.join(str(v) for v in items_of(value, spellings))
    if field_def.get("type") == "boolean" and not isinstance(value, str):
        spelled = field_def.get("trueValues" if value else "falseValues") or ["true" if value else "false"]
        return spelled[0]
    if isinstance(value, float):
        return repr(int(value)) if field_def.get("type") == "integer" and value.is_integer() else repr(value)
    return str(value)


def table_rows(conn, schema_name: str):
    """The rows of a schema's table as CSV cells, in the schema's column order, sorted by primary key."""
    schema = schemas.load_schema(schema_name)
    table = schemas.table_for(schema_name)
    present = set(columns_of(conn, table))
    fields = schema["fields"]
    multi = set(schemas.multi_valued(schema_name))
    selected = ", ".join(f"[{f['name']}]" if f["name"] in present else "null" for f in fields)
    order = ", ".join(f"[{k}]" for k in primary_key(schema) if k in present) or "rowid"
    spellings = OFFICIAL_SPELLINGS.get(schema_name, {})
    for row in conn.execute(f"select {selected} from [{table}] order by {order}"):
        yield [cell(v, f, f["name"] in multi, spellings.get(f["name"])) for v, f in zip(row, fields)]


def has_rows(conn, table: str) -> bool:
    return conn.execute(f"select exists(select 1 from [{table}])").fetchone()[0] == 1


def table_sources(conn, table: str) -> list[str]:
    """The ids of the sources whose rows are in a table (lieux: its `sources` JSON array)."""
    columns = set(columns_of(conn, table))
    if table == "lieux" and "sources" in columns:
        sql = "select distinct j.value from lieux, json_each(lieux.sources) j order by 1"
    elif "source" in columns:
        sql = f"select distinct source from [{table}] where source is not null order by 1"
    else:
        return []
    try:
        return [r[0] for r in conn.execute(sql)]
    except sqlite3.OperationalError:  # a `sources` column that is not a JSON array
        return []


# ---------------------------------------------------------------- writing files

def tmp_path(out_dir: Path, filename: str) -> Path:
    return out_dir / f".{filename}.tmp-{os.getpid()}"


def remove_stale_tmp_files(out_dir: Path) -> None:
    """Temporary files left by an export that was killed (its process no longer exists)."""
    for path in out_dir.glob(".*.tmp-*"):
        pid = path.name.rsplit(".tmp-", 1)[1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except (PermissionError, OverflowError):
            pass


def write_csv(path: Path, header: list[str], rows) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def validate_csv(path: Path, schema_name: str, filename: str) -> None:
    """Validate a written CSV with frictionless against its schema; raise ExportError with the errors."""
    schema = schemas.load_schema(schema_name)
    by_name = {f["name"]: f for f in schema["fields"]}
    resource = Resource(path=path.name, basepath=str(path.parent), format="csv", encoding="utf-8",
                        schema=Schema.from_descriptor(schema))
    report = resource.validate(limit_errors=MAX_ERRORS_SHOWN)
    if report.valid:
        return
    lines = []
    for task in report.tasks:
        for error in task.errors:
            name = getattr(error, "field_name", None)
            row = getattr(error, "row_number", None)
            where = f"ligne {row}" if row else "en-tête"
            lines.append(f"  {where} : " + explain(error.type, by_name.get(name), getattr(error, "cell", None), error.note))
    raise ExportError(f"{filename} n'est pas valide selon le schéma {schema_name} ; l'export précédent est conservé.\n"
                      + "\n".join(lines[:MAX_ERRORS_SHOWN]))


def geojson_features(conn):
    """One GeoJSON Feature per lieu (geometry null when it has no coordinates), the standard's fields as properties."""
    schema = schemas.load_schema(schemas.LIEUX)
    present = set(columns_of(conn, "lieux"))
    names = [f["name"] for f in schema["fields"]]
    multi = set(schemas.multi_valued(schemas.LIEUX))
    selected = ", ".join(f"[{n}]" if n in present else "null" for n in names)
    spellings = OFFICIAL_SPELLINGS[schemas.LIEUX]
    for row in conn.execute(f"select {selected} from lieux order by id"):
        props = {}
        for name, value in zip(names, row):
            if name in multi and value is not None:
                value = items_of(value, spellings.get(name))
            props[name] = value
        lat, lon = props.get("latitude"), props.get("longitude")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        yield {"type": "Feature", "id": props["id"], "geometry": geometry, "properties": props}


def write_geojson(path: Path, features) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type": "FeatureCollection", "features": [\n')
        for feature in features:
            f.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
            count += 1
        f.write("\n]}\n")
    return count


def write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# ---------------------------------------------------------------- what changed since the previous export

def row_digest(values: list[str]) -> bytes:
    return hashlib.blake2b("\x1f".join(values).encode("utf-8"), digest_size=12).digest()


def read_keyed(path: Path, key: list[str], wanted: set | None = None):
    """(key, header, values) of each row of an exported CSV; only the rows whose key is in `wanted` if given."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        index = [header.index(k) for k in key if k in header]
        for values in reader:
            k = tuple(values[i] for i in index) if index else tuple(values)
            if wanted is None or k in wanted:
                yield k, header, values


def diff_files(old: Path, new: Path, key: list[str]) -> Diff:
    """Rows added, removed and modified (with the fields that changed) between two exports of one file.

    Two passes keep memory small: digests of every row first, then the full rows of the changed keys only.
    """
    before = {k: row_digest(v) for k, _, v in read_keyed(old, key)}
    diff = Diff()
    changed = set()
    seen = set()
    for k, _, values in read_keyed(new, key):
        diff.total += 1
        seen.add(k)
        if k not in before:
            diff.added.append(k)
        elif before[k] != row_digest(values):
            changed.add(k)
    diff.removed = sorted(k for k in before if k not in seen)
    old_rows = {k: dict(zip(h, v)) for k, h, v in read_keyed(old, key, changed | set(diff.removed))}
    new_rows = {k: dict(zip(h, v)) for k, h, v in read_keyed(new, key, changed | set(diff.added))}
    for k in sorted(changed):
        a, b = old_rows[k], new_rows[k]
        diff.modified[k] = [n for n in dict.fromkeys([*b, *a]) if a.get(n, "") != b.get(n, "")]
    for k, row in {**old_rows, **new_rows}.items():
        diff.labels[k] = ", ".join(p for p in (row.get("nom"), row.get("commune")) if p)
    return diff


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def changelog_entry(created: str, version: str, diffs: dict, titles: dict, counts: dict) -> str:
    out = [f"## {version} — export du {created}", ""]
    for filename, diff in diffs.items():
        out.append(f"### {titles[filename]} (`{filename}`)")
        out.append("")
        if diff is None:
            out += [f"Première publication de ce fichier : {plural(counts[filename], 'ligne', 'lignes')}.", ""]
            continue
        out.append(f"{plural(len(diff.added), 'ligne ajoutée', 'lignes ajoutées')}, "
                   f"{plural(len(diff.removed), 'ligne supprimée', 'lignes supprimées')}, "
                   f"{plural(len(diff.modified), 'ligne modifiée', 'lignes modifiées')} ; "
                   f"{plural(diff.total, 'ligne', 'lignes')} au total.")
        out.append("")
        if diff.modified:
            counts = {}
            for names in diff.modified.values():
                for n in names:
                    counts[n] = counts.get(n, 0) + 1
            out.append("Champs modifiés : " + ", ".join(f"{n} ({c})" for n, c in sorted(counts.items(), key=lambda x: (-x[1], x[0]))) + ".")
            out.append("")
        for title, keys in (("Ajoutées", diff.added), ("Supprimées", diff.removed)):
            if keys:
                out.append(f"#### {title} ({len(keys)})")
                out.append("")
                out += [f"- `{'/'.join(k)}`" + (f" — {diff.labels[k]}" if diff.labels.get(k) else "") for k in keys]
                out.append("")
        if diff.modified:
            out.append(f"#### Modifiées ({len(diff.modified)})")
            out.append("")
            out += [f"- `{'/'.join(k)}`" + (f" — {diff.labels[k]}" if diff.labels.get(k) else "") + " : " + ", ".join(names)
                    for k, names in diff.modified.items()]
            out.append("")
    return "\n".join(out)


def previous_entries(out_dir: Path) -> str:
    """The entries of the CHANGELOG.md of the previous export (everything after its introduction)."""
    path = out_dir / CHANGELOG
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start = text.find("\n## ")
    return text[start + 1:] if start >= 0 else ""


# ---------------------------------------------------------------- the data package

def source_entries(conn, ids: list[str]) -> list[dict]:
    if "sources" not in table_names(conn) or not ids:
        return []
    rows = {r["id"]: r for r in conn.execute("select * from sources")}
    out = []
    for source_id in ids:
        r = rows.get(source_id)
        if r is None:
            continue
        entry = {"title": r["titre"] or source_id, "path": r["url"] or r["page"], "id": source_id,
                 "producer": r["producteur"], "retrieved": r["telecharge_le"], "sha256": r["sha256"],
                 "license": r["licence"], "homepage": r["page"]}
        out.append({k: v for k, v in entry.items() if v})
    return out


def licences_for(conn, ids: list[str]) -> list[dict]:
    """Ours first, then each source's licence (its name, title and URL), without duplicates."""
    licences = [OUR_LICENCE]
    if "sources" not in table_names(conn) or not ids:
        return licences
    has_name = "licence_nom" in columns_of(conn, "sources")
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"select distinct {'licence_nom' if has_name else 'null'}, licence, licence_url from sources "
                        f"where id in ({marks}) order by 1, 2, 3", ids)
    for name, title, path in rows:
        if (name or "").lower() in NO_LICENCE_NAMES or not (name or path):
            continue
        licence = {k: v for k, v in {"name": name, "title": title, "path": path}.items() if v}
        if not any(licence.get("name", licence.get("path")) == l.get("name", l.get("path")) for l in licences):
            licences.append(licence)
    return licences


def unlicensed_sources(conn, ids: list[str]) -> list[str]:
    """The sources, among ids, whose descriptor states no licence."""
    if "licence_nom" not in columns_of(conn, "sources") or not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"select id, licence_nom from sources where id in ({marks}) order by id", ids)
    return [i for i, name in rows if (name or "").lower() in NO_LICENCE_NAMES or not name]


def datapackage(conn, tables: list[TableExport], geojson: tuple[str, int] | None, out_files: dict,
                created: str, version: str) -> dict:
    resources = []
    all_sources = []
    for t in tables:
        schema = schemas.load_schema(t.schema)
        all_sources += [s for s in t.sources if s not in all_sources]
        size, digest = out_files[t.filename]
        resources.append({
            "name": Path(t.filename).stem, "path": t.filename, "profile": "tabular-data-resource",
            "title": schema.get("title", t.schema),
            "description": f"{t.rows} lignes au schéma « {schema.get('title', t.schema)} » ({t.schema} {schema.get('version', '')}). "
                           + schema.get("description", ""),
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "bytes": size, "hash": f"sha256:{digest}",
            "schema": schema, "licenses": licences_for(conn, t.sources), "sources": source_entries(conn, t.sources),
        })
    if geojson:
        filename, count = geojson
        size, digest = out_files[filename]
        lieux = next(t for t in tables if t.schema == schemas.LIEUX)
        resources.append({
            "name": Path(filename).stem + "-geojson", "path": filename, "type": "file",
            "title": "Lieux de médiation numérique (GeoJSON)",
            "description": f"Les {count} lieux du fichier CSV, un point par lieu (WGS 84 : longitude, latitude ; géométrie "
                           "vide quand le lieu n'a pas de coordonnées), avec les 32 champs du standard en propriétés ; "
                           "les champs à plusieurs valeurs sont des listes.",
            "format": "geojson", "mediatype": "application/geo+json", "encoding": "utf-8",
            "bytes": size, "hash": f"sha256:{digest}",
            "licenses": licences_for(conn, lieux.sources), "sources": source_entries(conn, lieux.sources),
        })
    unlicensed = unlicensed_sources(conn, all_sources)
    caveat = (f" {len(unlicensed)} des {len(all_sources)} listes d'origine n'indiquent pas de licence ({', '.join(unlicensed)}) : "
              "leur statut est donné dans `sources` (clé license)." if unlicensed else "")
    return {
        "name": PACKAGE_NAME,
        "title": "Lieux de médiation numérique (annuaire consolidé)",
        "description": ("Les lieux de médiation numérique réunis depuis les listes publiées par leurs producteurs, "
                        "mis au standard national des lieux de médiation numérique et validés ; un fichier par schéma. "
                        f"Ce qui change d'un export à l'autre est dans {CHANGELOG}." + caveat),
        "homepage": "https://schema.data.gouv.fr/LaMednum/standard-mediation-num/",
        "keywords": ["médiation numérique", "inclusion numérique", "France Services", "conseillers numériques"],
        "countryCode": "FR",
        "version": version,
        "created": created,
        "licenses": licences_for(conn, all_sources),
        "sources": source_entries(conn, all_sources),
        "resources": resources,
    }


# ---------------------------------------------------------------- the export

def export(db_path: Path, out_dir: Path) -> ExportResult:
    """Write every file of the publication into out_dir; nothing replaces the previous export unless all is valid."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = connect(db_path)
    remove_stale_tmp_files(out_dir)
    written: list[tuple[Path, Path]] = []     # (temporary, final)
    try:
        if "lieux" not in table_names(conn):
            raise ExportError(f"{db_path} : pas de table lieux. Est-ce bien une base construite par python build.py build ?")
        created = build_date(conn)
        tables = []
        for schema_name in exported_schemas(conn):
            filename = EXPORT_NAMES.get(schema_name, schema_name) + ".csv"
            if (schema_name != schemas.LIEUX and not has_rows(conn, schemas.table_for(schema_name))
                    and not (out_dir / filename).exists()):
                continue  # an empty table is not published, unless it was before (then its removals are listed)
            t = TableExport(schema_name, schemas.table_for(schema_name), filename, tmp=tmp_path(out_dir, filename))
            written.append((t.tmp, out_dir / filename))
            t.rows = write_csv(t.tmp, schemas.field_names(schema_name), table_rows(conn, schema_name))
            validate_csv(t.tmp, schema_name, filename)
            t.sources = table_sources(conn, t.table)
            tables.append(t)
        geo_name = EXPORT_NAMES[schemas.LIEUX] + ".geojson"
        geo_tmp = tmp_path(out_dir, geo_name)
        written.append((geo_tmp, out_dir / geo_name))
        geo_count = write_geojson(geo_tmp, geojson_features(conn))

        diffs = {}
        for t in tables:
            previous = out_dir / t.filename
            key = primary_key(schemas.load_schema(t.schema))
            diffs[t.filename] = diff_files(previous, t.tmp, key) if previous.exists() else None
        titles = {t.filename: schemas.load_schema(t.schema).get("title", t.schema) for t in tables}
        changed = any(d is None or not d.empty for d in diffs.values())
        version = version_of(created, previous_version(out_dir), changed)
        old_entries = previous_entries(out_dir)
        changelog_updated = changed or not old_entries
        if changelog_updated:
            text = "\n".join([CHANGELOG_TITLE, "", CHANGELOG_INTRO, "", changelog_entry(created, version, diffs, titles, {t.filename: t.rows for t in tables})])
            text = text.rstrip("\n") + "\n" + ("\n" + old_entries if old_entries else "")
            log_tmp = tmp_path(out_dir, CHANGELOG)
            write_text(log_tmp, text)
            written.append((log_tmp, out_dir / CHANGELOG))

        files = {final.name: (tmp.stat().st_size, sha256_of(tmp)) for tmp, final in written}
        package = datapackage(conn, tables, (geo_name, geo_count), files, created, version)
        pkg_tmp = tmp_path(out_dir, DATAPACKAGE)
        write_text(pkg_tmp, json.dumps(package, ensure_ascii=False, indent=2) + "\n")
        written.append((pkg_tmp, out_dir / DATAPACKAGE))
        for tmp, final in written:
            os.replace(tmp, final)
        rows = {t.filename: t.rows for t in tables} | {geo_name: geo_count}
        return ExportResult(out_dir, {final.name: (rows.get(final.name), final.stat().st_size) for _, final in written},
                            version, created, diffs, changelog_updated)
    finally:
        conn.close()
        for tmp, _ in written:
            if tmp.exists():
                tmp.unlink()


def summary_lines(result: ExportResult) -> list[str]:
    lines = [f"Export {result.version} (base construite le {result.created}) dans {result.out_dir} :"]
    for name, (rows, size) in result.files.items():
        lines.append(f"  {name:<45} {size:>12} octets" + (f"  {rows} lignes" if rows is not None else ""))
    for name, diff in result.diffs.items():
        if diff is None:
            lines.append(f"  {name} : première publication.")
        else:
            lines.append(f"  {name} : {len(diff.added)} ajoutées, {len(diff.removed)} supprimées, {len(diff.modified)} modifiées.")
    if not result.changelog_updated:
        lines.append(f"  Aucun changement depuis l'export précédent : {CHANGELOG} est inchangé.")
    return lines
