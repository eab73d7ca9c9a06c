"""Time the merge step on the national reference lists (run by hand).

    .venv/bin/python bench/merge_reference.py

Reads the France Services and conseillers numériques lists from ../shared/reference, as the build
does (read, map, validate), then times merge() alone, three times.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lieux import merge, schemas, sources  # noqa: E402
from lieux.process import process_source  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference"
FILES = {"france-services": "anct-carto-france_services/data/liste-fs-20240801.csv",
         "conseillers-numeriques": "anct-carto-conseillers-numeriques/data/cnfs.json"}

rows, priorities = [], {}
for d in sources.load_descriptors(sources.SOURCES_DIR):
    if d.id in FILES:
        priorities[d.id] = d.priority
        rows += [{**r, "_source": d.id} for r in process_source(d, REFERENCE / FILES[d.id]).rows[schemas.LIEUX]]
for _ in range(3):
    t = time.perf_counter()
    result = merge.merge([dict(r) for r in rows], {}, priorities)
    print(f"{len(rows)} lignes → {len(result.lieux)} lieux, {sum(f['decision'] == 'fusionnée' for f in result.fusions)} fusions "
          f"en {time.perf_counter() - t:.2f} s")
