"""One source, from its file to valid rows and rejected rows: read, map, validate.

Pure apart from reading the file: nothing here touches the database.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field

from . import schemas
from .filters import set_aside_by
from .mapping import Issue, Mapper
from .messages import explain
from .limits import cap_lengths
from .read import ReadInfo, Record, explode, read_records
from .sources import Descriptor
from .validate import unique_fields, validate_rows

# Rows validated by frictionless in one call: memory stays flat whatever the size of the source.
VALIDATION_BATCH = 5000


class RowSpool:
    """The valid rows of one schema, kept in an anonymous temporary file instead of memory.

    Iterable any number of times, in insertion order, and sized; append() like a list. The file is
    unlinked at once (tempfile.TemporaryFile), so a killed build leaves nothing behind.
    """

    def __init__(self):
        self._file = tempfile.TemporaryFile()
        self._count = 0
        self._pending = []

    def append(self, row: dict) -> None:
        self._pending.append(row)
        self._count += 1
        if len(self._pending) >= 1000:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._file.seek(0, 2)
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        self._flush()
        self._file.seek(0)
        while True:
            try:
                batch = pickle.load(self._file)
            except EOFError:
                return
            position = self._file.tell()
            yield from batch
            self._file.seek(position)  # another iteration may have moved the file in between

    def __eq__(self, other):
        return list(self) == list(other)


class UniqueValues:
    """Values already seen for the schema's unique fields, across validation batches, on disk."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        self.conn = sqlite3.connect("")  # a private temporary database, spilled to disk by SQLite
        self.conn.execute("create table seen (field text, value text, primary key (field, value)) without rowid")

    def duplicates(self, rows: list[dict]) -> dict[int, list[str]]:
        """{index in rows: [fields whose value an earlier row had]}; the values are then recorded."""
        found: dict[int, list[str]] = {}
        for i, row in enumerate(rows):
            for name in self.fields:
                value = row.get(name)
                if value is None:
                    continue
                try:
                    self.conn.execute("insert into seen values (?, ?)", (name, str(value)))
                except sqlite3.IntegrityError:
                    found.setdefault(i, []).append(name)
        return found


@dataclass
class Rejet:
    source: str
    schema: str
    ligne: int
    issue: Issue
    record: dict


@dataclass
class Ecart:
    """A row set aside: the producer marks it inactive or hidden (descriptor key `set_aside`)."""
    source: str
    ligne: int
    motif: str
    regle: str
    record: dict


@dataclass
class CorrectionRow:
    source: str
    schema: str
    ligne: int
    champ: str
    valeur_source: object
    valeur_retenue: object
    motif: str


@dataclass
class SourceResult:
    source: str
    read: int = 0
    rows: dict = field(default_factory=dict)          # schema -> valid rows (a RowSpool: iterable, sized)
    loaded: dict = field(default_factory=dict)        # schema -> count of valid rows
    rejected: dict = field(default_factory=dict)      # schema -> count of rejected records
    rejets: list = field(default_factory=list)
    ecartes: list = field(default_factory=list)       # Ecart: rows set aside, for every schema of the source
    corrections: list = field(default_factory=list)
    unmapped: Counter = field(default_factory=Counter)  # (field, value) -> count
    read_info: ReadInfo = field(default_factory=ReadInfo)  # encoding used, probable mojibake

    @property
    def set_aside(self) -> int:
        return len(self.ecartes)

    @property
    def main_schema(self) -> str:
        return next(iter(self.rows), schemas.LIEUX)


def source_defaults(descriptor: Descriptor, schema: str, record: Record, index: int) -> dict:
    """Values a lieu gets when its source does not give them."""
    if schema != schemas.LIEUX:
        return {}
    suffix = f"-{index + 1}" if index else ""
    return {"id": f"{descriptor.id}-{record.number}{suffix}", "source": descriptor.producer}


def json_safe(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def records_of(descriptor: Descriptor, path, info: ReadInfo | None = None):
    """The records of a source file, exploded when the descriptor says so, with their index in the row;
    `info` receives what reading found (encoding, mojibake)."""
    for record in read_records(path, descriptor.format, descriptor.encoding, descriptor.delimiter,
                               descriptor.records, name=f"{descriptor.id} ({path})", info=info):
        if descriptor.explode and record.error is None:
            parts = explode(record, descriptor.explode["columns"], descriptor.explode.get("separator", ";"),
                            descriptor.explode.get("pattern"))
        else:
            parts = [record]
        for index, part in enumerate(parts):
            yield index, part


def count_records(descriptor: Descriptor, path) -> int:
    """How many records a file holds for this source (as counted in `lignes_lues`); ValueError if unreadable."""
    return sum(1 for _ in records_of(descriptor, path))


def process_source(descriptor: Descriptor, path, on_record=None) -> SourceResult:
    """Read, map and validate every record of one source."""
    result = SourceResult(source=descriptor.id)
    mappers = {
        out.schema: Mapper(out.fields, descriptor.maps, schemas.load_schema(out.schema),
                           schemas.multi_valued(out.schema), descriptor.missing_values)
        for out in descriptor.outputs
    }
    candidates = {schema: [] for schema in mappers}
    uniques = {schema: UniqueValues(unique_fields(schema)) for schema in mappers}
    for schema in mappers:
        result.rows[schema], result.loaded[schema], result.rejected[schema] = RowSpool(), 0, 0

    def reject(schema, record, issue):
        result.rejets.append(Rejet(descriptor.id, schema, record.number, issue, record.data))

    def validate_batch(schema):
        """Validate the candidates gathered for one schema; valid rows go to the spool.

        A row whose only problems are values of optional fields keeps its place: those values are
        removed, with a correction each, and the row is validated again."""
        items, candidates[schema] = candidates[schema], []
        values_list = [values for _, values in items]
        duplicates = uniques[schema].duplicates(values_list)
        issues = validate_rows(values_list, schema, unique=False)
        fields = {f["name"]: f for f in schemas.load_schema(schema)["fields"]}
        required = {name for name, f in fields.items() if f.get("constraints", {}).get("required")}
        retry = [i for i, found in issues.items() if i not in duplicates and found
                 and all(issue.field in fields and issue.field not in required for issue in found)]
        if retry:
            for i in retry:
                record, values = items[i]
                for issue in issues[i]:
                    if values.get(issue.field) is None:
                        continue
                    result.corrections.append(CorrectionRow(descriptor.id, schema, record.number, issue.field,
                                                            values[issue.field], None,
                                                            f"valeur retirée (champ facultatif) : {issue.message}"))
                    values[issue.field] = None
            again = validate_rows([items[i][1] for i in retry], schema, unique=False)
            for k, i in enumerate(retry):
                issues[i] = again.get(k, [])
        for i, (record, values) in enumerate(items):
            row_issues = [Issue(name, values.get(name), "unique-error",
                                explain("unique-error", fields[name], values.get(name)))
                          for name in duplicates.get(i, [])] + issues.get(i, [])
            if row_issues:
                for issue in row_issues:
                    reject(schema, record, issue)
                result.rejected[schema] += 1
            else:
                values["_ligne"] = record.number
                result.rows[schema].append(values)
                result.loaded[schema] += 1

    for index, record in records_of(descriptor, path, result.read_info):
        result.read += 1
        if on_record:
            on_record()
        rule = set_aside_by(descriptor.set_aside, record.data, descriptor.missing_values) if record.error is None else None
        if rule is not None:
            result.ecartes.append(Ecart(descriptor.id, record.number, rule.reason, rule.describe(record.data), record.data))
            continue
        for schema, mapper in mappers.items():
            if record.error:
                advice = ("Vérifiez les séparateurs et les guillemets de cette ligne." if descriptor.format == "csv"
                          else "Corrigez cet élément du fichier.")
                reject(schema, record, Issue(None, None, "ligne-mal-formee", f"Ligne mal formée : {record.error}. {advice}"))
                result.rejected[schema] += 1
                continue
            mapped = mapper.map(record.data)
            for key, value in source_defaults(descriptor, schema, record, index).items():
                if mapped.values.get(key) is None:
                    mapped.values[key] = value
            mapped.corrections.extend(cap_lengths(mapped.values))
            for c in mapped.corrections:
                result.corrections.append(CorrectionRow(descriptor.id, schema, record.number, c.field, c.before, c.after, c.reason))
            for key in mapped.unmapped:
                result.unmapped[key] += 1
            if mapped.issues:
                for issue in mapped.issues:
                    reject(schema, record, issue)
                result.rejected[schema] += 1
                continue
            candidates[schema].append((record, mapped.values))
            if len(candidates[schema]) >= VALIDATION_BATCH:
                validate_batch(schema)

    for schema in mappers:
        validate_batch(schema)
        assert result.loaded[schema] + result.rejected[schema] + len(result.ecartes) == result.read, (descriptor.id, schema)
    return result
