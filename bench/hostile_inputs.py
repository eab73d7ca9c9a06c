"""Time and peak memory of `validate` and `build` on the hostile files of issue 16 (run by hand, never a timed test).

    .venv/bin/python bench/hostile_inputs.py                      # this checkout
    .venv/bin/python bench/hostile_inputs.py --repo /autre/depot  # another checkout's build.py (before/after)

Files, generated in a temporary folder:
- colonnes-10000.csv: 80 KB, four rows of 10,000 columns (the first one is the header);
- colonnes-10000-entete-standard.csv: the standard's header, then four rows of 10,000 cells;
- lignes-vides-1mo.csv: 1 MB of blank lines;
- entete-puis-lignes-vides-1mo.csv: the standard's header, then 1 MB of blank lines.
Each command runs in its own process (its peak memory is its own: os.wait4), killed after --timeout seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lieux import schemas  # noqa: E402


def hostile_files(folder: Path) -> dict[str, Path]:
    header = ",".join(schemas.field_names(schemas.LIEUX)) + "\n"
    wide_row = ",".join("x" for _ in range(10_000)) + "\n"      # 20 KB
    files = {
        "colonnes-10000.csv": (wide_row * 4).encode(),
        "colonnes-10000-entete-standard.csv": (header + wide_row * 4).encode(),
        "lignes-vides-1mo.csv": b"\n" * (1024 * 1024),
        "entete-puis-lignes-vides-1mo.csv": header.encode() + b"\n" * (1024 * 1024),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    return paths


def measure(command: list[str], cwd: Path, timeout: float) -> tuple[int | None, float, float]:
    """(exit code or None if killed at the timeout, seconds, peak memory in MB) of one process."""
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            os.kill(process.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(process.pid, 0)
            return None, time.monotonic() - start, usage.ru_maxrss / 1024
        time.sleep(0.05)
    return os.waitstatus_to_exitcode(status), time.monotonic() - start, usage.ru_maxrss / 1024


@click.command()
@click.option("--repo", type=click.Path(exists=True, file_okay=False, path_type=Path), default=ROOT,
              help="Dépôt dont build.py est mesuré.")
@click.option("--timeout", default=600.0, show_default=True, help="Secondes avant d'arrêter une commande.")
@click.option("--python", "python", default=sys.executable, show_default=True)
def main(repo, timeout, python):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        click.echo(f"dépôt : {repo}")
        click.echo(f"{'fichier':<38} {'commande':<9} {'sortie':>6} {'secondes':>9} {'Mo max':>7}")
        for name, path in hostile_files(folder).items():
            commands = {
                "validate": [python, "build.py", "validate", str(path)],
                "build": [python, "build.py", "build", "--demo", "--quiet", "--db", str(folder / "lieux.db"),
                          "--input", f"demo={path}"],
            }
            for label, command in commands.items():
                code, seconds, megabytes = measure(command, repo, timeout)
                shown = "tué" if code is None else str(code)
                click.echo(f"{name:<38} {label:<9} {shown:>6} {seconds:>9.2f} {megabytes:>7.0f}")


if __name__ == "__main__":
    main()
