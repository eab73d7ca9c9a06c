"""Column descriptions of every table, read from the Table Schemas in schemas/ (the one place a field is described)."""

from datasette import hookimpl

from lieux import schemas

EXTRA_COLUMNS = {
    "lieux": {
        "sources": "Identifiants des sources (table sources) dont vient ce lieu.",
        "departement_code": "Code INSEE du département du lieu.",
        "region_code": "Code INSEE de la région du lieu.",
        "popup": "Fiche courte affichée sur la carte (nom, adresse, lien).",
    },
}
# Every table filled from a schema other than the standard records which source each row came from.
SOURCE_COLUMN = {"source": "Identifiant de la source (table sources) dont vient cette ligne."}


def column_descriptions(schema_name: str) -> dict:
    """{column: "Title : description"} for the fields of one schema."""
    out = {}
    for f in schemas.load_schema(schema_name)["fields"]:
        title, description = f.get("title"), f.get("description", "")
        out[f["name"]] = f"{title} : {description}" if title else description
    return out


def tables_metadata() -> dict:
    tables = {}
    for schema_name in schemas.list_schemas():
        table = schemas.table_for(schema_name)
        extra = EXTRA_COLUMNS.get(table, {}) if schema_name == schemas.LIEUX else {**SOURCE_COLUMN, **EXTRA_COLUMNS.get(table, {})}
        tables[table] = {"columns": {**column_descriptions(schema_name), **extra}}
    return tables


@hookimpl
def get_metadata(datasette, key, database, table):
    return {"databases": {"lieux": {"tables": tables_metadata()}}}
