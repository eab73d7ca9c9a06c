"""locate(): a commune, a postcode or free text to a point; from the lieux, then from the communes table."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from lieux import communes
from lieux.nearest import haversine_km


@pytest.fixture
def demo_conn(demo_db):
    conn = sqlite3.connect(demo_db)
    yield conn
    conn.close()


def centroid(conn, where, params):
    return conn.execute(f"select avg(latitude), avg(longitude) from lieux where {where}", params).fetchone()


@pytest.mark.parametrize("kwargs,label", [
    ({"code_postal": "38000"}, "Grenoble (38000)"),
    ({"commune": "Grenoble"}, "Grenoble"),
    ({"commune": "  GRENOBLE "}, "Grenoble"),
    ({"q": "38000"}, "Grenoble (38000)"),
    ({"q": "12 place Victor Hugo, 38000 Grenoble"}, "Grenoble (38000)"),
    ({"q": "12 place Victor Hugo, Grenoble"}, "Grenoble"),
    ({"q": "Pointe-a-Pitre"}, "Pointe-à-Pitre"),
    ({"q": "pointe à pitre"}, "Pointe-à-Pitre"),
])
def test_locate_from_the_lieux(demo_conn, kwargs, label):
    lat, lon, got_label = communes.locate(demo_conn, **kwargs)
    assert got_label == label
    commune = label.split(" (")[0]
    expected = centroid(demo_conn, "commune = ?", [commune])
    assert (lat, lon) == pytest.approx(expected)


@pytest.mark.parametrize("kwargs", [
    {"code_postal": "99999"}, {"commune": "Nulle-Part-sur-Mer"}, {"q": "zzzz"}, {}, {"q": "  "},
])
def test_locate_unknown_is_none(demo_conn, kwargs):
    assert communes.locate(demo_conn, **kwargs) is None


def test_name_key():
    assert communes.name_key("St-Étienne CEDEX 2") == communes.name_key("saint etienne") == "SAINT ETIENNE"
    assert communes.name_key("L'Haÿ-les-Roses") == "L HAY LES ROSES"


@pytest.fixture
def with_communes(demo_db, tmp_path):
    """The demo database plus a communes table shaped as the geography step writes it."""
    path = tmp_path / "lieux.db"
    shutil.copy(demo_db, path)
    conn = sqlite3.connect(path)
    conn.execute("drop table if exists communes")  # the demo build writes an empty one (no geography offline)
    conn.execute("create table communes (code text primary key, nom text, type text, codes_postaux text, "
                 "departement_code text, region_code text, population integer, latitude real, longitude real)")
    rows = [
        ("38544", "Vienne", "commune-actuelle", ["38200"], "38", "84", 30000, 45.5235, 4.8784),
        ("75056", "Paris", "commune-actuelle", [f"750{i:02d}" for i in range(1, 21)], "75", "11", 2100000, 48.8589, 2.347),
        ("75111", "Paris 11e Arrondissement", "arrondissement-municipal", ["75011"], "75", "11", 140000, 48.8591, 2.3797),
        ("93066", "Saint-Denis", "commune-actuelle", ["93200", "93210"], "93", "11", 113000, 48.9295, 2.3592),
        ("97411", "Saint-Denis", "commune-actuelle", ["97400", "97417", "97490"], "974", "04", 153000, -20.9331, 55.4471),
    ]
    conn.executemany("insert into communes values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(*r[:3], json.dumps(r[3]), *r[4:]) for r in rows])
    conn.commit()
    yield conn
    conn.close()


def test_locate_uses_the_communes_table_when_present(with_communes):
    assert communes.gazetteer(with_communes).source == "communes"
    assert communes.locate(with_communes, commune="Vienne") == (45.5235, 4.8784, "Vienne (38200)")
    assert communes.locate(with_communes, commune="38544")[:2] == (45.5235, 4.8784)
    # A postcode: the most precise commune having it (the arrondissement, not the whole of Paris).
    assert communes.locate(with_communes, code_postal="75011") == (48.8591, 2.3797, "Paris 11e Arrondissement (75011)")
    # Homonyms: the most populous, unless the postcode says which.
    assert communes.locate(with_communes, q="Saint-Denis")[:2] == (-20.9331, 55.4471)
    assert communes.locate(with_communes, q="93200 Saint-Denis")[:2] == (48.9295, 2.3592)
    # Not in this communes table: found through the lieux (the reference lacks CEDEX and business postcodes)
    assert communes.locate(with_communes, commune="Grenoble")[2] == "Grenoble"
    assert communes.locate(with_communes, commune="Trifouilly-les-Oies") is None


def test_empty_communes_table_falls_back_to_the_lieux(with_communes):
    with_communes.execute("delete from communes")
    with_communes.commit()
    assert communes.gazetteer(with_communes).source == "lieux"
    assert communes.locate(with_communes, commune="Grenoble")[2] == "Grenoble"


def test_postcode_centre_is_near_its_lieux(reference_db):
    # Lieux whose postcode is not their commune's (flagged in `corrections`, e.g. « 04800 » for Aire-sur-l'Adour
    # in the 2020 France Services list) are left out: they are where their commune is, not their postcode.
    conn = sqlite3.connect(reference_db)
    try:
        for (cp,) in conn.execute("select distinct code_postal from lieux where latitude is not null limit 200"):
            lat, lon, _ = communes.locate(conn, code_postal=cp)
            lats = conn.execute("""
                select latitude, longitude from lieux l where code_postal = ? and latitude is not null and not exists (
                  select 1 from membres m join corrections c on c.source = m.source_id and c.ligne = m.ligne
                  where m.lieu_id = l.id and c.schema = 'lieux-mediation-numerique' and c.champ = 'code_postal'
                    and c.motif like 'incohérence%')""", [cp]).fetchall()
            if not lats:
                continue
            assert min(haversine_km(lat, lon, a, b) for a, b in lats) < 100
    finally:
        conn.close()
