"""One source, from its file to valid rows and rejected rows: read, map, validate.

Pure apart from reading the file: nothing here touches the database.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from . import schemas
from .mapping import Issue, Mapper
from .read import Record, explode, read_records
from .sources import Descriptor
from .validate import validate_rows


@dataclass
class Rejet:
    source: str
    schema: str
    ligne: int
    issue: Issue
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
    rows: dict = field(default_factory=dict)          # schema -> list of valid rows
    loaded: dict = field(default_factory=dict)        # schema -> count of valid rows
    rejected: dict = field(default_factory=dict)      # schema -> count of rejected records
    rejets: list = field(default_factory=list)
    corrections: list = field(default_factory=list)
    unmapped: Counter = field(default_factory=Counter)  # (field, value) -> count

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


def records_of(descriptor: Descriptor, path):
    """The records of a source file, exploded when the descriptor says so, with their index in the row."""
    for record in read_records(path, descriptor.format, descriptor.encoding, descriptor.delimiter,
                               descriptor.records, name=f"{descriptor.id} ({path})"):
        if descriptor.explode and record.error is None:
            parts = explode(record, descriptor.explode["columns"], descriptor.explode.get("separator", ";"),
                            descriptor.explode.get("pattern"))
        else:
            parts = [record]
        for index, part in enumerate(parts):
            yield index, part


def process_source(descriptor: Descriptor, path, on_record=None) -> SourceResult:
    """Read, map and validate every record of one source."""
    result = SourceResult(source=descriptor.id)
    mappers = {
        out.schema: Mapper(out.fields, descriptor.maps, schemas.load_schema(out.schema),
                           schemas.multi_valued(out.schema), descriptor.missing_values)
        for out in descriptor.outputs
    }
    candidates = {schema: [] for schema in mappers}
    for schema in mappers:
        result.rows[schema], result.loaded[schema], result.rejected[schema] = [], 0, 0

    def reject(schema, record, issue):
        result.rejets.append(Rejet(descriptor.id, schema, record.number, issue, record.data))

    for index, record in records_of(descriptor, path):
        result.read += 1
        if on_record:
            on_record()
        for schema, mapper in mappers.items():
            if record.error:
                reject(schema, record, Issue(None, None, "ligne-mal-formee",
                                             f"Ligne mal formée : {record.error}. Vérifiez les séparateurs et les guillemets de cette ligne."))
                result.rejected[schema] += 1
                continue
            mapped = mapper.map(record.data)
            for key, value in source_defaults(descriptor, schema, record, index).items():
                if mapped.values.get(key) is None:
                    mapped.values[key] = value
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

    for schema, items in candidates.items():
        issues = validate_rows([values for _, values in items], schema)
        for i, (record, values) in enumerate(items):
            if i in issues:
                for issue in issues[i]:
                    reject(schema, record, issue)
                result.rejected[schema] += 1
            else:
                values["_ligne"] = record.number
                result.rows[schema].append(values)
                result.loaded[schema] += 1
        assert result.loaded[schema] + result.rejected[schema] == result.read, (descriptor.id, schema)
    return result
