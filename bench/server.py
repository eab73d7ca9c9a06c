"""Serve a database as `build.py serve` does (same Datasette configuration), with uvicorn, for the benchmark.

Two differences, both for measuring: datasette-haversine must be installed (its `haversine()`
SQL function is the full-scan baseline), and the SQL time limit is raised so that the full scan
on 1,000,000 lieux finishes instead of being cut off at 2 s.

Example:
    python -m bench.server /tmp/lieux-public-bench/100000/lieux.db 8765
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from lieux.site import make_datasette

BENCH_SQL_TIME_LIMIT_MS = 120_000


def bench_datasette(db_path):
    import datasette_haversine  # noqa: F401  (fails early when the baseline plugin is missing)

    ds = make_datasette(db_path, sql=True)  # the SQL full-scan baseline needs the trusted instance (serve --sql)
    ds._settings["sql_time_limit_ms"] = BENCH_SQL_TIME_LIMIT_MS
    ds.sql_time_limit_ms = BENCH_SQL_TIME_LIMIT_MS  # Datasette 0.65 reads this copy, made at start
    return ds


if __name__ == "__main__":
    db_path, port = sys.argv[1], int(sys.argv[2])
    ds = bench_datasette(db_path)
    asyncio.run(ds.invoke_startup())
    # As `datasette serve` runs it (one worker, lifespan on), without the per-request access log.
    uvicorn.run(ds.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on",
                workers=1)
