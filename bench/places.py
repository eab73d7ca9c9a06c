"""Time the place search: loading the directory of a built database, then resolving typed texts.

Run by hand on a database built with the reference geography:
    .venv/bin/python bench/places.py lieux.db
Prints the directory load time (once per database, then cached) and the median / p99 time of
`places.resolve` over every commune name, every "name (département)" form and every postcode.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lieux import places  # noqa: E402


def timed(directory, texts):
    times = []
    for text in texts:
        t = time.perf_counter()
        places.resolve(directory, text)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)], len(times)


def main():
    conn = sqlite3.connect(sys.argv[1])
    t = time.perf_counter()
    directory = places.load_directory(conn)
    print(f"directory: {len(directory.communes)} communes, {sum(map(len, directory.former.values()))} anciennes "
          f"communes, loaded in {time.perf_counter() - t:.2f} s")
    communes = [c for c in directory.communes.values() if c.type == "commune-actuelle"]
    cases = {
        "names": [c.nom for c in communes],
        "name (département)": [f"{c.nom} ({c.departement})" for c in communes],
        "postcodes": sorted(directory.postcodes),
        "addresses": [f"12 rue de la Gare {c.codes_postaux[0]} {c.nom}" for c in communes if c.codes_postaux][::10],
    }
    for name, texts in cases.items():
        median, p99, n = timed(directory, texts)
        print(f"{name:20} {n:6} texts  median {median:.3f} ms  p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
