"""A bounded load test on loopback: mixed traffic for a fixed time, then req/s, p50, p99 and errors.

Serve the database and run 60 s of mixed traffic (loopback only; the tool starts and stops the server):

    .venv/bin/python -m bench.load --db /tmp/lieux-bench/lieux.db --duration 60 --profil public
    .venv/bin/python -m bench.load --db /tmp/lieux-bench/lieux.db --duration 30 --comparer
    .venv/bin/python -m bench.load --db /tmp/lieux-bench/lieux.db --duration 30 --comparer --sans-cache
    .venv/bin/python -m bench.load --db /tmp/lieux-bench/lieux.db --duration 30 --profil public --hostiles 4
    .venv/bin/python -m bench.load --db /tmp/lieux-bench/lieux.db --duration 60 --profil datasette --sql

`public`: the public page `/`, `/api/proches` and `/lieu/<id>`.
`accueil`: the public page `/` searching a commune (`/?q=<commune>`), alone.
`versions`: `/-/versions.json`, Datasette's cheapest answer: the ceiling of this server.
`--comparer` alternates `accueil` and `versions` on the same server, in rounds of `--tranche` seconds (so that
the machine's noise falls on both alike), and prints the ratio of the totals and of each round (aim: at least 70 %).
The communes searched are those of 2,000 random lieux (where lieux are, people search), so the same search comes
back while plugins/cache_pages.py still holds its page (until what it shows changes, at most 10 minutes);
`--sans-cache` serves without that cache: every search is computed (place, nearest lieux, hours, page), the cost
of a search nobody made since its page last changed.
`datasette`: Datasette's table page, row pages and a nearest-places SQL query; SQL needs `--sql` (the
trusted instance of `build.py serve --sql`): the public instance refuses it.
`--hostiles N` adds N connections sending what a stranger could try (recursive CTE, randomblob, `_where`,
slow filters) beside the traffic; their answers are counted apart (403/400 expected, never 200 with data).
`--chemin POIDS:MODELE` replaces the profile (repeatable); a model may use {id}, {lat}, {lon},
{code_postal}, filled from the database. `--base http://127.0.0.1:PORT` uses a running server instead.
Any answer other than 200 (or 300, homonyms with their candidats), and any network error, counts as an error. Run by hand; never a timed test.
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
    "accueil": [(1, "/?q={commune}")],
    "versions": [(1, "/-/versions.json")],
}
ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
# What a stranger may try against the public instance; every one must be refused (not 200).
HOSTILE = [
    "/lieux.json?sql=" + urllib.parse.quote(ENDLESS),
    "/lieux.json?sql=" + urllib.parse.quote("select length(randomblob(300000000))"),
    "/lieux?sql=" + urllib.parse.quote(ENDLESS),
    "/lieux/lieux.json?_where=" + urllib.parse.quote("id in (" + ENDLESS + ")"),
    "/lieux/lieux.json?_sort=" + urllib.parse.quote("(select count(*) from lieux)"),
    "/-/threads.json",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def samples(db: Path, count: int = 2000) -> list[dict]:
    """Values to fill the path models with: real ids and postcodes, points inside mainland France."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("select id, code_postal, commune from lieux where rowid in "
                            "(select rowid from lieux order by random() limit ?)", [count]).fetchall()
    rng = random.Random(1)
    return [{"id": urllib.parse.quote(str(i), safe=""), "code_postal": cp or "75001",
             "commune": urllib.parse.quote_plus(commune or "Paris"),
             "lat": round(rng.uniform(43.0, 50.5), 4), "lon": round(rng.uniform(-1.5, 7.5), 4)}
            for i, cp, commune in rows]


class Worker(threading.Thread):
    """One keep-alive connection sending requests until the deadline."""

    def __init__(self, host, port, paths, values, deadline, seed, expected=(200, 300)):  # 300: homonyms
        super().__init__(daemon=True)
        self.host, self.port, self.paths, self.values, self.deadline = host, port, paths, values, deadline
        self.expected = expected
        self.rng = random.Random(seed)
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.statuses: dict[int, int] = {}

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
                self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
                if response.status not in self.expected:
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


def start_server(db: Path, sql: bool = False, page_cache: bool = True):
    """`build.py serve` (the public instance), or `serve --sql` (the trusted one), on a free loopback port;
    without the search page's micro-cache (plugins/cache_pages.py) when page_cache is False."""
    from lieux import site

    port = free_port()
    env = site.serve_environment(sql)
    if not page_cache:
        env["LIEUX_CACHE_SECONDES"] = "0"
    server = subprocess.Popen(site.serve_command(db, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
            return server, base
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise click.ClickException("datasette n'a pas démarré")


def run(host: str, port: int, chosen, values, duration: float, concurrency: int, hostiles: int = 0) -> dict:
    """Traffic for `duration` seconds on `concurrency` connections (plus `hostiles` hostile ones)."""
    deadline = time.monotonic() + duration
    workers = [Worker(host, port, chosen, values, deadline, seed) for seed in range(concurrency)]
    attackers = [Worker(host, port, [(1, h) for h in HOSTILE], values, deadline, 1000 + seed,
                        expected=(400, 403, 404)) for seed in range(hostiles)]
    started = time.perf_counter()
    for w in workers + attackers:
        w.start()
    for w in workers + attackers:
        w.join(duration + 60)
    elapsed = time.perf_counter() - started
    latencies = [x for w in workers for v in w.latencies.values() for x in v]
    hostile_statuses: dict[int, int] = {}
    for w in attackers:
        for status, count in w.statuses.items():
            hostile_statuses[status] = hostile_statuses.get(status, 0) + count
    return {"elapsed": elapsed, "latencies": latencies, "rate": len(latencies) / elapsed,
            "errors": [e for w in workers for e in w.errors],
            "per_model": {m: [x for w in workers for x in w.latencies.get(m, [])] for _, m in chosen},
            "hostile_errors": [e for w in attackers for e in w.errors], "hostile_statuses": hostile_statuses}


def combined(parts: list[dict]) -> dict:
    """Several runs of the same profile as one: answers, errors and time added up."""
    elapsed = sum(p["elapsed"] for p in parts)
    latencies = [x for p in parts for x in p["latencies"]]
    per_model: dict = {}
    for p in parts:
        for model, values in p["per_model"].items():
            per_model.setdefault(model, []).extend(values)
    hostile_statuses: dict = {}
    for p in parts:
        for status, count in p["hostile_statuses"].items():
            hostile_statuses[status] = hostile_statuses.get(status, 0) + count
    return {"elapsed": elapsed, "latencies": latencies, "rate": len(latencies) / elapsed if elapsed else 0.0,
            "errors": [e for p in parts for e in p["errors"]], "per_model": per_model,
            "hostile_errors": [e for p in parts for e in p["hostile_errors"]], "hostile_statuses": hostile_statuses}


def report(name: str, base: str, concurrency: int, result: dict) -> None:
    lat = result["latencies"]
    click.echo(f"[{name}] {base} ; {concurrency} connexions ; {result['elapsed']:.1f} s ; {len(lat)} réponses 200 ; "
               f"{len(result['errors'])} erreur(s)")
    click.echo(f"total : {result['rate']:.1f} req/s ; p50 {percentile(lat, 50) * 1000:.1f} ms ; "
               f"p99 {percentile(lat, 99) * 1000:.1f} ms")
    for model, values in result["per_model"].items():
        click.echo(f"  {len(values):7d} req  p50 {percentile(values, 50) * 1000:7.1f} ms  "
                   f"p99 {percentile(values, 99) * 1000:7.1f} ms  {model[:90]}")
    if result["hostile_statuses"]:
        click.echo(f"  hostiles : {sum(result['hostile_statuses'].values())} requêtes, statuts "
                   f"{dict(sorted(result['hostile_statuses'].items()))}")
    for e in (result["errors"] + result["hostile_errors"])[:10]:
        click.echo(f"  erreur : {e[:200]}")


@click.command()
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Base lieux.db (servie par l'outil si --base est absent, et source des identifiants).")
@click.option("--base", help="Serveur déjà lancé, sur 127.0.0.1 uniquement.")
@click.option("--duration", default=60.0, show_default=True, help="Durée en secondes (au plus 600).")
@click.option("--concurrency", default=8, show_default=True, help="Connexions simultanées (au plus 64).")
@click.option("--profil", type=click.Choice(sorted(PROFILES)), default="public", show_default=True)
@click.option("--chemin", "paths", multiple=True, metavar="POIDS:MODELE", help="Remplace le profil (répétable).")
@click.option("--comparer", is_flag=True,
              help="Mesure « accueil » et « versions » en alternance sur le même serveur et donne le rapport.")
@click.option("--tranche", default=5.0, show_default=True,
              help="Avec --comparer : durée de chaque tranche alternée, en secondes.")
@click.option("--hostiles", default=0, show_default=True, help="Connexions hostiles à côté du trafic (au plus 16).")
@click.option("--sql", is_flag=True, help="Sert l'instance de confiance (serve --sql) au lieu de l'instance publique.")
@click.option("--sans-cache", "no_cache", is_flag=True,
              help="Sert sans la mémoire des pages de recherche : chaque recherche est calculée.")
def main(db, base, duration, concurrency, profil, paths, comparer, tranche, hostiles, sql, no_cache):
    """Envoie un trafic mixte borné (durée, connexions) à un serveur local et mesure req/s, p50, p99, erreurs."""
    duration, concurrency, hostiles = min(duration, 600.0), min(concurrency, 64), min(hostiles, 16)
    runs = ([("accueil", PROFILES["accueil"]), ("versions", PROFILES["versions"])] if comparer else
            [("chemins" if paths else profil,
              [(int(p.split(":", 1)[0]), p.split(":", 1)[1]) for p in paths] if paths else PROFILES[profil])])
    server = None
    if base is None:
        server, base = start_server(db, sql=sql, page_cache=not no_cache)
    host = urllib.parse.urlparse(base)
    if host.hostname not in LOOPBACK:
        raise click.ClickException(f"{base} : test de charge limité à 127.0.0.1.")
    values = samples(db)
    # --comparer: rounds of `tranche` seconds, each profile in turn, `duration` seconds of each in all.
    rounds = max(1, round(duration / max(tranche, 1.0))) if comparer else 1
    parts: dict = {name: [] for name, _ in runs}
    try:
        for _ in range(rounds):
            for name, chosen in runs:
                parts[name].append(run(host.hostname, host.port, chosen, values, duration / rounds, concurrency,
                                       hostiles))
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
    results = {name: combined(p) for name, p in parts.items()}
    for name, _ in runs:
        report(name, base, concurrency, results[name])
    if comparer:
        ratio = results["accueil"]["rate"] / results["versions"]["rate"]
        each = sorted(a["rate"] / v["rate"] for a, v in zip(parts["accueil"], parts["versions"]))
        click.echo(f"/?q=<commune> : {results['accueil']['rate']:.1f} req/s ; /-/versions.json : "
                   f"{results['versions']['rate']:.1f} req/s ; rapport {ratio:.0%} (objectif : au moins 70 %) ; "
                   f"{rounds} tranches de {duration / rounds:.0f} s, rapport par tranche de {each[0]:.0%} à "
                   f"{each[-1]:.0%}, médiane {each[len(each) // 2]:.0%}")
    if any(r["errors"] or r["hostile_errors"] for r in results.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
