"""nearest() against a brute-force scan computed independently in Python, on random points and filters."""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic_db import build
from lieux import horaires, nearest, openapi
from lieux.texte import receives_public

R = 6371.0088
TOLERANCE_KM = 1e-6
NOW = datetime(2026, 11, 24, 10, 30, tzinfo=timezone.utc)  # a Tuesday: open in metro and overseas alike


def great_circle(lat1, lon1, lat2, lon2):
    """The haversine distance, written in its atan2 form (independent of the SQL one)."""
    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.atan2(math.sqrt(a), math.sqrt(max(0.0, 1 - a)))


def all_rows(db_path):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute(
        "select rowid as _rowid, * from lieux where latitude is not null and longitude is not null")]
    conn.close()
    return rows


def matches(row, filters):
    for field, values in (filters or {}).items():
        if field == nearest.OPEN_NOW:
            if values and (horaires.etat(row["horaires"], row, now=NOW).ouvert is not True
                           or not receives_public(json.loads(row["modalites_acces"] or "[]"))):
                return False
            continue
        have = json.loads(row[field]) if row[field] else []
        if not set(have) & set(values):
            return False
    return True


def brute_force(rows, lat, lon, n, rayon_km=None, filters=None):
    found = []
    for row in rows:
        if not matches(row, filters):
            continue
        d = great_circle(lat, lon, row["latitude"], row["longitude"])
        if rayon_km is None or d <= rayon_km + TOLERANCE_KM:
            found.append((d, row["_rowid"], row["id"]))
    found.sort()
    return found, found[:n]


def assert_same(got, everything, expected, rayon_km=None):
    """Same length, same distances, every strictly closer lieu present; ties at the boundary may differ."""
    exact_distance = {i: d for d, _, i in everything}
    assert len(got) == len(expected) or (
        rayon_km is not None and abs(len(got) - len(expected)) <= sum(
            1 for d, _, _ in everything if abs(d - rayon_km) <= TOLERANCE_KM))
    distances = [g["distance_km"] for g in got]
    assert distances == sorted(distances)
    for g, (d, _, _) in zip(got, expected):
        assert g["distance_km"] == pytest.approx(d, abs=TOLERANCE_KM)
        assert exact_distance[g["id"]] == pytest.approx(g["distance_km"], abs=TOLERANCE_KM)
    if expected:
        boundary = expected[-1][0]
        ids = {g["id"] for g in got}
        assert {i for d, _, i in expected if d < boundary - TOLERANCE_KM} <= ids


points = st.one_of(
    st.tuples(st.floats(41.0, 52.0), st.floats(-6.0, 10.0)),            # metropolitan France
    st.tuples(st.floats(14.0, 17.0), st.floats(-62.0, -60.5)),          # Antilles
    st.tuples(st.floats(2.0, 6.0), st.floats(-55.0, -51.0)),            # Guyane
    st.tuples(st.floats(-21.5, -12.5), st.floats(44.5, 56.0)),          # Réunion, Mayotte
    st.tuples(st.floats(-90.0, 90.0), st.floats(-180.0, 180.0)),        # anywhere
    st.tuples(st.floats(-20.0, 20.0), st.sampled_from([-180.0, -179.99, 179.99, 180.0])),  # antimeridian
    st.tuples(st.sampled_from([-90.0, -89.9, 89.9, 90.0]), st.floats(-180.0, 180.0)),      # poles
)
filters = st.dictionaries(
    st.sampled_from(openapi.FILTERS),
    st.lists(st.sampled_from(openapi.vocabulary("services") + openapi.vocabulary("frais_a_charge")
                             + openapi.vocabulary("publics_specifiquement_adresses")), min_size=1, max_size=3),
    max_size=2,
).map(lambda f: {k: [v for v in vs if v in openapi.vocabulary(k)] or list(openapi.vocabulary(k)[:1])
                 for k, vs in f.items()})
radii = st.one_of(st.none(), st.floats(0.05, 25000.0))


@pytest.fixture(scope="module")
def world_db(tmp_path_factory):
    """3,000 fictional lieux: France and overseas, plus points anywhere, near the poles and the antimeridian."""
    return build(tmp_path_factory.mktemp("world") / "lieux.db", 3000, seed=5, world=True)


@pytest.fixture(scope="module")
def world(world_db):
    conn = sqlite3.connect(world_db)
    yield conn, all_rows(world_db)
    conn.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(point=points, n=st.integers(1, 40), rayon_km=radii, chosen=filters, open_now=st.booleans())
def test_nearest_equals_brute_force(world, point, n, rayon_km, chosen, open_now):
    conn, rows = world
    lat, lon = point
    wanted = dict(chosen)
    if open_now:
        wanted[nearest.OPEN_NOW] = True
    got = nearest.nearest(conn, lat, lon, n=n, rayon_km=rayon_km, filters=wanted, now=NOW)
    everything, expected = brute_force(rows, lat, lon, n, rayon_km, wanted)
    assert_same(got, everything, expected, rayon_km)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(point=points, n=st.integers(1, 25), rayon_km=radii)
def test_nearest_on_the_reference_lists(reference_db, point, n, rayon_km):
    conn = sqlite3.connect(reference_db)
    try:
        got = nearest.nearest(conn, point[0], point[1], n=n, rayon_km=rayon_km)
    finally:
        conn.close()
    everything, expected = brute_force(all_rows(reference_db), point[0], point[1], n, rayon_km)
    assert_same(got, everything, expected, rayon_km)


def test_rows_are_decoded_and_nearest_first(world):
    conn, _ = world
    got = nearest.nearest(conn, 45.19, 5.72, n=5)
    assert len(got) == 5
    assert [g["distance_km"] for g in got] == sorted(g["distance_km"] for g in got)
    assert all(isinstance(g["sources"], list) for g in got)
    assert all(g["services"] is None or isinstance(g["services"], list) for g in got)


def test_radius_limits_the_answer(world):
    conn, rows = world
    got = nearest.nearest(conn, 48.85, 2.35, n=40, rayon_km=30)
    assert got and all(g["distance_km"] <= 30 for g in got)
    assert len(got) == len(brute_force(rows, 48.85, 2.35, 40, 30)[1])


def test_unknown_filter_field_is_refused(world):
    conn, _ = world
    with pytest.raises(ValueError, match="Unknown filter field"):
        nearest.nearest(conn, 45, 5, filters={"nom": ["x"]})


def test_cap_box_splits_at_the_antimeridian():
    boxes = nearest.cap_box(-13.3, 179.5, 200)
    assert len(boxes) == 2
    assert boxes[0][3] == 180.0 and boxes[1][2] == -180.0
    assert nearest.cap_box(89.5, 0, 100) == [(pytest.approx(88.6, abs=0.01), 90.0, -180.0, 180.0)]
    assert nearest.cap_box(0, 0, 15000) == [(-90.0, 90.0, -180.0, 180.0)]


def test_sql_and_python_distances_agree(world):
    conn, _ = world
    sql = "select " + nearest.haversine_sql(":lat2", ":lon2")
    for lat1, lon1, lat2, lon2 in [(48.85, 2.35, 45.76, 4.84), (-21.1, 55.5, 16.2, -61.5), (0, 0, 0, 180)]:
        got = conn.execute(sql, {"lat": lat1, "lon": lon1, "lat2": lat2, "lon2": lon2}).fetchone()[0]
        assert got == pytest.approx(great_circle(lat1, lon1, lat2, lon2), abs=1e-9)
    # Paris – Lyon, as published: about 391.5 km
    assert nearest.haversine_km(48.8566, 2.3522, 45.764, 4.8357) == pytest.approx(391.5, abs=1)
