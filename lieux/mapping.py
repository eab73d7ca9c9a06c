"""Mapping one source record onto a schema's fields, as a descriptor's `fields` and `maps` say.

A field spec is either a column name, or a dict with one way to get the raw value (or, for a
multi-valued field, a list of such specs whose values add up):
    column: <name> | columns: [<name>, ...] | columns: {<key>: <name>, ...}
    value: <constant> | template: "<text with {column} placeholders>" | flags: {<column>: <value>}
and optional steps, applied in this order:
    split: "<separator>"        several values in one cell
    transforms: [<name>, ...]   named functions from lieux.transforms, before the field's defaults
    map: <name>                 a vocabulary map under the descriptor's `maps`
    default: <value>            when nothing is left
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from .transforms import TRANSFORMS, Corrected, TransformError, normalise_label

# Transforms every source gets for these fields, after its own: the standard's formats.
FIELD_TRANSFORMS = {
    "code_postal": ["code_postal"],
    "code_insee": ["code_insee"],
    # plain numbers: a source may give Lambert-93 or overseas projections (metres), which the
    # geography step converts; it also removes impossible points and records why
    "latitude": ["number"],
    "longitude": ["number"],
    "telephone": ["telephone"],
    "courriels": ["courriels"],
    "site_web": ["site_web"],
    "date_maj": ["date"],
    "pivot": ["siret"],
    "siret": ["siret"],
    "presentation_resume": ["resume"],
    "fiche_acces_libre": ["url"],
    "prise_rdv": ["url"],
}
TEXT_TRANSFORM = "text"
TRUTHY = {"true", "oui", "x", "1", "yes", "vrai", "o", "y"}
SPEC_KEYS = {"column", "columns", "value", "template", "flags", "split", "transforms", "map", "default"}


@dataclass(frozen=True)
class Issue:
    """Why a record cannot be loaded."""
    field: str | None
    value: object
    code: str
    message: str


@dataclass(frozen=True)
class Correction:
    """A value the build changed or removed, and why."""
    field: str
    before: object
    after: object
    reason: str


@dataclass
class Mapped:
    values: dict
    issues: list = field(default_factory=list)
    corrections: list = field(default_factory=list)
    unmapped: list = field(default_factory=list)  # (field, source label) pairs no map covers


def normalise_spec(spec) -> dict:
    if isinstance(spec, str):
        return {"column": spec}
    if isinstance(spec, dict):
        unknown = set(spec) - SPEC_KEYS
        if unknown:
            raise ValueError(f"clé(s) inconnue(s) dans la description d'un champ : {', '.join(sorted(unknown))}")
        return spec
    return {"value": spec}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def is_missing(value, missing_values) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    if isinstance(value, (list, dict)):
        return not value
    return str(value).strip() in missing_values


def raw_value(data: dict, spec: dict, missing_values):
    """The value a spec designates in a record, before any transform; None when missing."""
    def get(column):
        value = data.get(column)
        return None if is_missing(value, missing_values) else value

    if "value" in spec:
        return spec["value"]
    if "column" in spec:
        return get(spec["column"])
    if "template" in spec:
        cells = _Blank({k: ("" if is_missing(v, missing_values) else v) for k, v in data.items()})
        keys = [name for _, name, _, _ in string.Formatter().parse(spec["template"]) if name]
        if keys and all(cells[k] == "" for k in keys):
            return None
        return spec["template"].format_map(cells)
    if "flags" in spec:
        found = []
        for column, label in spec["flags"].items():
            value = get(column)
            if value is not None and normalise_label(value) in TRUTHY:
                found.extend(label if isinstance(label, list) else [label])
        return found or None
    if "columns" in spec:
        columns = spec["columns"]
        if isinstance(columns, dict):
            values = {key: get(col) for key, col in columns.items()}
            return values if any(v is not None for v in values.values()) else None
        values = [get(col) for col in columns]
        values = [v for v in values if v is not None]
        return values or None
    raise ValueError("un champ doit indiquer column, columns, value, template ou flags")


class VocabularyMap:
    """A descriptor's map from source labels to the schema's values (case and accents ignored)."""

    def __init__(self, entries: dict):
        self.entries = {normalise_label(k): v for k, v in entries.items()}

    def lookup(self, label):
        """(found, values): values is a list; a label mapped to null is found with no values."""
        key = normalise_label(label)
        if key not in self.entries:
            return False, []
        target = self.entries[key]
        if target is None:
            return True, []
        return True, target if isinstance(target, list) else [target]


def _apply(transform_names, value, row, name, corrections):
    for t in transform_names:
        before = value
        result = TRANSFORMS[t](value, row)
        if isinstance(result, Corrected):
            corrections.append(Correction(name, before, result.value, result.reason))
            result = result.value
        value = result
        if value is None:
            break
    return value


class Mapper:
    """Maps the records of one source onto one schema."""

    def __init__(self, fields: dict, maps: dict, schema: dict, multi_valued, missing_values):
        self.schema_fields = [f["name"] for f in schema["fields"]]
        self.required = {f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")}
        self.multi = set(multi_valued)
        self.missing_values = set(missing_values)
        # a field is filled by one spec, or by a list of specs whose values add up (multi-valued fields)
        self.specs = {name: [normalise_spec(s) for s in (spec if isinstance(spec, list) else [spec])]
                      for name, spec in fields.items()}
        self.maps = {name: VocabularyMap(entries) for name, entries in maps.items()}
        for name, spec in ((n, s) for n, specs in self.specs.items() for s in specs):
            for t in _as_list(spec.get("transforms")):
                if t not in TRANSFORMS:
                    raise ValueError(f"champ {name} : transformation « {t} » inconnue. Connues : {', '.join(sorted(TRANSFORMS))}")
            if spec.get("map") and spec["map"] not in self.maps:
                raise ValueError(f"champ {name} : table de correspondance « {spec['map']} » absente de « maps ».")

    def map(self, data: dict) -> Mapped:
        out = Mapped(values={})
        for name in self.schema_fields:
            values = []
            for spec in self.specs.get(name, []):
                value = self._field(name, spec, data, out)
                if value is None and "default" in spec:
                    value = spec["default"]
                values.extend(_as_list(value) if name in self.multi else ([value] if value is not None else []))
            value = values if name in self.multi else (values[0] if values else None)
            if name in self.multi:
                value = _as_list(value)
                value = list(dict.fromkeys(v for v in value if v not in (None, ""))) or None
            out.values[name] = value
        return out

    def _field(self, name, spec, data, out: Mapped):
        raw = raw_value(data, spec, self.missing_values)
        if raw is None:
            return None
        if "column" in spec and isinstance(raw, dict):  # a JSON object where a value is expected
            message = f"la colonne « {spec['column']} » contient un objet JSON, pas une valeur. Publiez une valeur simple."
            if name in self.required:
                out.issues.append(Issue(name, raw, "valeur-invalide", f"{name} : {message}"))
            else:
                out.corrections.append(Correction(name, raw, None, f"valeur retirée : {message}"))
            return None
        items = [raw]
        if spec.get("split") is not None:
            items = []
            for part in _as_list(raw):
                items.extend(p for p in str(part).split(spec["split"]))
        elif isinstance(raw, list) and name not in self.multi and "flags" not in spec:
            items = [" ".join(str(v) for v in raw)]
        elif isinstance(raw, list):
            items = raw
        own = _as_list(spec.get("transforms"))
        defaults = FIELD_TRANSFORMS.get(name, [])
        transforms = [t for t in own if t not in defaults] + defaults
        results = []
        for item in items:
            if isinstance(item, str):
                item = TRANSFORMS[TEXT_TRANSFORM](item)
                if item in self.missing_values:
                    continue
            try:
                value = _apply(transforms, item, out.values, name, out.corrections)
            except TransformError as e:
                if name in self.required:
                    out.issues.append(Issue(name, item, "valeur-invalide", f"{name} : {e}"))
                else:
                    out.corrections.append(Correction(name, item, None, f"valeur retirée : {e}"))
                continue
            if value is None:
                continue
            if spec.get("map"):
                for v in _as_list(value):
                    found, mapped = self.maps[spec["map"]].lookup(v)
                    if found:
                        results.extend(mapped)
                    else:
                        out.unmapped.append((name, str(v)))
            else:
                results.extend(_as_list(value) if name in self.multi else [value])
        if not results:
            return None
        if name in self.multi:
            return results
        return results[0]


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
