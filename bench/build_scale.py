"""A build at scale: synthetic lieux in the real sources' shapes, built by the real command, measured.

    .venv/bin/python -m bench.build_scale --lieux 100000 --work /tmp/lieux-bench
    .venv/bin/python -m bench.build_scale --lieux 1000000 --work /tmp/lieux-bench

80 % of the lieux are a France Services CSV (24 columns), 20 % a conseillers numériques JSON list.
The build runs in a child process (`build.py build --input ...`); the report gives the total wall
time, the time of each step (read+map+validate per source, load, indexes) and the child's peak
memory (ru_maxrss from resource.getrusage(RUSAGE_CHILDREN), the figure /usr/bin/time -v prints
as "Maximum resident set size"). Run by hand; never a timed test.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import click

from bench.synthetic import write_conseillers, write_france_services

ROOT = Path(__file__).resolve().parent.parent

# Runs in the child: times the pipeline's steps by wrapping them, then runs the real CLI.
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from lieux import load, pipeline, process
steps = []
def timed(module, name, label):
    inner = getattr(module, name, None)
    if inner is None:
        return
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            what = label(args) if callable(label) else label
            steps.append((what, time.perf_counter() - start))
    setattr(module, name, wrapper)
timed(pipeline, "process_source", lambda a: "lire, mettre au standard, valider : " + a[0].id)
timed(process, "process_source", lambda a: "lire, mettre au standard, valider : " + a[0].id)
timed(load, "insert_result", "charger rejets et corrections")
timed(load, "insert_lieux", "charger les lieux")
timed(load, "create_indexes", "index (R*Tree, FTS5, colonnes)")
from build import cli
try:
    cli(sys.argv[2:], standalone_mode=False)
finally:
    print("BENCH-STEPS " + json.dumps(steps), file=sys.stderr)
"""


def generate(work: Path, lieux: int) -> dict:
    fs, cn = int(lieux * 0.8), lieux - int(lieux * 0.8)
    folder = work / f"donnees-{lieux}"
    folder.mkdir(parents=True, exist_ok=True)
    files = {"france-services": folder / "france-services.csv", "conseillers-numeriques": folder / "conseillers.json"}
    if not files["france-services"].exists():
        write_france_services(files["france-services"], fs)
    if not files["conseillers-numeriques"].exists():
        write_conseillers(files["conseillers-numeriques"], cn)
    return files


@click.command()
@click.option("--lieux", "count", default=100_000, show_default=True, help="Nombre de lieux fictifs.")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=Path("/tmp/lieux-bench"), show_default=True)
@click.option("--code", type=click.Path(file_okay=False, path_type=Path), default=ROOT, show_default=True,
              help="Dossier du code à mesurer (pour comparer deux versions).")
def main(count, work, code):
    """Construit COUNT lieux fictifs et mesure durée totale, durée par étape et mémoire maximale."""
    files = generate(work, count)
    db = work / f"lieux-{count}.db"
    command = [sys.executable, "-c", CHILD, str(code), "build", "--db", str(db), "--quiet"]
    for source, path in files.items():
        command += ["--input", f"{source}={path}"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=code)
    total = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    steps = []
    for line in result.stderr.splitlines():
        if line.startswith("BENCH-STEPS "):
            steps = json.loads(line[len("BENCH-STEPS "):])
    if result.returncode:
        click.echo(result.stdout + result.stderr, err=True)
        raise SystemExit(result.returncode)
    click.echo(result.stdout.strip())
    click.echo(f"lieux : {count} ; fichiers : " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} Mo" for p in files.values()))
    click.echo(f"durée totale : {total:.1f} s ; mémoire maximale (ru_maxrss) : {peak_kib / 1024:.0f} Mio ; "
               f"base : {db.stat().st_size / 1e6:.0f} Mo")
    for label, seconds in steps:
        click.echo(f"  {seconds:8.1f} s  {label}")


if __name__ == "__main__":
    main()
