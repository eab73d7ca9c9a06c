"""Validating mapped rows against a Table Schema with frictionless, error by error, in French."""

from __future__ import annotations

from collections import defaultdict

from frictionless import Resource, Schema

from . import schemas
from .mapping import Issue
from .messages import explain


def to_cell(value) -> str:
    """A value as the standard writes it in a CSV cell: lists joined by "|", numbers as text."""
    if value is None:
        return ""
    if isinstance(value, list):
        return schemas.SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def unique_fields(schema_name: str) -> list[str]:
    """The fields whose values must be unique (the `unique` constraint)."""
    return [f["name"] for f in schemas.load_schema(schema_name)["fields"] if f.get("constraints", {}).get("unique")]


def without_unique(schema: dict) -> dict:
    """The schema without uniqueness (primaryKey, `unique`), for rows whose uniqueness is checked elsewhere."""
    fields = [{**f, "constraints": {k: v for k, v in f.get("constraints", {}).items() if k != "unique"}}
              for f in schema["fields"]]
    return {**{k: v for k, v in schema.items() if k != "primaryKey"}, "fields": fields}


def validate_rows(rows: list[dict], schema_name: str, unique: bool = True) -> dict[int, list[Issue]]:
    """Issues by index in `rows`; indexes absent from the result are valid rows.

    unique=False leaves out the uniqueness checks: the build validates a source in batches and
    checks uniqueness across batches itself (process.UniqueValues).
    """
    schema = schemas.load_schema(schema_name)
    names = [f["name"] for f in schema["fields"]]
    by_name = {f["name"]: f for f in schema["fields"]}
    data = [names] + [[to_cell(row.get(n)) for n in names] for row in rows]
    resource = Resource(data=data, schema=Schema.from_descriptor(schema if unique else without_unique(schema)))
    report = resource.validate(limit_errors=10 * len(data) + 1000)
    issues: dict[int, list[Issue]] = defaultdict(list)
    for task in report.tasks:
        for error in task.errors:
            row_number = getattr(error, "row_number", None)
            if row_number is None:
                raise ValueError(f"schéma {schema_name} : erreur de structure inattendue ({error.message})")
            if error.type == "primary-key":
                continue  # the same duplicate is reported as unique-error on the id field
            field = getattr(error, "field_name", None)
            value = getattr(error, "cell", None)
            message = explain(error.type, by_name.get(field), value, error.note)
            issues[row_number - 2].append(Issue(field, value, error.type, message))
    return dict(issues)
