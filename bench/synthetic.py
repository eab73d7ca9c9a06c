"""Synthetic lieux in the real sources' shapes, to build at scale (bench/) and to kill builds (tests/).

    python -m bench.synthetic --france-services 100000 --conseillers 0 --out /tmp/synth

writes france-services.csv (ANCT's 24 columns, as liste-fs-20240801.csv) and conseillers.json
(the structure records of cnfs.json). The lieux are fictional; the values follow the real files'
formats and their quirks (integer postcodes in the JSON, per-day hours in the CSV).
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import click

FS_COLUMNS = ["id_fs", "insee_dep", "lib_fs", "adresse", "complement_adresse", "insee_com", "code_postal", "lib_com",
              "latitude", "longitude", "mail", "telephone", "h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi",
              "h_samedi", "prise_rdv", "commentaire", "type_fs", "format_fs", "groupe_fs", "labellisation_fs"]
STREETS = ["rue de la République", "place de la Mairie", "avenue Jean Jaurès", "rue Victor Hugo", "chemin des Écoles"]
TOWNS = ["Saint-Martin", "Beaulieu", "Villeneuve", "Montreuil", "Fontaine", "Sainte-Marie", "Le Breuil"]
HOURS = ["08:30 - 12:00 / 13:30 - 17:00", "09:00 - 12:00", "", "14:00 - 18:00", "08:45 - 12:00 / 13:30 - 18:00"]
FORMATS = ["Fixe", "Fixe", "Fixe", "Bus_équivalent", "Multisites"]


def place(rng: random.Random, i: int) -> dict:
    dep = rng.choice([f"{d:02d}" for d in range(1, 96) if d != 20])
    commune = f"{dep}{rng.randint(1, 700):03d}"
    return {
        "dep": dep, "insee": commune, "cp": f"{dep}{rng.randint(0, 9)}{rng.randint(0, 9)}0",
        "town": f"{rng.choice(TOWNS)}-{i % 997}", "street": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        "lat": round(rng.uniform(42.5, 50.9), 6), "lon": round(rng.uniform(-4.5, 7.9), 6),
    }


def write_france_services(path: Path, count: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        out.writerow(FS_COLUMNS)
        for i in range(1, count + 1):
            p = place(rng, i)
            hours = [rng.choice(HOURS) for _ in range(6)]
            out.writerow([str(i), p["dep"], f"France services de {p['town']} (fictif {i})", p["street"], "",
                          p["insee"], p["cp"], p["town"], p["lat"], p["lon"], f"fs{i}@exemple.fr",
                          f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                          *hours, rng.choice(["Oui", "Non"]), "", "Principal", rng.choice(FORMATS), "",
                          "Espace labellisé 01/01/2022"])
    return path


def write_conseillers(path: Path, count: int, seed: int = 2) -> Path:
    """A JSON list written record by record (the file can be larger than memory would like)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        for i in range(1, count + 1):
            p = place(rng, i)
            record = {
                "raison_sociale": f"Association numérique {p['town']} (fictive {i})", "commune_insee": p["town"],
                "département": "", "région": "", "nb_cnfs": rng.randint(1, 4),
                "date_de_validation_en_comité_de_sélection": "2021-05-19", "type": "privée",
                "siret": f"{rng.randint(10**13, 10**14 - 1)}", "code_département": p["dep"],
                "code_postal": int(p["cp"]), "zrr": "non", "france_services": rng.choice(["oui", "non"]),
                "latitude": p["lat"], "longitude": p["lon"], "adresse": f"{p['street']}\n{p['cp']} {p['town']}",
                "insee_com": p["insee"], "id": i,
            }
            f.write(("," if i > 1 else "") + "\n" + json.dumps(record, ensure_ascii=False))
        f.write("\n]\n")
    return path


@click.command()
@click.option("--france-services", "fs_count", default=100_000, show_default=True)
@click.option("--conseillers", "cn_count", default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def main(fs_count, cn_count, out_dir):
    """Écrit des listes fictives aux formats réels (France Services CSV, conseillers numériques JSON)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if fs_count:
        click.echo(write_france_services(out_dir / "france-services.csv", fs_count))
    if cn_count:
        click.echo(write_conseillers(out_dir / "conseillers.json", cn_count))


if __name__ == "__main__":
    main()
