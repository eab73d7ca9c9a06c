"""What the calendar costs: "open" with each territory's time zone and public holidays, per lieu and per search.

Run by hand on a built database: .venv/bin/python bench/horaires_calendrier.py --db lieux.db
Prints, over every lieu with hours: the time of one state (horaires.etat: territory, local time, holiday,
opening_hours) on an ordinary day and on a public holiday; then /api/proches' search (nearest.nearest) for
the 10 nearest lieux open now, open at a date, open on a holiday, and without the filter, from 200 points
drawn among the lieux themselves.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lieux import horaires, nearest  # noqa: E402


def per_call(rows, **when) -> float:
    t = time.perf_counter()
    for row in rows:
        horaires.etat(row["horaires"], row, **when)
    return (time.perf_counter() - t) / len(rows) * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--points", type=int, default=200)
    args = parser.parse_args()
    conn = sqlite3.connect(args.db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute(
        "select horaires, departement_code, code_insee, code_postal, latitude, longitude from lieux")]
    with_hours = [r for r in rows if r["horaires"]]
    print(f"{len(rows)} lieux, {len(with_hours)} avec horaires")
    per_call(with_hours, local=datetime(2026, 11, 24, 10))  # warm the caches (parsing, holiday years)
    print(f"état d'un lieu, jour ordinaire : {per_call(with_hours, local=datetime(2026, 11, 24, 10)):.1f} µs")
    print(f"état d'un lieu, jour férié      : {per_call(with_hours, local=datetime(2026, 12, 25, 10)):.1f} µs")
    print(f"état d'un lieu, maintenant      : {per_call(with_hours, now=datetime.now(timezone.utc)):.1f} µs")
    random.seed(1)
    points = [(r["latitude"], r["longitude"]) for r in random.sample([r for r in rows if r["latitude"] is not None],
                                                                         args.points)]
    conn.row_factory = None
    for label, filters in (("sans filtre", None), ("ouvert=maintenant", {nearest.OPEN_NOW: True}),
                           ("ouvert=2026-11-24T10:00", {nearest.OPEN_AT: datetime(2026, 11, 24, 10)}),
                           ("ouvert=2026-12-25T10:00 (férié)", {nearest.OPEN_AT: datetime(2026, 12, 25, 10)})):
        times = []
        for lat, lon in points:
            t = time.perf_counter()
            nearest.nearest(conn, lat, lon, n=10, filters=filters)
            times.append(time.perf_counter() - t)
        times.sort()
        print(f"10 plus proches, {label:32} médiane {times[len(times) // 2] * 1000:6.2f} ms, "
              f"p95 {times[int(len(times) * 0.95)] * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
