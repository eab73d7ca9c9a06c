"""The quality pages (/qualite): counts per source, errors by kind, links to the rejected rows."""

from __future__ import annotations

import csv
import html
import re
import shutil
import sqlite3
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlite_utils

from lieux import site
from tests.conftest import REFERENCE, requires_reference, run_build

EXAMPLE = REFERENCE / "standard-mediation-num" / "exemple-valide.csv"


def links(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', text)]


def query(db, sql, params=()):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.asyncio
async def test_list_page_shows_every_source_with_its_counts(demo_datasette, demo_db):
    r = await demo_datasette.client.get("/qualite")
    assert r.status_code == 200
    text = r.text
    assert "<h1>Qualité des sources</h1>" in text
    [(read, loaded, rejected)] = query(demo_db, "select lignes_lues, lignes_chargees, lignes_rejetees from sources where id = 'demo'")
    assert (read, loaded, rejected) == (52, 50, 2)
    row = text[text.index('href="/qualite/demo"'):]
    row = row[:row.index("</tr>")]
    merged = "0" if query(demo_db, "select count(*) from sqlite_master where name = 'membres'")[0][0] else "—"
    assert [c for c in re.findall(r"<td>([^<]*)</td>", row)][2:6] == ["52", "50", "0", merged]
    assert '<a href="/lieux/rejets?source=demo">2</a>' in row
    assert "données fictives" in row.lower()
    assert "demo-banner" in text  # the demo banner of base.html is kept


@pytest.mark.asyncio
async def test_source_page_shows_counts_licence_date_and_errors_by_kind(demo_datasette, demo_db):
    r = await demo_datasette.client.get("/qualite/demo")
    assert r.status_code == 200
    text = r.text
    [(licence, licence_url, when)] = query(demo_db, "select licence, licence_url, telecharge_le from sources where id = 'demo'")
    assert f'<a href="{licence_url}">{licence}</a>' in text
    assert when in text
    assert "contrainte du schéma non respectée" in text
    assert "<code>python build.py validate mon-fichier.csv --schema lieux-mediation-numerique</code>" in text
    kinds = query(demo_db, "select code, champ, count(*) from rejets where source = 'demo' group by code, champ")
    rejet_links = [h for h in links(text) if h.startswith("/lieux/rejets?") and "code=" in h]
    assert len(rejet_links) == len(kinds) == 3
    for href in rejet_links:
        filters = dict(parse_qsl(urlsplit(href).query))
        assert filters["source"] == "demo"
        rows = (await demo_datasette.client.get(f"/lieux/rejets.json?{urlsplit(href).query}&_shape=array")).json()
        expected = [n for code, champ, n in kinds if (code, champ) == (filters["code"], filters["champ"])]
        assert len(rows) == expected[0] and rows[0]["message"] in html.unescape(text)


@pytest.mark.asyncio
async def test_unknown_source_is_a_french_404(demo_datasette):
    r = await demo_datasette.client.get("/qualite/inconnue")
    assert r.status_code == 404
    assert "Source inconnue : inconnue" in r.text


@requires_reference
@pytest.mark.asyncio
async def test_links_count_what_the_page_says_on_the_reference_build(reference_datasette, reference_db):
    text = (await reference_datasette.client.get("/qualite")).text
    for source_id in ("mediation-numerique", "france-services", "conseillers-numeriques"):
        assert f'href="/qualite/{source_id}"' in text
    page = (await reference_datasette.client.get("/qualite/conseillers-numeriques")).text
    [(rejected,)] = query(reference_db, "select lignes_rejetees from sources where id = 'conseillers-numeriques'")
    assert rejected > 0 and f'<a href="/lieux/rejets?source=conseillers-numeriques">{rejected}</a>' in page
    shown = re.findall(r'<a href="(/lieux/rejets\?[^"]*code=[^"]*)">(\d+)</a>', page)
    assert shown
    for href, count in shown:
        r = await reference_datasette.client.get(html.unescape(href).replace("/lieux/rejets?", "/lieux/rejets.json?") + "&_size=0")
        assert r.json()["filtered_table_rows_count"] == int(count), href


@requires_reference
@pytest.mark.asyncio
async def test_source_data_is_escaped(tmp_path, cache_dir):
    with open(EXAMPLE, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, row = reader.fieldnames, next(reader)
    row["code_postal"] = "<script>alert('x')</script>"
    path = tmp_path / "hostile.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    db = tmp_path / "lieux.db"
    run_build(db, "--input", f"mediation-numerique={path}")
    ds = site.make_datasette(db)
    text = (await ds.client.get("/qualite/mediation-numerique")).text
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text


@pytest.mark.asyncio
async def test_merged_count_is_read_from_the_database_when_present(demo_db, tmp_path):
    db = tmp_path / "lieux.db"
    shutil.copy(demo_db, db)
    # the merge step's `membres` table: one row per source row with the lieu it went into. Here two demo rows
    # and one row of another list make one lieu, a third demo row stays alone: 2 demo rows are merged.
    membres = sqlite_utils.Database(db)["membres"]
    if membres.exists():
        membres.delete_where()
    membres.insert_all([
        {"lieu_id": "demo-001", "source_id": "demo", "cle": "demo-001"},
        {"lieu_id": "demo-001", "source_id": "demo", "cle": "demo-009"},
        {"lieu_id": "demo-001", "source_id": "france-services", "cle": "france-services-4"},
        {"lieu_id": "demo-002", "source_id": "demo", "cle": "demo-002"},
    ], alter=True)
    ds = site.make_datasette(db)
    text = (await ds.client.get("/qualite/demo")).text
    assert "<th scope=\"row\">Lignes fusionnées avec d'autres en un même lieu</th><td>2</td>" in text
    listing = (await ds.client.get("/qualite")).text
    row = listing[listing.index('href="/qualite/demo"'):]
    assert re.findall(r"<td>([^<]*)</td>", row[:row.index("</tr>")])[5] == "2"


@pytest.mark.asyncio
async def test_links_respect_base_url(demo_db):
    from datasette.app import Datasette

    ds = Datasette(immutables=[str(demo_db)], plugins_dir=str(site.PLUGINS_DIR), template_dir=str(site.TEMPLATES_DIR),
                   settings={"base_url": "/annuaire/"})
    text = (await ds.client.get("/qualite")).text
    assert 'href="/annuaire/qualite/demo"' in text and 'href="/annuaire/lieux/rejets?source=demo"' in text
