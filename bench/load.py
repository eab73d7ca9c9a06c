"""A bounded load test on loopback: mixed traffic for a fixed time, then req/s, p50, p99 and errors.

Serve the database and run 60 s of mixed traffic (loopback only; the tool starts and stops the server):

    .venv/bin/python -m bench.load --db /tmp/lieux-bench/lieux.db --duration 60 --profil datasette
    .venv/bin/python -m bench.load --db /tmp/lieux-bench/lieux.db --duration 60 --profil public

`datasette`: Datasette's table page, row pages and a nearest-places SQL query (what this branch serves).
`public`: the public page `/`, `/api/proches` and `/lieu/<id>` (once the API and pages are merged).
`--chemin POIDS:MODELE` replaces the profile (repeatable); a model may use {id}, {lat}, {lon},
{code_postal}, filled from the database. `--base http://127.0.0.1:PORT` uses a running server instead.
Any answer other than 200, and any network error, counts as an error. Run by hand; never a timed test.
"""

from __future__ import annotations

import http.client
import random
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import click

NEAREST_SQL = (
    "select id, nom, commune, latitude, longitude from lieux where rowid in (select id from lieux_rtree "
    "where min_lat between :lat - 0.2 and :lat + 0.2 and min_lon between :lon - 0.3 and :lon + 0.3) "
    "order by (latitude - :lat) * (latitude - :lat) + (longitude - :lon) * (longitude - :lon) limit 10"
)
PROFILES = {
    "datasette": [
        (3, "/lieux/lieux?_size=20"),
        (4, "/lieux.json?sql=" + urllib.parse.quote(NEAREST_SQL) + "&lat={lat}&lon={lon}&_shape=array"),
        (3, "/lieux/lieux/{id}"),
    ],
    "public": [
        (3, "/"),
        (4, "/api/proches?lat={lat}&lon={lon}&n=10"),
        (1, "/api/proches?code_postal={code_postal}&n=10"),
        (3, "/lieu/{id}"),
    ],
}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def samples(db: Path, count: int = 2000) -> list[dict]:
    """Values to fill the path models with: real ids and postcodes, points inside mainland France."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("select id, code_postal from lieux where rowid in "
                            "(select rowid from lieux order by random() limit ?)", [count]).fetchall()
    rng = random.Random(1)
    return [{"id": urllib.parse.quote(str(i), safe=""), "code_postal": cp or "75001",
             "lat": round(rng.uniform(43.0, 50.5), 4), "lon": round(rng.uniform(-1.5, 7.5), 4)} for i, cp in rows]


class Worker(threading.Thread):
    """One keep-alive connection sending requests until the deadline."""

    def __init__(self, host, port, paths, values, deadline, seed):
        super().__init__(daemon=True)
        self.host, self.port, self.paths, self.values, self.deadline = host, port, paths, values, deadline
        self.rng = random.Random(seed)
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def run(self):
        weights = [w for w, _ in self.paths]
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        while time.monotonic() < self.deadline:
            _, model = self.rng.choices(self.paths, weights)[0]
            path = model.format(**self.rng.choice(self.values))
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    self.errors.append(f"{response.status} {path}")
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(f"{e!r} {path}")
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                continue
            self.latencies.setdefault(model, []).append(time.perf_counter() - start)
        conn.close()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path):
    from lieux import site

    port = free_port()
    server = subprocess.Popen(site.serve_command(db, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
            return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise click.ClickException("datasette n'a pas démarré")


@click.command()
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Base lieux.db (servie par l'outil si --base est absent, et source des identifiants).")
@click.option("--base", help="Serveur déjà lancé, sur 127.0.0.1 uniquement.")
@click.option("--duration", default=60.0, show_default=True, help="Durée en secondes (au plus 600).")
@click.option("--concurrency", default=8, show_default=True, help="Connexions simultanées (au plus 64).")
@click.option("--profil", type=click.Choice(sorted(PROFILES)), default="datasette", show_default=True)
@click.option("--chemin", "paths", multiple=True, metavar="POIDS:MODELE", help="Remplace le profil (répétable).")
def main(db, base, duration, concurrency, profil, paths):
    """Envoie un trafic mixte borné (durée, connexions) à un serveur local et mesure req/s, p50, p99, erreurs."""
    duration, concurrency = min(duration, 600.0), min(concurrency, 64)
    chosen = [(int(p.split(":", 1)[0]), p.split(":", 1)[1]) for p in paths] if paths else PROFILES[profil]
    server = None
    if base is None:
        if db.name != "lieux.db":
            raise click.ClickException("la base servie doit s'appeler lieux.db")
        server, base = start_server(db)
    host = urllib.parse.urlparse(base)
    if host.hostname not in LOOPBACK:
        raise click.ClickException(f"{base} : test de charge limité à 127.0.0.1.")
    values = samples(db)
    try:
        deadline = time.monotonic() + duration
        workers = [Worker(host.hostname, host.port, chosen, values, deadline, seed) for seed in range(concurrency)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join(duration + 60)
        elapsed = time.perf_counter() - started
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
    all_latencies = [x for w in workers for v in w.latencies.values() for x in v]
    errors = [e for w in workers for e in w.errors]
    click.echo(f"{base} ; {concurrency} connexions ; {elapsed:.1f} s ; {len(all_latencies)} réponses 200 ; "
               f"{len(errors)} erreur(s)")
    click.echo(f"total : {len(all_latencies) / elapsed:.1f} req/s ; p50 {percentile(all_latencies, 50) * 1000:.1f} ms ; "
               f"p99 {percentile(all_latencies, 99) * 1000:.1f} ms")
    for _, model in chosen:
        lat = [x for w in workers for x in w.latencies.get(model, [])]
        click.echo(f"  {len(lat):7d} req  p50 {percentile(lat, 50) * 1000:7.1f} ms  p99 {percentile(lat, 99) * 1000:7.1f} ms  "
                   f"{model[:90]}")
    for e in errors[:10]:
        click.echo(f"  erreur : {e[:200]}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
