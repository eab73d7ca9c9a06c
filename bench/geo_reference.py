"""Time the geography's fixed costs: reading the reference files and writing the reference tables.

Run by hand: .venv/bin/python bench/geo_reference.py [/tmp/bench-geo.db]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lieux.geo import tables  # noqa: E402
from lieux.geo.data import load_geography  # noqa: E402
from tests.reference_inputs import GEO_REFERENCE_INPUTS  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference"


def main():
    t0, c0 = time.perf_counter(), time.process_time()
    geo = load_geography({k: REFERENCE / v for k, v in GEO_REFERENCE_INPUTS.items()})
    t1, c1 = time.perf_counter(), time.process_time()
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "bench-geo.db"
    path.unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    tables.create_tables(db, geo, {})
    db.conn.commit()
    t2, c2 = time.perf_counter(), time.process_time()
    print(f"lecture du référentiel : {t1 - t0:.2f} s (CPU {c1 - c0:.2f} s) ; "
          f"tables communes/departements/regions : {t2 - t1:.2f} s (CPU {c2 - c1:.2f} s) "
          f"({db['communes'].count} communes) ; base {path.stat().st_size / 1e6:.1f} Mo")


if __name__ == "__main__":
    main()
