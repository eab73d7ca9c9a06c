"""Re-run merge() on the rows of a built database and score it on the labelled pairs (run by hand).

    .venv/bin/python build.py build --db /tmp/reference.db --input ...   # every reference list (see README)
    .venv/bin/python bench/merge_quality.py /tmp/reference.db [-v]

Reads `membres` (every valid row as mapped and placed, before merging) and the rows of an older
vintage left out of the directory (`rejets`, code millesime-remplace), times merge() on them with
the current rules, and prints precision and recall on each sample of tests/data/ — with -v, every
wrong or missed merge. The loop for adjusting the rules in lieux/merge.py without rebuilding.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lieux import load, merge, sources  # noqa: E402

SAMPLES = [ROOT / "tests" / "data" / "paires-etiquetees.csv", ROOT / "tests" / "data" / "paires-etiquetees-hubs.csv"]


def main(db_path: Path, verbose: bool) -> None:
    rows = load.read_merge_inputs(db_path)
    descriptors = sources.load_descriptors()
    started = time.perf_counter()
    result = merge.merge(rows, {}, {d.id: d.priority for d in descriptors}, frozenset(), sources.vintage_lists(descriptors))
    print(f"{len(rows)} lignes → {len(result.lieux)} lieux en {time.perf_counter() - started:.2f} s")
    lieu_of = {(m["source"], m["cle"]): lieu["id"] for lieu in result.lieux for m in lieu["_membres"]}
    lieu_of.update({(r["_source"], str(r["id"])): f"retiré {r['_source']}/{r['id']}" for r in result.superseded})
    samples: dict[str, list] = {}
    for path in SAMPLES:
        with open(path, encoding="utf-8", newline="") as f:
            for pair in csv.DictReader(f):
                samples.setdefault(pair.get("jeu") or path.stem, []).append(pair)
    for name, pairs in samples.items():
        tp = fp = fn = 0
        errors = []
        for p in pairs:
            a, b = (p["source_a"], p["cle_a"]), (p["source_b"], p["cle_b"])
            if a not in lieu_of or b not in lieu_of:
                continue
            same, label = lieu_of[a] == lieu_of[b], p["meme_lieu"] == "1"
            tp, fp, fn = tp + (same and label), fp + (same and not label), fn + (label and not same)
            if same != label:
                errors.append(f"  {'fausse fusion' if same else 'manquée'} : {a[1]} × {b[1]} — {p['motif']}")
        print(f"{name} : précision {tp / max(1, tp + fp):.3f}, rappel {tp / max(1, tp + fn):.3f} (vp {tp}, fp {fp}, fn {fn})")
        if verbose:
            print("\n".join(errors))


if __name__ == "__main__":
    main(Path(sys.argv[1]), "-v" in sys.argv[2:])
