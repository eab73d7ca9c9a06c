"""The benchmark's own checks, on a small database (no timing asserted: bench/ is run by hand)."""

from __future__ import annotations

import pytest

from bench import run
from bench.synthetic_db import build

pytest.importorskip("datasette_haversine", reason="datasette-haversine absent : pip install -e '.[bench]'")


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    return build(tmp_path_factory.mktemp("bench") / "lieux.db", 2000, seed=3)


def test_rtree_and_full_scans_give_the_same_answers(small_db):
    # bench_queries asserts that the R*Tree, datasette-haversine and pure SQL answers are identical.
    points = run.query_points(small_db, 60, seed=4)
    result = run.bench_queries(small_db, points)
    assert result["rtree"]["samples"] == 60
    assert set(result) == {"rtree", "full_scan_haversine", "full_scan_sql"}


@pytest.mark.asyncio
async def test_in_process_series_answer_200(small_db):
    result = await run.bench_asgi(small_db, run.query_points(small_db, 5, seed=5))
    assert set(result) == {"proches", "versions", "full_scan_haversine"}


def test_markdown_table():
    q = {"median_ms": 0.2, "p99_ms": 0.5, "samples": 10}
    result = {"size": 100000, "queries": {"rtree": q, "full_scan_haversine": {**q, "median_ms": 120.0},
                                          "full_scan_sql": {**q, "median_ms": 40.0}},
              "asgi": {"proches": q, "versions": q, "full_scan_haversine": q},
              "http": {"proches": q, "versions": q, "full_scan_haversine": q,
                       "load": {"proches": 450.0, "versions": 500.0}}}
    table = run.markdown([result])
    assert "| 100\u202f000 |" in table and "×600" in table and "90%" in table


def test_alternated_rounds_add_up():
    """bench/load.py --comparer: the rounds of one profile are added up into one result (answers, time, errors)."""
    from bench import load

    def part(latencies, elapsed, errors=(), hostile=None):
        return {"elapsed": elapsed, "latencies": list(latencies), "rate": len(latencies) / elapsed,
                "errors": list(errors), "per_model": {"/?q={commune}": list(latencies)}, "hostile_errors": [],
                "hostile_statuses": hostile or {}}

    total = load.combined([part([0.01] * 30, 2.0), part([0.02] * 10, 2.0, ["500 /?q=x"], {403: 2}),
                           part([], 1.0, hostile={403: 1, 400: 4})])
    assert total["elapsed"] == 5.0 and len(total["latencies"]) == 40 and total["rate"] == 8.0
    assert total["per_model"]["/?q={commune}"] == [0.01] * 30 + [0.02] * 10
    assert total["errors"] == ["500 /?q=x"] and total["hostile_statuses"] == {403: 3, 400: 4}
