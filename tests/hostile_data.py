"""A database whose one lieu carries markup and javascript: URLs, to check that pages escape data."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import ROOT, run_build

DEMO_CSV = ROOT / "sources" / "demo" / "lieux-demo.csv"
HOSTILE_NAME = '<script>alert("nom")</script> Lieu <b>gras</b>'


def build_hostile_db(folder: Path) -> Path:
    """Build (with the real build command) a demo database holding one hostile lieu, `demo-hostile`."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        row = next(reader)
        fieldnames = reader.fieldnames
    row.update(id="demo-hostile", nom=HOSTILE_NAME, adresse="<img src=x onerror=alert(1)>",
               site_web="javascript:alert(1)", prise_rdv="javascript:alert(2)",
               presentation_resume="<iframe src=//evil>")
    csv_path = folder / "lieux.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerow(row)
    db_path = folder / "lieux.db"
    run_build(db_path, "--demo", "--input", f"demo={csv_path}")
    return db_path
