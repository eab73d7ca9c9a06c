"""Benchmark: keys that many rows share must not make merging quadratic (run by hand, never as a test).

    .venv/bin/python bench/merge_shared_keys.py            # both scenarios, each beside its baseline
    .venv/bin/python bench/merge_shared_keys.py siret-8000

A national network lists every site under its head office's SIRET; a national help line or e-mail
appears on thousands of rows. Two scenarios, each run next to the same rows without the shared keys
(the baseline), every run in its own process so that its peak memory is its own:

  siret-8000      8,000 rows (bench/merge_synthetic.py's generator) sharing one SIRET;
  cles-20x2000    100,000 rows where the 20 largest keys each hold 2,000 rows: 8 SIRETs, 6 telephones
                  and 6 e-mails.

Prints, per run: merge() time, candidate pairs, peak memory (ru_maxrss), lieux; then the ratios
with shared keys / without (target: at most 2 for time and memory, README « Fusion »).
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Valid SIRETs (Luhn) that no real establishment of the lists uses.
SIRETS = ["36600000800008", "36600001600001", "36600002400005", "36600003200008", "36600004000001",
          "36600005700005", "36600006500008", "36600007300002"]
SCENARIOS = {"siret-8000": 8_000, "cles-20x2000": 100_000}


def rows_for(scenario: str, shared: bool) -> list[dict]:
    from bench.merge_synthetic import synthetic_rows

    rows, _ = synthetic_rows(SCENARIOS[scenario])
    if not shared:
        return rows
    rng = random.Random(7)
    if scenario == "siret-8000":
        for r in rows:
            r["pivot"] = SIRETS[0]
        return rows
    chosen = rng.sample(range(len(rows)), 20 * 2000)
    for k in range(20):
        for i in chosen[k * 2000:(k + 1) * 2000]:
            if k < 8:
                rows[i]["pivot"] = SIRETS[k]
            elif k < 14:
                rows[i]["telephone"] = f"+3380000{k:04d}"
            else:
                rows[i]["courriels"] = [f"contact{k}@reseau-national.fr"]
    return rows


def run(scenario: str, shared: bool) -> dict:
    """One measured run, in this process."""
    from lieux import merge as M

    rows = rows_for(scenario, shared)
    pairs = sum(1 for _ in M.candidate_pairs(M.prepare_all(rows)))
    started = time.perf_counter()
    result = M.merge(rows, {}, {"national": 90, "hub": 50, "local": 30})
    return {"scenario": scenario, "cles_partagees": shared, "secondes": round(time.perf_counter() - started, 2),
            "paires": pairs, "memoire_mo": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "lieux": len(result.lieux)}


def main(names: list[str]) -> None:
    for scenario in names or list(SCENARIOS):
        results = {}
        for shared in (False, True):
            out = subprocess.run([sys.executable, __file__, "--un", scenario, str(int(shared))],
                                 capture_output=True, text=True, check=True).stdout
            results[shared] = json.loads(out)
            print(json.dumps(results[shared], ensure_ascii=False))
        base, with_keys = results[False], results[True]
        print(f"{scenario} : temps × {with_keys['secondes'] / base['secondes']:.2f}, "
              f"mémoire × {with_keys['memoire_mo'] / base['memoire_mo']:.2f}, "
              f"paires × {with_keys['paires'] / base['paires']:.2f} (objectif : ≤ 2)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--un"]:
        print(json.dumps(run(sys.argv[2], sys.argv[3] == "1"), ensure_ascii=False))
    else:
        main(sys.argv[1:])
