"""A banner on every page when the served database holds demonstration (fictional) data."""

from datasette import hookimpl

# What the public reads (the command that builds the real lists is in README, for maintainers).
BANNER = ("Données de démonstration : les lieux présentés ici sont inventés, pour montrer le fonctionnement de "
          "l'annuaire. Ne vous y rendez pas et n'appelez pas leurs numéros.")


_known: dict = {}  # (database, build) -> bool: the database is immutable while served


async def has_demo_data(datasette) -> bool:
    db = datasette.databases.get("lieux")
    if db is None:
        return False
    key = (db.name, db.hash if not db.is_mutable else None)
    if key[1] is not None and key in _known:
        return _known[key]
    found = False
    if "sources" in await db.table_names():
        found = bool((await db.execute("select count(*) from sources where demo = 1")).first()[0])
    if key[1] is not None:
        _known[key] = found
    return found


async def banner_text(datasette) -> str | None:
    return BANNER if await has_demo_data(datasette) else None


@hookimpl
def extra_template_vars(datasette):
    async def inner():
        return {"demo_banner": await banner_text(datasette)}
    return inner


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # For pages rendered without plugin variables (Datasette's error pages): templates/_demo_banner.html.
    env.globals["bandeau_demo"] = lambda: banner_text(datasette)
