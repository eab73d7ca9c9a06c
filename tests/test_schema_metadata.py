"""plugins/schema_metadata.py: the column descriptions come from schemas/, read once, and every call gets its own
dicts (Datasette merges metadata.yml into what the hook returns: a shared dict would carry one instance's
metadata into another's)."""

from plugins import schema_metadata
from lieux import schemas


def test_descriptions_come_from_the_schemas():
    tables = schema_metadata.tables_metadata()
    nom = next(f for f in schemas.load_schema(schemas.LIEUX)["fields"] if f["name"] == "nom")
    assert tables["lieux"]["columns"]["nom"].startswith(nom.get("title", ""))
    assert tables["lieux"]["columns"]["qualite_geo"] == schema_metadata.EXTRA_COLUMNS["lieux"]["qualite_geo"]


def test_each_call_gets_its_own_dicts():
    first = schema_metadata.get_metadata(None, None, None, None)
    lieux = first["databases"]["lieux"]["tables"]["lieux"]
    lieux["columns"]["nom"] = "changé par un appelant"
    lieux["facets"] = ["commune"]
    first["databases"]["lieux"]["title"] = "autre"
    second = schema_metadata.get_metadata(None, None, None, None)
    assert second["databases"]["lieux"]["tables"]["lieux"]["columns"]["nom"] != "changé par un appelant"
    assert "facets" not in second["databases"]["lieux"]["tables"]["lieux"]
    assert "title" not in second["databases"]["lieux"]
