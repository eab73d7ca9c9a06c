"""The Table Schemas in schemas/: loading them and the facts derived from them."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = ROOT / "schemas"

LIEUX = "lieux-mediation-numerique"

# The standard separates several values in one cell with "|".
SEPARATOR = "|"

# Fields of the national standard that hold several values joined by SEPARATOR.
# The standard says so in each field's description; the schema has no machine flag.
MULTI_VALUED = {
    LIEUX: (
        "typologie",
        "courriels",
        "site_web",
        "itinerance",
        "services",
        "publics_specifiquement_adresses",
        "prise_en_charge_specifique",
        "frais_a_charge",
        "dispositif_programmes_nationaux",
        "formations_labels",
        "modalites_acces",
        "modalites_accompagnement",
    ),
}


def schema_path(name: str) -> Path:
    return SCHEMAS_DIR / name / "schema.json"


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    path = schema_path(name)
    if not path.exists():
        known = ", ".join(sorted(p.name for p in SCHEMAS_DIR.iterdir() if p.is_dir()))
        raise ValueError(f"Schéma inconnu « {name} ». Schémas disponibles : {known}")
    return json.loads(path.read_text(encoding="utf-8"))


def field_names(name: str) -> list[str]:
    return [f["name"] for f in load_schema(name)["fields"]]


def multi_valued(name: str) -> tuple[str, ...]:
    """Multi-valued fields: listed above for the standard, flagged `"multiple": true` in ours.

    `multiple` is a custom field property: frictionless keeps it and still finds the schema valid
    (tests/test_schemas.py checks both), and each such field's description states the "|" separator.
    """
    if name in MULTI_VALUED:
        return MULTI_VALUED[name]
    return tuple(f["name"] for f in load_schema(name)["fields"] if f.get("multiple"))


def list_schemas() -> list[str]:
    return sorted(p.name for p in SCHEMAS_DIR.iterdir() if (p / "schema.json").exists())


# The SQLite table each schema's rows are loaded into.
TABLES = {
    LIEUX: "lieux",
    "structures-conseillers-numeriques": "structures_conseillers",
    "hubs-territoriaux": "hubs",
    "fabriques-de-territoire": "fabriques",
    "services-aptic": "services_aptic",
}


def table_for(name: str) -> str:
    return TABLES.get(name, name.replace("-", "_"))


def standard_values(row: dict, name: str = LIEUX) -> dict:
    """A database row as the schema's fields, in order, multi-valued ones as lists (the database keeps them as
    JSON text; an older `|`-separated text is split): what the API and the bulk export show of a lieu."""
    multi = set(multi_valued(name))
    out = {}
    for field in field_names(name):
        value = row.get(field)
        if field in multi and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = [v for v in value.split(SEPARATOR) if v]
        out[field] = value
    return out
