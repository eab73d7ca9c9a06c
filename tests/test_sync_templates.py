"""The public pages rendered in Jinja's sync mode (lieux/sync_templates.py) are the pages Datasette's own async
environment renders from the same context: same filters, globals and includes, menu links awaited."""

import sqlite3

import pytest

from lieux import sync_templates


@pytest.fixture
def rendered(monkeypatch):
    """(template name, context) of every page rendered through the sync environment during a test."""
    seen = []
    original = sync_templates._SyncTemplate.render

    def recording(self, context):
        seen.append((self.name, dict(context)))
        return original(self, context)

    monkeypatch.setattr(sync_templates._SyncTemplate, "render", recording)
    return seen


def pages(db_path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        lieu_id, commune = conn.execute("select id, commune from lieux order by rowid limit 1").fetchone()
    return ["/", f"/?q={commune}", f"/?q={commune}&n=1&ouvert=maintenant", "/?q=Introuvable-sur-Mer",
            f"/lieu/{lieu_id}", "/lieu/inconnu"]


@pytest.mark.asyncio
async def test_sync_pages_are_the_async_pages(demo_geo_datasette, demo_geo_db, rendered):
    ds = demo_geo_datasette
    await ds.invoke_startup()
    for path in pages(demo_geo_db):
        rendered.clear()
        response = await ds.client.get(path, cookies={"x": "no-cache"})  # a cookie: never the page cache
        assert response.status_code in (200, 300, 404), path
        assert len(rendered) == 1, path
        name, context = rendered[0]
        expected = await ds.jinja_env.get_template(name).render_async(context)
        assert sync_templates.environment(ds).get_template(name).render(context) == expected, path
        assert response.text == expected, path


@pytest.mark.asyncio
async def test_the_sync_environment_has_what_plugins_added(demo_geo_datasette):
    ds = demo_geo_datasette
    await ds.invoke_startup()
    sync = sync_templates.environment(ds)
    assert sync is sync_templates.environment(ds)  # one per Datasette
    assert not sync.is_async and ds.jinja_env.is_async
    for name in ("filters", "tests", "globals"):
        assert getattr(sync, name).keys() == getattr(ds.jinja_env, name).keys(), name
    assert {"nombre", "date_fr"} <= sync.filters.keys() and "liens_site" in sync.globals  # plugins/site.py's


@pytest.mark.asyncio
async def test_menu_links_of_a_signed_in_actor(demo_geo_datasette):
    """Datasette's menu_links() is a coroutine function: awaited before the sync rendering."""
    ds = demo_geo_datasette
    await ds.invoke_startup()
    response = await ds.client.get("/", cookies={"ds_actor": ds.sign({"a": {"id": "root"}}, "actor")})
    assert response.status_code == 200
    menu = response.text.split('<div class="menu-compte">', 1)[1].split("</div>", 1)[0]
    assert "<strong>root</strong>" in menu
    assert '<a href="/-/databases">' in menu
