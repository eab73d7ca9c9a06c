"""Mapping one source record onto a schema's fields, as a descriptor's `fields` and `maps` say.

A field spec is either a column name, or a dict with one way to get the raw value (or, for a
multi-valued field, a list of such specs whose values add up):
    column: <name> | columns: [<name>, ...] | columns: {<key>: <name>, ...}
    value: <constant> | template: "<text with {column} placeholders>" | flags: {<column>: <value>}
and optional steps, applied in this order:
    split: "<separator>" | [<separator>, ...] | {pattern: <regex>}   several values in one cell
    transforms: [<name> | {<name>: {<parameter>: <value>}}, ...]   functions from lieux.transforms,
                                before the field's defaults
    map: <name>                 a vocabulary map under the descriptor's `maps`
    default: <value>            when nothing is left
    fallback: <spec> | [<spec>, ...]   where nothing usable is left: the value of another spec
                                (recorded in `corrections`)
A column name may be a path into nested JSON: `geolocalisation.lat`, `adresse.lignes[0]`.
Every text value that a spreadsheet would run as a formula is neutralised (lieux.formulas).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import formulas
from .paths import path_value
from .transforms import TRANSFORM_FACTORIES, TRANSFORMS, Corrected, TransformError, normalise_label, splitter

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
SPEC_KEYS = {"column", "columns", "value", "template", "flags", "split", "transforms", "map", "default", "fallback"}
TEMPLATE_KEY = re.compile(r"\{([^{}]+)\}")


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
        value = path_value(data, column)
        return None if is_missing(value, missing_values) else value

    if "value" in spec:
        return spec["value"]
    if "column" in spec:
        return get(spec["column"])
    if "template" in spec:
        cells = {k: get(k) for k in TEMPLATE_KEY.findall(spec["template"])}
        if cells and all(v is None for v in cells.values()):
            return None
        return TEMPLATE_KEY.sub(lambda m: "" if cells[m.group(1)] is None else str(cells[m.group(1)]), spec["template"])
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


def compile_transform(item, name: str):
    """(label, function) of one entry of `transforms`: a name, or {name: parameters} for TRANSFORM_FACTORIES."""
    if isinstance(item, str):
        if item not in TRANSFORMS:
            raise ValueError(f"champ {name} : transformation « {item} » inconnue. Connues : "
                             f"{', '.join(sorted(TRANSFORMS))} ; avec paramètres : {', '.join(sorted(TRANSFORM_FACTORIES))}.")
        return item, TRANSFORMS[item]
    if isinstance(item, dict) and len(item) == 1:
        [(label, params)] = item.items()
        if label in TRANSFORM_FACTORIES:
            try:
                return label, TRANSFORM_FACTORIES[label](params)
            except ValueError as e:
                raise ValueError(f"champ {name} : {e}") from None
    raise ValueError(f"champ {name} : « {item} » n'est pas une transformation. Écrivez un nom ({', '.join(sorted(TRANSFORMS)[:3])}…) "
                     f"ou {{nom: {{paramètre: valeur}}}} pour {', '.join(sorted(TRANSFORM_FACTORIES))}.")


def _apply(transforms, value, row, name, corrections):
    """Run the transforms in order; a transform that gives a list hands each item to the next ones."""
    for i, (_, fn) in enumerate(transforms):
        before = value
        result = fn(value, row)
        if isinstance(result, Corrected):
            corrections.append(Correction(name, before, result.value, result.reason))
            result = result.value
        value = result
        if value is None:
            break
        if isinstance(value, list) and i + 1 < len(transforms) and not isinstance(before, list):
            rest = transforms[i + 1:]
            out = []
            for item in value:
                item = _apply(rest, item, row, name, corrections)
                out.extend(_as_list(item))
            return out or None
    return value


class Mapper:
    """Maps the records of one source onto one schema."""

    def __init__(self, fields: dict, maps: dict, schema: dict, multi_valued, missing_values):
        self.schema_fields = [f["name"] for f in schema["fields"]]
        self.required = {f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")}
        # a value off its field's pattern is not usable: a fallback may stand in (validation explains it otherwise)
        self.patterns = {}
        for f in schema["fields"]:
            pattern = f.get("constraints", {}).get("pattern")
            if pattern and f["name"] not in set(multi_valued):
                try:
                    self.patterns[f["name"]] = re.compile(pattern)
                except re.error:  # a pattern Python cannot read: validation alone checks it
                    pass
        self.multi = set(multi_valued)
        self.missing_values = set(missing_values)
        # a field is filled by one spec, or by a list of specs whose values add up (multi-valued fields)
        self.specs = {name: [normalise_spec(s) for s in (spec if isinstance(spec, list) else [spec])]
                      for name, spec in fields.items()}
        self.maps = {name: VocabularyMap(entries) for name, entries in maps.items()}
        self.compiled = {}   # id(spec) -> (transforms, splitter)
        for name, specs in self.specs.items():
            for spec in specs:
                self._compile(name, spec)

    def _compile(self, name, spec):
        """Check a spec once and keep what it needs at each record: transforms, splitter, fallbacks."""
        fallbacks = [normalise_spec(f) for f in _as_list(spec.get("fallback"))]
        own = [compile_transform(t, name) for t in _as_list(spec.get("transforms"))]
        defaults = FIELD_TRANSFORMS.get(name, [])
        labels = {label for label, _ in own}
        transforms = own + [(t, TRANSFORMS[t]) for t in defaults if t not in labels]
        split = None
        if spec.get("split") is not None:
            try:
                split = splitter(spec["split"])
            except ValueError as e:
                raise ValueError(f"champ {name} : {e}") from None
        self.compiled[id(spec)] = (transforms, split, fallbacks)
        if spec.get("map") and spec["map"] not in self.maps:
            raise ValueError(f"champ {name} : table de correspondance « {spec['map']} » absente de « maps ».")
        for fallback in fallbacks:
            self._compile(name, fallback)

    def map(self, data: dict) -> Mapped:
        out = Mapped(values={})
        for name in self.schema_fields:
            values = []
            for spec in self.specs.get(name, []):
                value = self._with_fallback(name, spec, data, out)
                values.extend(_as_list(value) if name in self.multi else ([value] if value is not None else []))
            value = values if name in self.multi else (values[0] if values else None)
            if name in self.multi:
                value = _as_list(value)
                value = list(dict.fromkeys(v for v in value if v not in (None, ""))) or None
            if formulas.is_formula(value) or (isinstance(value, list) and any(formulas.is_formula(v) for v in value)):
                out.corrections.append(Correction(name, value, formulas.neutralise(value), formulas.reason(value)))
                value = formulas.neutralise(value)
            out.values[name] = value
        return out

    def _with_fallback(self, name, spec, data, out: Mapped):
        """The value of a spec, its `default` when nothing is left, else the first `fallback` that gives one.
        The main spec's problems become corrections when a fallback stands in."""
        fallbacks = self.compiled[id(spec)][2]
        if not fallbacks:
            value = self._field(name, spec, data, out)
            return spec["default"] if value is None and "default" in spec else value
        attempt = Mapped(values=out.values)
        value = self._field(name, spec, data, attempt)
        if value is None and "default" in spec:
            value = spec["default"]
        out.corrections.extend(attempt.corrections)
        out.unmapped.extend(attempt.unmapped)
        if value is not None and self._fits(name, value):
            out.issues.extend(attempt.issues)
            return value
        for fallback in fallbacks:
            tried = Mapped(values=out.values)
            replacement = self._with_fallback(name, fallback, data, tried)
            out.corrections.extend(tried.corrections)
            out.unmapped.extend(tried.unmapped)
            if replacement is not None and not tried.issues and self._fits(name, replacement):
                before = raw_value(data, spec, self.missing_values)
                why = "; ".join(i.message for i in attempt.issues) or (
                    f"« {value} » ne respecte pas le format du champ" if value is not None else "valeur absente")
                out.corrections.append(Correction(name, before, replacement, f"valeur de repli ({describe(fallback)}) : {why}"))
                return replacement
        out.issues.extend(attempt.issues)
        return value  # None, or a value off its pattern that validation will explain

    def _fits(self, name, value) -> bool:
        pattern = self.patterns.get(name)
        return pattern is None or not isinstance(value, str) or bool(pattern.fullmatch(value))

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
        transforms, split, _ = self.compiled[id(spec)]
        items = [raw]
        if split is not None:
            items = []
            for part in _as_list(raw):
                items.extend(split(part))
        elif isinstance(raw, list) and name not in self.multi and "flags" not in spec:
            items = [" ".join(str(v) for v in raw)]
        elif isinstance(raw, list):
            items = raw
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


def describe(spec: dict) -> str:
    """A spec in a few words, for a correction's reason: « colonne X », « valeur Y »."""
    if "column" in spec:
        return f"colonne « {spec['column']} »"
    if "value" in spec:
        return f"valeur « {spec['value']} »"
    if "template" in spec:
        return f"modèle « {spec['template']} »"
    if "columns" in spec:
        return "colonnes " + ", ".join(f"« {c} »" for c in (spec["columns"].values() if isinstance(spec["columns"], dict) else spec["columns"]))
    return "indicateurs"


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
