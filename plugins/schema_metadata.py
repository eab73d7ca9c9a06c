"""Column descriptions of every table, read from the Table Schemas in schemas/ (the one place a field is described)."""

from functools import cache

from datasette import hookimpl

from lieux import schemas
from lieux.merge import LINKED_SCHEMAS

EXTRA_COLUMNS = {
    "lieux": {
        "sources": "Identifiants des sources (table sources) dont vient ce lieu, la plus prioritaire d'abord : plusieurs quand des lignes de listes différentes ont été fusionnées (tables fusions, membres).",
        "departement_code": "Code INSEE du département du lieu.",
        "region_code": "Code INSEE de la région du lieu.",
        "departement_nom": "Nom du département du lieu (code officiel géographique).",
        "region_nom": "Nom de la région du lieu (code officiel géographique).",
        "qualite_geo": ("Qualité du point : source (point de la source, dans sa commune à 500 m près), corrigee-inversion "
                        "(latitude et longitude inversées), corrigee-signe (signe moins perdu ou en trop), corrigee-projection "
                        "(projection non déclarée, Lambert-93 ou d'outre-mer), centre_commune (point absent ou loin de sa "
                        "commune : centre de la commune, position approximative), hors_departement (point hors du département "
                        "de l'adresse, à vérifier ; seulement pour une commune sans contour), absente (aucun point), "
                        "non_verifiee (référentiel géographique absent)."),
        "qualite_geo_motif": "Pourquoi le point a cette qualité ; chaque valeur modifiée figure aussi dans la table corrections.",
        "hub": "Hub(s) territorial(aux) pour un numérique inclusif du département du lieu (deux pour la Guadeloupe et Mayotte, séparés par « | »).",
        "popup": "Fiche courte affichée sur la carte (nom, adresse, lien).",
    },
    "hubs": {
        "departements_couverts": "Codes INSEE de tous les départements couverts (ceux des régions du hub compris), liste JSON.",
        "geometry": "Zone couverte : union des contours des départements couverts (GeoJSON, exportable en .geojson).",
    },
}
# Every table filled from a schema other than the standard records which source each row came from.
SOURCE_COLUMN = {"source": "Identifiant de la source (table sources) dont vient cette ligne."}
# Entity tables linked to their lieu by lieux/merge.py (LINKED_SCHEMAS).
LINK_COLUMNS = {
    "lieu_id": "Identifiant du lieu (table lieux) auquel cette ligne est rattachée, vide si aucun lieu ne correspond.",
    "lien_regle": "Règle qui a fait le rattachement : membre (la même ligne source est un lieu), une règle de fusion "
                  "(siret, adresse, adresse-programme, contact, adresse-mot, adresse-genre, proximite ; voir la table "
                  "fusions), commune-nom (même commune et nom très proche).",
}
# lieux/merge/: every source row as mapped before merging, and the lieu it belongs to.
MEMBRES_COLUMNS = {
    "lieu_id": "Identifiant du lieu (table lieux) dont cette ligne source fait partie.",
    "source_id": "Identifiant de la source (table sources) de cette ligne.",
    "cle": "Identifiant de la ligne dans sa source (identifiant du producteur préfixé par la source, ou numéro de ligne).",
    "ligne": "Numéro de la ligne (ou de l'enregistrement) dans le fichier de la source.",
    "empreinte": "Empreinte du nom et de la commune, qui retrouve une ligne renumérotée d'une construction à l'autre.",
    "qualite_geo": "Comment l'étape géographique a placé cette ligne (source, corrigee, centre_commune...) : une distance "
                   "entre deux points approximatifs ne dit rien à la fusion.",
    "commune_nouvelle": "1 si la commune est une commune nouvelle (le COG lui connaît des communes déléguées ou associées).",
    "commune_deleguee": "Code INSEE de la commune déléguée (ou associée) que nomme la ligne, par sa commune ou son nom : "
                        "la fusion ne réunit pas deux lignes de deux villages d'une commune nouvelle.",
}


def column_descriptions(schema_name: str) -> dict:
    """{column: "Title : description"} for the fields of one schema."""
    out = {}
    for f in schemas.load_schema(schema_name)["fields"]:
        title, description = f.get("title"), f.get("description", "")
        out[f["name"]] = f"{title} : {description}" if title else description
    return out


@cache
def _tables_columns() -> tuple:
    """((table, {column: description}), ...), read once: the schemas do not change while the server runs."""
    return tuple((table, meta["columns"]) for table, meta in _read_tables_metadata().items())


def tables_metadata() -> dict:
    """{table: {"columns": {...}}}: new dicts at every call, since Datasette merges metadata.yml into what this
    hook returns (Datasette calls it several times per page: reading the schemas each time cost ~0.3 ms)."""
    return {table: {"columns": dict(columns)} for table, columns in _tables_columns()}


def _read_tables_metadata() -> dict:
    tables = {}
    for schema_name in schemas.list_schemas():
        table = schemas.table_for(schema_name)
        extra = EXTRA_COLUMNS.get(table, {}) if schema_name == schemas.LIEUX else {**SOURCE_COLUMN, **EXTRA_COLUMNS.get(table, {})}
        if schema_name in LINKED_SCHEMAS:
            extra = {**extra, **LINK_COLUMNS}
        tables[table] = {"columns": {**column_descriptions(schema_name), **extra}}
    tables["membres"] = {"columns": {**column_descriptions(schemas.LIEUX), **MEMBRES_COLUMNS}}
    return tables


@hookimpl
def get_metadata(datasette, key, database, table):
    return {"databases": {"lieux": {"tables": tables_metadata()}}}
