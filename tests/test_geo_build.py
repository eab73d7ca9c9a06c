"""The reference lists built with the reference geography: every lieu placed, checked and explained."""

import json
import sqlite3

import pytest
import shapely
from shapely.geometry import shape

from lieux.geo import QUALITES
from tests.conftest import requires_reference, run_build

pytestmark = requires_reference


def query(db_path, sql, params=()):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def polygons(geography):
    return geography.departement_shapes


def test_at_least_98_percent_of_kept_points_lie_in_their_departement(reference_db, polygons):
    rows = query(reference_db, "select departement_code, longitude, latitude from lieux where qualite_geo = 'source' or qualite_geo like 'corrigee-%'")
    assert len(rows) > 2800
    inside = sum(shapely.contains_xy(polygons[d], lon, lat) for d, lon, lat in rows)   # strict: no tolerance here
    assert inside / len(rows) >= 0.98, f"{inside}/{len(rows)}"


def test_every_lieu_has_a_departement_and_its_names(reference_db):
    assert query(reference_db, """select count(*) from lieux l left join departements d on d.code = l.departement_code
                                  where d.code is null or l.departement_nom is null or l.region_nom is null""") == [(0,)]


def test_no_lieu_at_zero_or_outside_france(reference_db, polygons):
    france = shapely.union_all(list(polygons.values())).buffer(0.01)
    rows = query(reference_db, "select id, longitude, latitude from lieux where latitude is not null")
    outside = [r for r in rows if not shapely.contains_xy(france, r[1], r[2])]
    assert outside == []
    assert query(reference_db, "select count(*) from lieux where latitude = 0 or longitude = 0") == [(0,)]


def test_overseas_lieux_keep_overseas_coordinates(reference_db, polygons):
    rows = query(reference_db, "select id, departement_code, longitude, latitude from lieux where departement_code like '97_'")
    assert {r[1] for r in rows} >= {"971", "973", "974", "976"}
    for id_, departement, lon, lat in rows:
        assert polygons[departement].distance(shapely.Point(lon, lat)) < 0.01, id_


def test_every_lieu_has_a_qualite_geo_and_a_reason(reference_db):
    assert query(reference_db, "select count(*) from lieux where qualite_geo is null or qualite_geo_motif is null") == [(0,)]
    assert {q for (q,) in query(reference_db, "select distinct qualite_geo from lieux")} <= set(QUALITES)


def test_sources_table_counts_every_lieu_once(reference_db):
    columns = ", ".join(f"geo_{q.replace('-', '_')}" for q in QUALITES)
    # the geography columns count the loaded lieux (source rows before merging, the `membres` table), not the
    # rows of an older vintage the merge then leaves out (rejected, code millesime-remplace)
    rows = query(reference_db, f"""select id, (select count(*) from membres where source_id = s.id),
                                  {columns} from sources s where statut = 'ok'""")
    assert sum(r[1] for r in rows) > 2800
    for source, lieux, *counts in rows:
        assert sum(counts) == lieux, source


def test_moved_points_are_corrections(reference_db):
    # cnfs.json record 1303: Saint-Benoît (97470) geocoded in Alpes-de-Haute-Provence (INSEE 04174)
    [(insee, dep, qualite, lat)] = query(reference_db, "select code_insee, departement_code, qualite_geo, latitude from lieux where id = 'conseillers-numeriques-1303'")
    assert (insee, dep, qualite) == ("97410", "974", "centre_commune") and lat < -20
    motifs = query(reference_db, "select champ, valeur_source, valeur_retenue from corrections where source = 'conseillers-numeriques' and ligne = (select ligne from corrections where valeur_source = '04174')")
    assert ("code_insee", "04174", "97410") in motifs
    assert ("latitude", "43.9653", str(lat)) in motifs


def test_a_restored_leading_zero_is_checked_against_the_postcode_base(reference_db):
    # cnfs.json: "code_postal": 3450 for Saint-Pourçain-sur-Sioule, whose postcode is 03500
    [(motif,)] = query(reference_db, "select motif from corrections where champ = 'code_postal' and valeur_source = '03450'")
    assert "n'est pas celui de la commune Saint-Pourçain-sur-Sioule" in motif and "0 initial" in motif
    assert query(reference_db, "select geo_codes_postaux_0_incoherents from sources where id = 'conseillers-numeriques'") == [(3,)]


def test_closing_report_has_the_geography(reference_db):
    report = reference_db.with_suffix(".txt").read_text(encoding="utf-8")
    assert "Géographie des lieux chargés" in report and "centre commune" in report
    assert "Référentiel géographique absent" not in report


def test_reference_tables(reference_db):
    assert query(reference_db, "select count(*) from communes") == [(35014,)]
    assert query(reference_db, "select nom, region_nom, population > 800000 from departements where code = '974'") == [("La Réunion", "La Réunion", 1)]
    [(geometry,)] = query(reference_db, "select geometry from departements where code = '2A'")
    assert shape(json.loads(geometry)).is_valid
    assert query(reference_db, "select count(*) from regions where geometry is not null") == [(18,)]
    assert query(reference_db, "select count(*) from references_geo where statut = 'ok'") == [(8,)]


def test_coverage_view(reference_db):
    rows = {r[0]: r for r in query(reference_db, """select departement_code, lieux, lieux_pour_10000_habitants, france_services,
                                                   conseillers_numeriques from couverture_departements""")}
    assert len(rows) == 101 and {"971", "972", "973", "974", "976"} <= set(rows)
    assert sum(r[1] for r in rows.values()) == query(reference_db, "select count(*) from lieux")[0][0]
    programmes = [json.loads(p or "[]") for (p,) in query(reference_db, "select dispositif_programmes_nationaux from lieux")]
    assert sum(r[3] for r in rows.values()) == sum("France Services" in p for p in programmes) > 1975
    assert sum(r[4] for r in rows.values()) == sum("Conseillers numériques" in p for p in programmes) >= 905
    code, lieux, per_10000, *_ = rows["974"]
    assert lieux > 0 and per_10000 == pytest.approx(lieux * 10000 / query(reference_db, "select population from departements where code = '974'")[0][0], abs=0.01)


def test_offline_demo_says_the_geography_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr("lieux.fetch.CACHE_DIR", tmp_path / "empty-cache")
    output = run_build(tmp_path / "lieux.db", "--demo")
    assert "Référentiel géographique absent" in output and "python build.py fetch" in output
    db = tmp_path / "lieux.db"
    assert query(db, "select count(*) from lieux where departement_code is null") == [(0,)]
    assert query(db, "select distinct qualite_geo from lieux") == [("non_verifiee",)]
    assert query(db, "select count(*) from departements") == [(0,)]


def test_every_lieu_knows_its_hub(reference_db):
    assert query(reference_db, "select count(*) from lieux where hub is null") == [(0,)]
    assert query(reference_db, "select distinct hub from lieux where departement_code = '971'") == [("Hub UltraNumérique | Mednum Antilles",)]
    assert query(reference_db, "select distinct hub from lieux where departement_code = '33'") == [("Hubik",)]


@pytest.mark.asyncio
async def test_hubs_coverage_is_exported_as_geojson(reference_datasette):
    r = await reference_datasette.client.get("/lieux/hubs.geojson?_size=max")
    assert r.status_code == 200
    features = {f["properties"]["nom"]: f for f in r.json()["features"]}
    assert len(features) == 17
    assert shape(features["Hub Corse"]["geometry"]).contains(shapely.Point(8.7369, 41.9192))   # Ajaccio
    assert json.loads(features["Solidarnum"]["properties"]["departements_couverts"]) == ["974", "976"]


def test_commune_centre_is_not_shown_as_a_precise_point(reference_db):
    [(popup,)] = query(reference_db, "select popup from lieux where id = 'conseillers-numeriques-66'")   # Crest, no coordinates
    assert "position approximative : le centre de la commune" in json.loads(popup)["description"]
    assert query(reference_db, "select count(*) from lieux where qualite_geo = 'source' and popup like '%approximative%'") == [(0,)]
