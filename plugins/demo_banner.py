"""A banner on every page when the served database holds demonstration (fictional) data."""

from datasette import hookimpl

# What the public reads (the command that builds the real lists is in README, for maintainers).
BANNER = ("Données de démonstration : les lieux présentés ici sont inventés, pour montrer le fonctionnement de "
          "l'annuaire. Ne vous y rendez pas et n'appelez pas leurs numéros.")


async def has_demo_data(datasette) -> bool:
    db = datasette.databases.get("lieux")
    if db is None or "sources" not in await db.table_names():
        return False
    row = (await db.execute("select count(*) from sources where demo = 1")).first()
    return bool(row[0])


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
