"""Synthetic lieux databases for the benchmark and the property tests (fictional, clearly labelled).

Written with the build's own load functions (tables, R*Tree, FTS, indexes), so that the queries
measured are the ones served. Points are spread like the real lists: mostly in metropolitan
France, some in each overseas département; `world=True` adds points anywhere on the globe
(poles, antimeridian) to test the geometry's edge cases.

Example:
    python -m bench.synthetic_db /tmp/bench/100k/lieux.db 100000
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from lieux import load, openapi

# (weight, département code, min_lat, max_lat, min_lon, max_lon)
AREAS = (
    (0.955, None, 42.35, 51.05, -4.75, 8.2),
    (0.01, "971", 15.85, 16.5, -61.8, -61.0),
    (0.01, "972", 14.4, 14.88, -61.23, -60.8),
    (0.008, "973", 3.8, 5.75, -54.4, -51.7),
    (0.012, "974", -21.38, -20.87, 55.22, 55.83),
    (0.005, "976", -13.0, -12.64, 45.02, 45.3),
)
HORAIRES = (
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Mo-Fr 08:30-12:00,13:30-17:00",
    "Tu-Fr 09:00-12:00,14:00-16:30; Sa 09:00-12:00",
    "Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00",
    "We 14:00-17:00",
    "Mo-Sa 10:00-19:00",
    "24/7",
    "mercredi de 14h à 16h",
    None,
)


def pick(rng: random.Random, values: tuple, most: int = 3) -> list:
    return sorted(rng.sample(values, rng.randint(0, min(most, len(values)))), key=values.index)


def synthetic_lieu(rng: random.Random, i: int, world: bool = False) -> dict:
    if world and rng.random() < 0.3:
        lat, lon, dep = rng.uniform(-90, 90), rng.uniform(-180, 180), None
        if rng.random() < 0.3:  # near the antimeridian, at the latitudes of Wallis-et-Futuna
            lat, lon = rng.uniform(-20, 20), rng.choice((-1, 1)) * rng.uniform(179.0, 180.0)
    else:
        r, acc = rng.random(), 0.0
        for weight, dep, a, b, c, d in AREAS:
            acc += weight
            if r <= acc:
                break
        lat, lon = rng.uniform(a, b), rng.uniform(c, d)
    code_postal = f"{dep}{rng.randint(0, 99):02d}" if dep else f"{rng.randint(1, 95):02d}{rng.randint(0, 999):03d}"

    def multi(field, most=3):
        values = pick(rng, openapi.vocabulary(field), most)
        return json.dumps(values, ensure_ascii=False) if values else None

    return {
        "id": f"synthetique-{i}", "pivot": "00000000000000", "nom": f"Lieu fictif n° {i}",
        "commune": f"Commune fictive {i % 5000}", "code_postal": code_postal, "code_insee": None,
        "adresse": f"{i % 200 + 1} rue de l'Exemple", "latitude": lat, "longitude": lon,
        "horaires": rng.choice(HORAIRES), "date_maj": "2026-01-01",
        "services": multi("services"),
        "publics_specifiquement_adresses": multi("publics_specifiquement_adresses", 2),
        "prise_en_charge_specifique": multi("prise_en_charge_specifique", 2),
        "frais_a_charge": multi("frais_a_charge", 1),
        "dispositif_programmes_nationaux": multi("dispositif_programmes_nationaux", 2),
        "modalites_acces": multi("modalites_acces", 2),
        "sources": json.dumps(["synthetique"]), "departement_code": dep or code_postal[:2],
        "popup": None,
    }


def build(db_path: Path, count: int, seed: int = 0, world: bool = False) -> Path:
    """Write `count` synthetic lieux to db_path (replaced atomically); returns db_path."""
    rng = random.Random(seed)
    with load.atomic_database(Path(db_path)) as db:
        load.create_tables(db)
        db["sources"].insert({"id": "synthetique", "titre": "Lieux fictifs pour les mesures", "demo": 1})
        db["lieux"].insert_all((synthetic_lieu(rng, i, world) for i in range(count)), batch_size=5000)
        load.create_indexes(db)
    return Path(db_path)


if __name__ == "__main__":
    build(Path(sys.argv[1]), int(sys.argv[2]))
