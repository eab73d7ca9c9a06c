"""Benchmark of /api/proches against a full-scan haversine query, on synthetic databases (run by hand).

For each size (20,000, 100,000 and 1,000,000 fictional lieux by default), on the same database
and the same random points, side by side:

1. the query alone, in-process on a sqlite3 connection: `nearest()` (R*Tree + exact haversine in
   SQL) against the datasette-haversine way (its Python `haversine()` registered on the
   connection, `order by haversine(...) limit 10` over every row), and a full scan in pure SQL;
2. the request in-process through Datasette's ASGI client: /api/proches against the full scan
   through Datasette's SQL JSON API (/lieux.json?sql=...);
3. over HTTP on loopback (uvicorn, as `build.py serve`): the same two, one keep-alive connection;
4. requests per second under a bounded load (a fixed number of keep-alive connections for a
   fixed time) for /api/proches next to Datasette's own /-/versions.json on the same server.

Latencies are medians and 99th percentiles in milliseconds. The answers of the three in-process
methods are compared on every sampled point (same ids in the same order) before any number is
printed. Results go to stdout as a Markdown table and to --out as JSON.

Example:
    python -m bench.run --sizes 20000,100000,1000000 --out bench/results.json
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.synthetic_db import build
from lieux import nearest

ROOT = Path(__file__).resolve().parent.parent
N = 10
FULL_SCAN_BUDGET_S = 20.0  # time allowed per full-scan series (the full scan is slow by design)
FULL_SCAN_SQL = ("select id from lieux where latitude is not null "
                 "order by haversine(latitude, longitude, :lat, :lon), rowid limit :n")
PURE_SQL = ("select id from lieux where latitude is not null order by "
            + nearest.haversine_sql("latitude", "longitude") + ", rowid limit :n")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(samples_s) -> dict:
    ms = [s * 1000 for s in samples_s]
    return {"median_ms": statistics.median(ms), "p99_ms": percentile(ms, 99), "samples": len(ms)}


def query_points(db_path: Path, count: int, seed: int = 1) -> list[tuple[float, float]]:
    """Points where people search: near existing lieux (jittered), and a fifth anywhere in metropolitan France."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db_path)
    total = conn.execute("select max(rowid) from lieux").fetchone()[0]
    points = []
    while len(points) < count:
        if rng.random() < 0.2:
            points.append((rng.uniform(42.5, 51.0), rng.uniform(-4.5, 8.0)))
            continue
        row = conn.execute("select latitude, longitude from lieux where rowid = ?", [rng.randint(1, total)]).fetchone()
        if row and row[0] is not None:
            points.append((row[0] + rng.gauss(0, 0.05), row[1] + rng.gauss(0, 0.05)))
    conn.close()
    return points


def open_like_datasette(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True, check_same_thread=False)
    from datasette_haversine import haversine_sql

    conn.create_function("haversine", 4, haversine_sql)
    return conn


def timed(fn, points, budget_s=None):
    samples, answers = [], []
    start = time.perf_counter()
    for lat, lon in points:
        t = time.perf_counter()
        answers.append(fn(lat, lon))
        samples.append(time.perf_counter() - t)
        if budget_s and time.perf_counter() - start > budget_s and len(samples) >= 5:
            break
    return samples, answers


def bench_queries(db_path: Path, points) -> dict:
    conn = open_like_datasette(db_path)
    for lat, lon in points:  # warm the page cache, as a serving process is (the HTTP series do the same)
        nearest.nearest(conn, lat, lon, n=N)
    rtree_s, rtree_ids = timed(lambda lat, lon: [r["id"] for r in nearest.nearest(conn, lat, lon, n=N)], points)
    scan_s, scan_ids = timed(lambda lat, lon: [r[0] for r in conn.execute(
        FULL_SCAN_SQL, {"lat": lat, "lon": lon, "n": N})], points, FULL_SCAN_BUDGET_S)
    pure_s, pure_ids = timed(lambda lat, lon: [r[0] for r in conn.execute(
        PURE_SQL, {"lat": lat, "lon": lon, "n": N})], points, FULL_SCAN_BUDGET_S)
    conn.close()
    for i, ids in enumerate(scan_ids):
        assert ids == rtree_ids[i], f"full scan and R*Tree differ at {points[i]}: {ids} != {rtree_ids[i]}"
    for i, ids in enumerate(pure_ids):
        assert ids == rtree_ids[i], f"pure SQL scan and R*Tree differ at {points[i]}"
    return {"rtree": summary(rtree_s), "full_scan_haversine": summary(scan_s), "full_scan_sql": summary(pure_s)}


def proches_path(lat, lon):
    return "/api/proches?" + urlencode({"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "n": N})


def scan_path(lat, lon):
    sql = FULL_SCAN_SQL.replace(":lat", f"{lat:.6f}").replace(":lon", f"{lon:.6f}").replace(":n", str(N))
    return "/lieux.json?" + urlencode({"sql": sql, "_shape": "array"})


async def bench_asgi(db_path: Path, points) -> dict:
    from bench.server import bench_datasette

    ds = bench_datasette(db_path)
    await ds.invoke_startup()

    async def series(make_path, budget_s=None):
        samples, start = [], time.perf_counter()
        for lat, lon in points:
            t = time.perf_counter()
            r = await ds.client.get(make_path(lat, lon))
            samples.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text[:300]
            if budget_s and time.perf_counter() - start > budget_s and len(samples) >= 5:
                break
        return samples

    await series(proches_path)  # warm-up: every point once
    return {"proches": summary(await series(proches_path)),
            "versions": summary(await series(lambda lat, lon: "/-/versions.json")),
            "full_scan_haversine": summary(await series(scan_path, FULL_SCAN_BUDGET_S))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.server", str(db_path), str(port)], cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/-/versions.json")
            if c.getresponse().status == 200:
                c.close()
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the benchmark server did not start")


def http_series(port, paths, budget_s=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    samples, start = [], time.perf_counter()
    for path in paths:
        t = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        samples.append(time.perf_counter() - t)
        assert response.status == 200, path
        if budget_s and time.perf_counter() - start > budget_s and len(samples) >= 5:
            break
    conn.close()
    return samples


def load_worker(port, paths, duration_s, queue):
    """One keep-alive connection sending requests back to back for duration_s; reports how many answered 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    done, errors, i = 0, 0, 0
    end = time.perf_counter() + duration_s
    while time.perf_counter() < end:
        conn.request("GET", paths[i % len(paths)])
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            errors += 1
        i += 1
    conn.close()
    queue.put((done, errors))


def load(port, paths, connections, duration_s) -> dict:
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=load_worker, args=(port, paths, duration_s, queue))
               for _ in range(connections)]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    done, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    return {"requests_per_s": done / duration_s, "errors": errors}


def bench_http(db_path: Path, points, connections: int, duration_s: float) -> dict:
    process, port = start_server(db_path)
    try:
        proches = [proches_path(lat, lon) for lat, lon in points]
        http_series(port, proches)  # warm-up: every point once
        out = {
            "proches": summary(http_series(port, proches)),
            "versions": summary(http_series(port, ["/-/versions.json"] * len(points))),
            "full_scan_haversine": summary(http_series(port, [scan_path(lat, lon) for lat, lon in points],
                                                       FULL_SCAN_BUDGET_S)),
        }
        # Alternate the two loads twice so that neither gets a warmer or quieter machine.
        rates = {"versions": [], "proches": []}
        for _ in range(2):
            rates["versions"].append(load(port, ["/-/versions.json"], connections, duration_s)["requests_per_s"])
            rates["proches"].append(load(port, proches, connections, duration_s)["requests_per_s"])
        out["load"] = {k: statistics.mean(v) for k, v in rates.items()}
        out["load"]["connections"], out["load"]["duration_s"] = connections, duration_s
        return out
    finally:
        process.terminate()
        process.wait(10)


def markdown(results: list[dict]) -> str:
    lines = [
        "| lieux | requête R*Tree (médiane / p99) | balayage complet datasette-haversine (médiane) | rapport | "
        "balayage SQL pur (médiane) | /api/proches en processus (médiane / p99) | balayage via Datasette en processus "
        "(médiane) | /api/proches HTTP (médiane / p99) | /-/versions.json HTTP (médiane) | balayage HTTP (médiane) | "
        "req/s /api/proches | req/s /-/versions.json | rapport req/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        q, a, h = r["queries"], r["asgi"], r["http"]
        ratio = q["full_scan_haversine"]["median_ms"] / q["rtree"]["median_ms"]
        rate = h["load"]["proches"] / h["load"]["versions"]
        lines.append(
            f"| {r['size']:,} | {q['rtree']['median_ms']:.3f} / {q['rtree']['p99_ms']:.3f} ms | "
            f"{q['full_scan_haversine']['median_ms']:.1f} ms | ×{ratio:,.0f} | {q['full_scan_sql']['median_ms']:.1f} ms | "
            f"{a['proches']['median_ms']:.2f} / {a['proches']['p99_ms']:.2f} ms | "
            f"{a['full_scan_haversine']['median_ms']:.1f} ms | "
            f"{h['proches']['median_ms']:.2f} / {h['proches']['p99_ms']:.2f} ms | {h['versions']['median_ms']:.2f} ms | "
            f"{h['full_scan_haversine']['median_ms']:.1f} ms | {h['load']['proches']:.0f} | "
            f"{h['load']['versions']:.0f} | {rate:.0%} |".replace(",", "\u202f"))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20000,100000,1000000")
    parser.add_argument("--dir", default="/tmp/lieux-public-bench", help="where the synthetic databases are kept")
    parser.add_argument("--points", type=int, default=2000, help="query points per series")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections of the load test")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each load run")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        db_path = Path(args.dir) / str(size) / "lieux.db"
        if not db_path.exists():
            t = time.perf_counter()
            build(db_path, size)
            print(f"built {db_path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        points = query_points(db_path, args.points, seed=size)
        print(f"{size}: queries", file=sys.stderr)
        result = {"size": size, "queries": bench_queries(db_path, points)}
        print(f"{size}: in-process requests", file=sys.stderr)
        result["asgi"] = asyncio.run(bench_asgi(db_path, points))
        print(f"{size}: HTTP", file=sys.stderr)
        result["http"] = bench_http(db_path, points, args.connections, args.duration)
        results.append(result)
        print(json.dumps(result), file=sys.stderr)
    meta = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(),
            "machine": platform.machine(), "n": N, "points": args.points}
    if args.out:
        Path(args.out).write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    print(f"\n{meta}")


if __name__ == "__main__":
    main()
