"""Run the geography step on the raw hub lists of ../shared (mednum-cli inputs) and print the quality counts.

Run by hand: .venv/bin/python bench/geo_hub_lists.py
The rows are built the way a descriptor would map them (decimal commas read, 4-digit postcodes padded),
so this measures the geography step alone on lists it has never been tuned on.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lieux.geo.data import load_geography  # noqa: E402
from lieux.geo.normalise import PRECISES, normalise  # noqa: E402
from tests.hub_lists import LISTS, rows_of  # noqa: E402
from tests.reference_inputs import GEO_REFERENCE_INPUTS  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference"


def main():
    t0 = time.perf_counter()
    geo = load_geography({k: REFERENCE / v for k, v in GEO_REFERENCE_INPUTS.items()})
    t1 = time.perf_counter()
    rows = [row for name, keys in LISTS.items() for row in rows_of(name, keys)]
    result = normalise(rows, geo, {})
    t2 = time.perf_counter()
    print(f"référentiel chargé en {t1 - t0:.2f} s ; {len(rows)} lieux placés en {t2 - t1:.2f} s")
    totals = Counter()
    for name in LISTS:
        placed = [r for r in result.rows if r["_source"] == name]
        kept = [r for r in placed if r["_geo"]["qualite_geo"] in PRECISES]
        inside = sum(shapely.contains_xy(geo.departement_shapes[r["_geo"]["departement_code"]], r["longitude"], r["latitude"])
                     for r in kept if r["_geo"]["departement_code"] in geo.departement_shapes)
        counts = Counter(r["_geo"]["qualite_geo"] for r in placed)
        totals.update(counts)
        totals["kept"] += len(kept)
        totals["inside"] += inside
        print(f"{name:18} {len(placed):4}  " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items()))
              + f"  dans leur département (strict) : {inside}/{len(kept)}")
    print(f"total: {dict(totals)}  → {totals['inside'] / totals['kept']:.2%} des points source/corrigee dans leur département")


if __name__ == "__main__":
    main()
