"""What recording the changes costs a build: `changements.record` between two databases of N lieux.

    python -m bench.changements --lieux 100000

Builds a synthetic database (bench.synthetic_db), copies it, changes the copy (1 % of names, 0.5 % removed,
1 % added), then times the comparison the build runs (lieux/changements.py), and the producer report of
the busiest source. Run by hand; numbers go in the README / branch report, never in a timed test.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import click
import sqlite_utils

from bench import synthetic_db
from lieux import changements, rapport


@click.command()
@click.option("--lieux", "count", default=100000, show_default=True)
def main(count):
    folder = Path(tempfile.mkdtemp(prefix="bench-changements-"))
    try:
        old = folder / "old" / "lieux.db"
        old.parent.mkdir()
        started = time.perf_counter()
        synthetic_db.build(old, count)
        click.echo(f"base de {count} lieux : {time.perf_counter() - started:.1f} s")
        new = folder / "lieux.db"
        shutil.copy(old, new)
        conn = sqlite3.connect(new)
        step = 100
        conn.execute(f"update lieux set nom = nom || ' (renommé)' where rowid % {step} = 0")
        conn.execute(f"delete from lieux where rowid % {2 * step} = 1")
        columns = [r[1] for r in conn.execute("pragma table_info(lieux)")]
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join("id || '-nouveau'" if c == "id" else f'"{c}"' for c in columns)
        conn.execute(f"insert into lieux ({names}) select {values} from lieux where rowid % {step} = 2")
        conn.commit()
        conn.close()
        db = sqlite_utils.Database(new)
        started = time.perf_counter()
        counts = changements.record(db, old, "2026-12-06T03:00:00+00:00", "bench")
        elapsed = time.perf_counter() - started
        click.echo(f"changements.record : {elapsed:.2f} s pour {count} lieux ; {counts}")
        db.conn.close()
        conn = sqlite3.connect(new)
        started = time.perf_counter()
        source = conn.execute("select id from sources order by lignes_chargees desc limit 1").fetchone() \
            if "sources" in rapport.tables(conn) else None
        if source:
            rapport.producer_report(conn, source[0])
            click.echo(f"rapport de {source[0]} : {time.perf_counter() - started:.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
