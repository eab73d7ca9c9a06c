"""Benchmark of the merge step on a synthetic list of N rows (run by hand, never as a timed test).

    .venv/bin/python bench/merge_synthetic.py            # 100,000 rows
    .venv/bin/python bench/merge_synthetic.py 20000

Places are spread over 3,000 communes, with 40 % of them in 30 large communes (blocking must
keep those fast). Each place appears in 1 to 3 sources, spelled differently (abbreviated street
types, upper case, organisation words, coordinates moved by up to ~15 m). Prints the time of
each stage and how many places were found, against the number generated.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lieux import merge as M  # noqa: E402

STREETS = ["rue de la République", "avenue Jean Jaurès", "place de la Mairie", "boulevard Victor Hugo",
           "rue du Général de Gaulle", "rue Pasteur", "chemin des Écoles", "allée des Tilleuls", "rue Neuve"]
KINDS = ["Médiathèque", "Espace public numérique", "Centre social", "France services", "Tiers-lieu", "Association"]
WORDS = ["Les Lilas", "Arc-en-ciel", "Cyber Base", "La Passerelle", "Le Lien", "Horizons", "Jean Moulin", "Les Tilleuls"]
ABBREVIATIONS = {"rue": "R", "avenue": "AV", "place": "PL", "boulevard": "BD", "chemin": "CHE", "allée": "ALL"}


def spell(address: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        first, rest = address.split(" ", 1)
        street_type, street = rest.split(" ", 1)
        address = f"{first} {ABBREVIATIONS.get(street_type, street_type)} {street}".upper()
    return address


def synthetic_rows(n: int, seed: int = 4) -> tuple[list[dict], int]:
    rng = random.Random(seed)
    communes = []
    for c in range(3000):
        big = c < 30
        communes.append({"code_insee": f"{10 + c // 1000:02d}{c % 1000:03d}", "commune": f"Commune {c}",
                         "code_postal": f"{10 + c // 1000:02d}{c % 1000:03d}", "lat": 43 + rng.random() * 6,
                         "lon": -1 + rng.random() * 7, "spread": 0.05 if big else 0.01, "big": big})
    big = [c for c in communes if c["big"]]
    rows, places = [], 0
    sources = ["national", "hub", "local"]
    while len(rows) < n:
        places += 1
        commune = rng.choice(big) if rng.random() < 0.4 else rng.choice(communes)
        name = f"{rng.choice(KINDS)} {rng.choice(WORDS)} {places}"
        address = f"{rng.randint(1, 200)} {rng.choice(STREETS)}"
        lat = commune["lat"] + rng.uniform(-commune["spread"], commune["spread"])
        lon = commune["lon"] + rng.uniform(-commune["spread"], commune["spread"])
        for source in rng.sample(sources, rng.choice([1, 1, 2, 2, 3])):
            rows.append({
                "_source": source, "_ligne": len(rows) + 2, "id": f"{source}-{len(rows)}", "_lieu": places,
                "nom": name.upper() if rng.random() < 0.3 else name, "adresse": spell(address, rng),
                "commune": commune["commune"], "code_postal": commune["code_postal"], "code_insee": commune["code_insee"],
                "latitude": lat + rng.uniform(-0.0001, 0.0001), "longitude": lon + rng.uniform(-0.0001, 0.0001),
                "pivot": "00000000000000", "date_maj": f"2024-0{rng.randint(1, 9)}-01",
                "services": [rng.choice(["Aide aux démarches administratives", "Accès internet et matériel informatique"])],
            })
    return rows[:n], places


def main(n: int) -> None:
    t = time.perf_counter()
    rows, places = synthetic_rows(n)
    print(f"{len(rows)} lignes générées pour {places} lieux ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    prepared = [M.prepare(i, r) for i, r in enumerate(rows)]
    print(f"préparation : {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    pairs = list(M.candidate_pairs(prepared))
    print(f"paires candidates : {len(pairs)} en {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    result = M.merge(rows, {}, {"national": 90, "hub": 50, "local": 30})
    elapsed = time.perf_counter() - t
    print(f"merge() complet : {elapsed:.2f} s, {len(result.lieux)} lieux (attendus : {places}), "
          f"{sum(f['decision'] == 'fusionnée' for f in result.fusions)} fusions")
    place_of = {r["id"]: r["_lieu"] for r in rows}
    places_in = [{place_of[m["cle"]] for m in l["_membres"]} for l in result.lieux]
    lieux_of = {}
    for i, ps in enumerate(places_in):
        for p in ps:
            lieux_of.setdefault(p, set()).add(i)
    wrong = sum(len(ps) > 1 for ps in places_in)
    intact = sum(len(ls) == 1 and len(places_in[next(iter(ls))]) == 1 for ls in lieux_of.values())
    print(f"lieux mêlant plusieurs lieux générés : {wrong} ; lieux générés retrouvés exactement : {intact} / {places}")
    previous = M.previous_of(result.lieux)
    t = time.perf_counter()
    again = M.merge(rows, previous, {"national": 90, "hub": 50, "local": 30})
    same = sum(a["id"] == b["id"] for a, b in zip(result.lieux, again.lieux))
    print(f"merge() avec les identifiants précédents : {time.perf_counter() - t:.2f} s, {same}/{len(again.lieux)} identifiants repris")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
