"""Build every reference list with the reference geography (local files of ../shared) and measure the geography.

Run by hand: .venv/bin/python bench/geo_reference_build.py [/tmp/geo-reference.db]
Prints the build's closing report, then: lieux whose point is strictly inside their département's polygon
(no tolerance), lieux without département, without point, at (0, 0), and the time taken.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import shapely
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build import cli  # noqa: E402
from lieux.geo.data import read_json, shapes_by_code  # noqa: E402
from tests.reference_inputs import GEO_REFERENCE_INPUTS, REFERENCE_INPUTS  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference"


def main():
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "lieux.db"
    args = ["build", "--quiet", "--db", str(db)]
    for source_id, relative in {**REFERENCE_INPUTS, **GEO_REFERENCE_INPUTS}.items():
        args += ["--input", f"{source_id}={REFERENCE / relative}"]
    t0 = time.perf_counter()
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    elapsed = time.perf_counter() - t0
    print(result.output)
    shapes = shapes_by_code(read_json(REFERENCE / GEO_REFERENCE_INPUTS["geo-departements-contours"]))
    with sqlite3.connect(db) as conn:
        kept = conn.execute("select departement_code, longitude, latitude from lieux where qualite_geo = 'source' or qualite_geo like 'corrigee%'").fetchall()
        inside = sum(bool(shapely.contains_xy(shapes[d], x, y)) for d, x, y in kept)
        total, no_dep, no_point, zero = conn.execute(
            "select count(*), sum(departement_code is null), sum(latitude is null), sum(latitude = 0 or longitude = 0) from lieux").fetchone()
    print(f"{total} lieux ; points source/corrigee strictement dans leur département : {inside}/{len(kept)} "
          f"({inside / len(kept):.2%}) ; sans département : {no_dep} ; sans point : {no_point} ; à 0 : {zero} ; "
          f"construction en {elapsed:.1f} s")


if __name__ == "__main__":
    main()
