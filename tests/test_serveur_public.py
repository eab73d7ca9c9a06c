"""The public instance (`build.py serve`, the paquet image) against the trusted one (`serve --sql`).

In-process Datasette (site.make_datasette) for every rule; the real processes are in test_charge_hostile.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse

import pytest
import yaml
from click.testing import CliRunner

from lieux import site
from plugins.erreurs import translate

ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
BLOB = "select length(randomblob(300000000))"
# Malformed Datasette parameters (issue 16): each one answered 500 before; 400 (or 405) now, in French.
MALFORMED = [
    "/lieux/lieux?_sort=nexiste_pas", "/lieux/lieux.json?_sort=nexiste_pas", "/lieux/lieux?_sort_desc=x",
    "/lieux/lieux?_through=%7B%7D", "/lieux/lieux?_through=%7B%22table%22%3A%22x%22%7D",
    "/lieux/lieux?_through=pas-du-json", "/lieux/lieux?_facet=nexiste_pas", "/lieux/lieux?_facet_array=nexiste_pas",
    "/lieux/lieux?_sort=nom&_sort_desc=nom", "/lieux/lieux?_timelimit=abc", "/lieux/lieux?id__in=%5B",
    "/lieux/lieux?_size=abc", "/lieux/lieux?_size=-1", "/lieux/lieux?_size=100000", "/lieux/lieux?_col=nexiste",
    "/lieux/lieux?_nocol=nexiste", "/lieux/lieux.json?_shape=nexiste", "/lieux/lieux?_search=%22",
    "/lieux/lieux?_searchmode=raw&_search=%22%22%22", "/lieux/lieux?_fts_table=nexiste&_search=x",
    "/lieux/lieux.json?_sort=nexiste&_shape=array", "/lieux/communes?_sort=nexiste",
]


@pytest.fixture(scope="module")
def public(demo_db):
    return site.make_datasette(demo_db)


@pytest.fixture(scope="module")
def trusted(demo_db):
    return site.make_datasette(demo_db, sql=True)


@pytest.mark.asyncio
@pytest.mark.parametrize("path", MALFORMED)
async def test_malformed_parameters_answer_400_in_french(public, path):
    r = await public.client.get(path)
    assert r.status_code == 400, (path, r.status_code, r.text[:300])
    text = r.json()["erreur"] if path.split("?")[0].endswith(".json") else r.text
    assert any(word in text for word in ("Impossible", "inconnu", "invalide", "illisible", "doit", "gardez")), text[:500]


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/lieux/lieux", "/lieux/lieux.json", "/lieux", "/lieux/lieux/demo-001"])
async def test_other_methods_are_refused_not_500(public, method, path):
    r = await public.client.request(method, path)
    assert r.status_code in (403, 405), (method, path, r.status_code)


@pytest.mark.asyncio
@pytest.mark.parametrize("sql", [ENDLESS, BLOB, "select 1", "select * from lieux"])
async def test_no_arbitrary_sql_on_the_public_instance(public, sql):
    for path in (f"/lieux.json?sql={urllib.parse.quote(sql)}", f"/lieux?sql={urllib.parse.quote(sql)}",
                 f"/lieux/lieux.json?_where={urllib.parse.quote('1=1 or ' + sql.replace('select', '(select', 1) + ')')}"):
        r = await public.client.get(path)
        assert r.status_code == 403, (path, r.status_code)
        assert "SQL libres sont fermées" in r.text and "télécharge" in r.text
    page = await public.client.get("/lieux")
    assert page.status_code == 200 and 'name="sql"' not in page.text  # no SQL editor offered


@pytest.mark.asyncio
async def test_tables_facets_filters_and_canned_queries_stay(demo_db):
    metadata = site.load_metadata(sql=False)
    metadata["databases"]["lieux"]["queries"] = {
        "par_commune": {"sql": "select id, nom from lieux where commune = :commune order by id",
                        "title": "Lieux d'une commune"}}
    from datasette.app import Datasette

    ds = Datasette(immutables=[str(demo_db)], metadata=metadata, plugins_dir=str(site.PLUGINS_DIR),
                   template_dir=str(site.TEMPLATES_DIR), static_mounts=[("static", str(site.STATIC_DIR))],
                   settings=site.SETTINGS)
    r = await ds.client.get("/lieux/par_commune.json?commune=Grenoble&_shape=array")
    assert r.status_code == 200 and r.json() and all(row["id"] for row in r.json())
    r = await ds.client.get("/lieux/lieux.json?_facet=departement_code&commune=Grenoble&_shape=objects")
    assert r.status_code == 200 and {row["commune"] for row in r.json()["rows"]} == {"Grenoble"}
    assert r.json()["facet_results"]["departement_code"]["results"]
    r = await ds.client.get("/lieux/lieux?_search=Grenoble&_sort=nom")
    assert r.status_code == 200


@pytest.mark.asyncio
async def test_trusted_instance_runs_sql_with_its_time_limit(trusted):
    r = await trusted.client.get("/lieux.json?_shape=array&sql=" + urllib.parse.quote("select count(*) as n from lieux"))
    assert r.status_code == 200 and r.json()[0]["n"] == 50
    r = await trusted.client.get("/lieux.json?sql=" + urllib.parse.quote(ENDLESS))
    assert r.status_code == 400 and "temps permis" in r.json()["erreur"]  # sql_time_limit_ms, in French
    assert (await trusted.client.get("/-/databases.json")).status_code == 200


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/-/databases.json", "/-/threads.json", "/-/plugins.json", "/-/settings.json",
                                  "/-/config.json", "/-/actor.json", "/-/permissions", "/-/messages", "/-/metadata.json",
                                  "/-/allow-debug", "/-/patterns", "/-/databases", "/-/threads", "/-/plugins",
                                  "/-/auth-token", "/-/logout", "/-/nexiste"])
async def test_introspection_closed_on_the_public_instance(public, path):
    r = await public.client.get(path)
    assert r.status_code == 403, (path, r.status_code)
    assert str(site.ROOT) not in r.text and "/tmp" not in r.text  # never a path of the machine


@pytest.mark.asyncio
async def test_what_stays_open_under_dash(public):
    assert (await public.client.get("/-/versions.json")).status_code == 200  # health check (README)
    assert (await public.client.get("/-/static/app.css")).status_code == 200
    assert (await public.client.get("/-/static-plugins/datasette-cluster-map/datasette-cluster-map.js")).status_code == 200
    for path in ("/.json", "/lieux.json"):
        body = (await public.client.get(path)).text
        assert "/tmp" not in body and str(site.ROOT) not in body


@pytest.mark.asyncio
async def test_whole_database_downloadable_and_linked(public, demo_db):
    r = await public.client.get("/lieux.db")
    assert r.status_code == 200 and r.content == demo_db.read_bytes()
    for page in ("/lieux", "/"):
        assert 'href="/lieux.db"' in (await public.client.get(page)).text, page


@pytest.mark.asyncio
async def test_geojson_of_tables(public):
    r = await public.client.get("/lieux/lieux.geojson?_size=5")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 5
    f = body["features"][0]
    assert f["geometry"]["coordinates"] == [f["properties"]["longitude"], f["properties"]["latitude"]]
    assert "popup" not in f["properties"]
    r = await public.client.get("/lieux/sources.geojson")
    assert r.status_code == 400 and "GeoJSON" in r.json()["erreur"]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/lieux/lieux.json", "/lieux/lieux.csv", "/lieux/lieux.geojson", "/lieux.json",
                                  "/lieux/lieux/demo-001.json"])
async def test_cors_and_caching_on_data_answers(public, path):
    r = await public.client.get(path)
    assert r.status_code == 200, path
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["cache-control"].startswith("public, max-age=")
    etag = r.headers["etag"]
    again = await public.client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    since = await public.client.get(path, headers={"if-modified-since": r.headers["last-modified"]})
    assert since.status_code == 304
    preflight = await public.client.options(path)
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/", "/lieux/lieux", "/lieux", "/-/versions.json"])
async def test_no_cors_on_pages(public, path):
    r = await public.client.get(path)
    assert "access-control-allow-origin" not in r.headers, path


def test_serve_any_file_name_as_lieux(demo_db, tmp_path):
    import asyncio

    other = tmp_path / "annuaire-2025.db"
    other.write_bytes(demo_db.read_bytes())
    ds = site.make_datasette(other)

    async def run():
        await ds.invoke_startup()
        return [await ds.client.get(p) for p in ("/lieux/lieux.json?_shape=array&_size=1", "/api/proches?lat=45&lon=5",
                                                   "/annuaire-2025")]

    lieux, api, old_name = asyncio.run(run())
    assert lieux.status_code == 200 and len(lieux.json()) == 1
    assert api.status_code == 200 and api.json()["lieux"]
    assert old_name.status_code == 404


def test_serve_command_public_and_trusted(monkeypatch, tmp_path):
    monkeypatch.setenv("LIEUX_SQL", "oui")
    assert "LIEUX_SQL" not in site.serve_environment(sql=False)  # an exported variable never opens the public one
    assert site.serve_environment(sql=True)["LIEUX_SQL"] == "oui"
    metadata = yaml.safe_load(site.METADATA.read_text(encoding="utf-8"))
    assert metadata["plugins"]["lieux-securite"]["sql"] == {"$env": "LIEUX_SQL"}
    command = site.serve_command(tmp_path / "x.db", 8001)
    assert "--cors" not in command


def test_serve_cli_options():
    from build import cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--sql" in result.output and "--db" in result.output


def test_popups_come_from_our_own_column_only(demo_db):
    """Map popups: with SQL off, only tables and views supply rows; `popup` is a column of lieux alone,
    built by the build (lieux/load.py) with a link to the row's own page."""
    with sqlite3.connect(demo_db) as conn:
        objects = [r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")]
        with_popup = [o for o in objects
                      if "popup" in [c[1] for c in conn.execute(f"pragma table_info([{o}])")]]
        assert with_popup == ["lieux"]
        for (value,) in conn.execute("select popup from lieux"):
            popup = json.loads(value)
            assert set(popup) <= {"title", "description", "link"}
            assert popup["link"].startswith("/lieux/lieux/")
        # the canned queries of metadata.yml: none supplies a popup column either (nor writes)
        queries = yaml.safe_load(site.METADATA.read_text(encoding="utf-8"))["databases"]["lieux"].get("queries", {})
        for name, query in queries.items():
            assert not query.get("write"), name
            sql = query["sql"] if isinstance(query, dict) else query
            params = {p: "" for p in re.findall(r":(\w+)", sql)}
            columns = [d[0] for d in conn.execute(sql, params).description]
            assert "popup" not in columns, name


@pytest.mark.asyncio
async def test_canned_queries_of_metadata_answer_on_the_public_instance(public):
    queries = yaml.safe_load(site.METADATA.read_text(encoding="utf-8"))["databases"]["lieux"].get("queries", {})
    for name, query in queries.items():
        params = {p: "G" for p in re.findall(r":(\w+)", query["sql"])}
        r = await public.client.get(f"/lieux/{name}.json?_shape=array&" + urllib.parse.urlencode(params))
        assert r.status_code == 200, (name, r.text[:200])


@pytest.mark.parametrize("english,french", [
    ("Cannot sort table by nope", "Impossible de trier par « nope »"),
    ("no such column: inner.x", "Colonne inconnue : « x »"),
    ("execute-sql", "SQL libres sont fermées"),
    ("something new", "Requête invalide : something new"),
])
def test_translations(english, french):
    assert french in translate(english)


def test_micro_cache_of_the_search_page(public, monkeypatch):
    """A page is answered from memory for as long as its Cache-Control says (with the seconds it has left);
    cookies, other paths, answers without a public max-age and expired pages are not."""
    import asyncio

    from plugins import cache_pages

    calls = []
    clock = [1_000_000.0]
    monkeypatch.setattr(cache_pages.time, "time", lambda: clock[0])

    async def app(scope, receive, send):
        calls.append(scope["path"] + "?" + scope["query_string"].decode())
        query = scope["query_string"]
        headers = [(b"content-type", b"text/html")]
        if b"erreur" in query:
            status = 500
        else:
            status = 404 if b"rien" in query else 200
            control = b"private, no-store" if b"prive" in query else b"public, max-age=%s" % query.split(b"=")[-1]
            headers.append((b"cache-control", control))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"page"})

    wrapped = cache_pages.micro_cache(app, public)

    async def get(path, query=b"", headers=()):
        sent = []

        async def send(event):
            sent.append(event)
        await wrapped({"type": "http", "method": "GET", "path": path, "query_string": query,
                       "headers": list(headers)}, None, send)
        return sent

    def max_age(sent):
        return dict(sent[0]["headers"])[b"cache-control"]

    async def run():
        for _ in range(3):
            assert (await get("/", b"q=Grenoble&age=120"))[-1]["body"] == b"page"
        assert calls == ["/?q=Grenoble&age=120"]
        clock[0] += 100
        assert max_age(await get("/", b"q=Grenoble&age=120")) == b"public, max-age=20"  # 20 s left
        clock[0] += 20
        await get("/", b"q=Grenoble&age=120")  # expired: made again
        assert calls == ["/?q=Grenoble&age=120"] * 2
        calls.clear()
        for query in (b"q=rien&age=60", b"q=rien&age=60"):  # nothing found is an answer too
            await get("/", query)
        for query in (b"q=x&age=0", b"q=x&age=0", b"q=prive", b"q=prive", b"q=erreur", b"q=erreur"):
            await get("/", query)
        await get("/", b"q=Grenoble&age=120", [(b"cookie", b"ds_actor=x")])
        await get("/lieux/lieux", b"age=60")
        await get("/lieux/lieux", b"age=60")
        assert calls == ["/?q=rien&age=60", "/?q=x&age=0", "/?q=x&age=0", "/?q=prive", "/?q=prive", "/?q=erreur",
                         "/?q=erreur", "/?q=Grenoble&age=120", "/lieux/lieux?age=60", "/lieux/lieux?age=60"]

    cache_pages.clear()
    asyncio.run(run())
    assert len(cache_pages.CACHE) == 2


@pytest.mark.asyncio
async def test_micro_cache_keeps_the_share_link_of_each_host(public):
    """The search page's share link is absolute: a page asked through one host name is never given to another."""
    from datasette.plugins import pm

    served = next(m for m in pm.get_plugins() if getattr(m, "micro_cache", None) and hasattr(m, "CACHE"))
    served.clear()
    for host in ("annuaire.example.fr", "127.0.0.1:8001", "annuaire.example.fr"):
        r = await public.client.get("/?q=Paris", headers={"host": host})
        assert r.status_code in (200, 300)
        assert f"http://{host}/?q=Paris" in r.text, host
    assert len(served.CACHE) == 2


def test_micro_cache_holds_a_bounded_weight_of_pages(monkeypatch):
    """At most MAX_BYTES of pages: the least recently used go first."""
    from plugins import cache_pages

    monkeypatch.setattr(cache_pages, "MAX_BYTES", 100)
    cache_pages.clear()
    start = {"type": "http.response.start", "status": 200, "headers": []}
    for key in "abc":
        cache_pages.remember(key, 2e9, start, b"x" * 40, frozenset())
    assert list(cache_pages.CACHE) == ["b", "c"] and cache_pages._size[0] == 80
    assert cache_pages.recall("b", 1e9) is not None  # b is now the most recently used
    cache_pages.remember("d", 2e9, start, b"x" * 30, frozenset())
    assert list(cache_pages.CACHE) == ["b", "d"] and cache_pages._size[0] == 70
    cache_pages.remember("b", 2e9, start, b"x" * 10, frozenset())  # a page made again replaces its old self
    assert list(cache_pages.CACHE) == ["d", "b"] and cache_pages._size[0] == 40
    assert cache_pages.recall("d", 3e9) is None and cache_pages._size[0] == 10  # expired: dropped
    cache_pages.clear()
    assert cache_pages._size[0] == 0 and not cache_pages.CACHE


def test_micro_cache_lifetime_is_configured(public, monkeypatch):
    """metadata.yml reads `secondes` from LIEUX_CACHE_SECONDES: unset, pages are kept as long as they say; a number
    caps that; 0 turns the cache off (the app is served unwrapped); anything else is refused in French."""
    from plugins import cache_pages

    def app(scope, receive, send):
        raise AssertionError("not called")

    monkeypatch.delenv("LIEUX_CACHE_SECONDES", raising=False)
    assert cache_pages.max_seconds(public) is None
    assert cache_pages.micro_cache(app, public) is not app
    monkeypatch.setenv("LIEUX_CACHE_SECONDES", "300")
    assert cache_pages.max_seconds(public) == 300
    monkeypatch.setenv("LIEUX_CACHE_SECONDES", "0")
    assert cache_pages.micro_cache(app, public) is app
    monkeypatch.setenv("LIEUX_CACHE_SECONDES", "une minute")
    with pytest.raises(ValueError, match="nombre entier de secondes"):
        cache_pages.max_seconds(public)
