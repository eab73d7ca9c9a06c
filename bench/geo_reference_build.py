"""Build every reference list with the reference geography (local files of ../shared) and measure the geography.

Run by hand: .venv/bin/python bench/geo_reference_build.py [/tmp/geo-reference.db] [--sans-contours]
(--sans-contours: without the commune outlines, points checked against their département only, to compare)
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
    positional = [a for a in sys.argv[1:] if not a.startswith("--")]
    db = Path(positional[0]) if positional else Path(tempfile.mkdtemp()) / "lieux.db"
    args = ["build", "--quiet", "--db", str(db)]
    geography = {k: v for k, v in GEO_REFERENCE_INPUTS.items() if k != "geo-communes-contours" or "--sans-contours" not in sys.argv}
    for source_id, relative in {**REFERENCE_INPUTS, **geography}.items():
        args += ["--input", f"{source_id}={REFERENCE / relative}"]
    t0, c0 = time.perf_counter(), time.process_time()
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(result.output)
    shapes = shapes_by_code(read_json(REFERENCE / GEO_REFERENCE_INPUTS["geo-departements-contours"]))
    with sqlite3.connect(db) as conn:
        kept = conn.execute("select departement_code, longitude, latitude from lieux where qualite_geo = 'source' or qualite_geo like 'corrigee%'").fetchall()
        inside = sum(bool(shapely.contains_xy(shapes[d], x, y)) for d, x, y in kept)
        total, no_dep, no_point, zero = conn.execute(
            "select count(*), sum(departement_code is null), sum(latitude is null), sum(latitude = 0 or longitude = 0) from lieux").fetchone()
        qualites = conn.execute("select qualite_geo, count(*) from lieux group by 1 order by 1").fetchall()
        why = conn.execute("""select case when qualite_geo_motif like 'coordonnées absentes%' then 'sans coordonnées'
                                          when qualite_geo_motif like 'coordonnées nulles%' then 'coordonnées nulles'
                                          when qualite_geo_motif like '%de la commune%ni l''inversion%' then 'loin de sa commune'
                                          else 'autre' end, count(*)
                              from lieux where qualite_geo = 'centre_commune' group by 1 order by 1""").fetchall()
        columns = ("geo_communes_par_le_point", "geo_noms_communes_nettoyes", "geo_codes_insee_completes")
        sums = conn.execute(f"select {', '.join(f'sum({c})' for c in columns)} from sources").fetchone()
    print("lieux par qualite_geo : " + ", ".join(f"{q} {n}" for q, n in qualites))
    print("lieux au centre de leur commune : " + ", ".join(f"{q} {n}" for q, n in why))
    print("lignes des sources : " + ", ".join(f"{c} {n}" for c, n in zip(columns, sums)))
    print(f"{total} lieux ; points source/corrigee strictement dans leur département : {inside}/{len(kept)} "
          f"({inside / len(kept):.2%}) ; sans département : {no_dep} ; sans point : {no_point} ; à 0 : {zero} ; "
          f"construction en {elapsed:.1f} s ({cpu:.1f} s de temps CPU)")


if __name__ == "__main__":
    main()
