"""A banner on every page when the served database holds demonstration (fictional) data."""

from datasette import hookimpl

BANNER = ("Données de démonstration : les lieux affichés sont fictifs. "
          "Pour les vraies listes, lancez « python build.py fetch » puis « python build.py build ».")


async def has_demo_data(datasette) -> bool:
    db = datasette.databases.get("lieux")
    if db is None or "sources" not in await db.table_names():
        return False
    row = (await db.execute("select count(*) from sources where demo = 1")).first()
    return bool(row[0])


@hookimpl
def extra_template_vars(datasette):
    async def inner():
        return {"demo_banner": BANNER if await has_demo_data(datasette) else None}
    return inner
