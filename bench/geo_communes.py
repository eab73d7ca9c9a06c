"""What checking points against their commune's outline costs, and what it changes, on the reference lists.

Run by hand: .venv/bin/python bench/geo_communes.py
Prints (CPU time, this process only): reading the commune outlines; reading the whole reference geography with and
without them; placing the fifteen raw hub lists (tests/hub_lists.py) with and without them; one point-in-commune
check; then, for those lists, how many lieux got each qualite_geo with and without the outlines.
"""

from __future__ import annotations

import dataclasses
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lieux.geo.data import load_geography  # noqa: E402
from lieux.geo.normalise import normalise  # noqa: E402
from lieux.geo.outlines import CommuneOutlines  # noqa: E402
from tests.hub_lists import LISTS, rows_of  # noqa: E402
from tests.reference_inputs import GEO_REFERENCE_INPUTS  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference"


def cpu(fn):
    t0 = time.process_time()
    value = fn()
    return value, time.process_time() - t0


def main():
    paths = {k: REFERENCE / v for k, v in GEO_REFERENCE_INPUTS.items()}
    outlines, t_outlines = cpu(lambda: CommuneOutlines.read(paths["geo-communes-contours"]))
    print(f"contours des communes lus et indexés : {len(outlines.shapes)} polygones en {t_outlines:.2f} s")
    with_outlines, t_with = cpu(lambda: load_geography(paths))
    without = {k: v for k, v in paths.items() if k != "geo-communes-contours"}
    _, t_without = cpu(lambda: load_geography(without))
    print(f"référentiel complet : {t_with:.2f} s avec les contours, {t_without:.2f} s sans")
    no_outlines = dataclasses.replace(with_outlines, outlines=None)

    rows = [row for name, keys in LISTS.items() for row in rows_of(name, keys)]
    placed, t_place = cpu(lambda: normalise(rows, with_outlines, {}))
    placed_dep, t_place_dep = cpu(lambda: normalise(rows, no_outlines, {}))
    print(f"{len(rows)} lieux placés : {t_place:.2f} s avec les contours, {t_place_dep:.2f} s au département seul "
          f"({(t_place - t_place_dep) / len(rows) * 1e6:.0f} µs de plus par lieu)")

    random.seed(1)
    codes = random.sample(sorted(outlines.shapes), 10_000)
    points = [(c, *with_outlines.communes[c].centre) for c in codes if c in with_outlines.communes and with_outlines.communes[c].centre]
    _, t_check = cpu(lambda: [outlines.distance_m(c, lon, lat) for c, lon, lat in points])
    _, t_locate = cpu(lambda: [outlines.locate(lon, lat) for _, lon, lat in points])
    print(f"un point dans sa commune : {t_check / len(points) * 1e6:.1f} µs ; quelle commune contient un point "
          f"(STRtree) : {t_locate / len(points) * 1e6:.1f} µs ({len(points)} points)")

    for label, result in (("avec les contours", placed), ("au département seul", placed_dep)):
        counts = Counter(r["_geo"]["qualite_geo"] for r in result.rows)
        extra = Counter()
        for summary in result.summary.values():
            extra.update({k: summary.get(k, 0) for k in ("communes_par_le_point", "noms_communes_nettoyes")})
        print(f"{label:20} " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items()))
              + "  " + "  ".join(f"{k}={v}" for k, v in sorted(extra.items())))


if __name__ == "__main__":
    main()
