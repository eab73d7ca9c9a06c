"""The database served is `lieux`, whatever its file name (`build.py serve --db annuaire-2025.db`).

Datasette names a database after its file; every page, the API and metadata.yml address it as `lieux`.
When `lieux` is not among the served databases and exactly one file database is, that one is
registered again under the name `lieux` at startup (same file, same immutable mode).
"""

from datasette import hookimpl

DATABASE = "lieux"


@hookimpl
def startup(datasette):
    if DATABASE in datasette.databases:
        return
    files = [name for name, db in datasette.databases.items() if not db.is_memory]
    if len(files) != 1:
        return
    db = datasette.databases[files[0]]
    datasette.remove_database(files[0])
    datasette.add_database(db, name=DATABASE, route=DATABASE)
