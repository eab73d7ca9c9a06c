"""Builds that never break what is served: SIGKILL a build at random moments while Datasette serves the file.

After every kill, lieux.db is the previous complete database (readable, same row counts,
integrity_check ok) and a real `datasette` process serving it has answered every request,
during the builds and after. The next complete build removes the killed builds' temporary files.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.servers import free_port, stop, wait_for_server

from bench.synthetic import write_france_services
from lieux import load, site
from tests.conftest import ROOT

KILLS = 6
ROWS = 4000


def build_command(db, source):
    return [sys.executable, str(ROOT / "build.py"), "build", "--db", str(db), "--quiet",
            "--input", f"france-services={source}"]


def snapshot(db) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and name not like 'lieux_fts%'")]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


class Poller(threading.Thread):
    """Asks the server for a page every 50 ms and counts answers and failures."""

    PATHS = ["/lieux/lieux.json?_size=5&_shape=array", "/lieux/sources.json?_shape=array", "/lieux/lieux/france-services-7"]

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.ok, self.failures, self.stop = base, 0, [], threading.Event()

    def run(self):
        i = 0
        while not self.stop.is_set():
            path = self.PATHS[i % len(self.PATHS)]
            i += 1
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as r:
                    r.read()
                    self.ok += 1
            except Exception as e:  # any failure is what this test looks for
                self.failures.append(f"{path}: {e!r}")
            time.sleep(0.05)


@pytest.fixture
def served(tmp_path):
    source = write_france_services(tmp_path / "fs.csv", ROWS)
    db = tmp_path / "lieux.db"
    started = time.monotonic()
    subprocess.run(build_command(db, source), check=True, capture_output=True)
    duration = time.monotonic() - started
    port = free_port()
    server = subprocess.Popen(site.serve_command(db, port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base, server, timeout=30, log=lambda: server.stderr.read().decode())
        yield db, source, base, duration
    finally:
        stop(server)


def test_killed_builds_leave_the_served_database_whole(served):
    db, source, base, duration = served
    before = snapshot(db)
    assert before["lieux"] == ROWS
    poller = Poller(base)
    poller.start()
    rng = random.Random(7)
    killed_pids = []
    for i in range(KILLS):
        build = subprocess.Popen(build_command(db, source), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i % 2:  # while the new database is being written: wait for its temporary file
            temporary = db.parent / f"lieux.db.tmp-{build.pid}"
            deadline = time.monotonic() + 2 * duration + 10
            while not temporary.exists() and build.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.3))
        else:  # at any moment
            time.sleep(rng.uniform(0.05, duration * 0.95))
        build.send_signal(signal.SIGKILL)
        build.wait()
        killed_pids.append(build.pid)
        assert snapshot(db) == before
    time.sleep(0.3)
    poller.stop.set()
    poller.join()
    assert poller.failures == []
    assert poller.ok >= 10
    leftovers = sorted(p.name for p in db.parent.glob("lieux.db.tmp-*"))
    assert leftovers, "the kills should have left temporary files (killed before the end)"
    # the next complete build replaces the database and removes what the killed builds left; the history
    # kept across builds (one more row in `constructions`, README « Changements ») is all that grows
    subprocess.run(build_command(db, source), check=True, capture_output=True)
    after = snapshot(db)
    assert after.pop("constructions") == before["constructions"] + 1
    assert after == {k: v for k, v in before.items() if k != "constructions"}
    assert list(db.parent.glob("lieux.db.tmp-*")) == []
    with urllib.request.urlopen(base + "/lieux/lieux.json?_size=1&_shape=array", timeout=5) as r:
        assert r.status == 200


def test_stale_temporaries_of_running_builds_are_kept(tmp_path):
    db = tmp_path / "lieux.db"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [tmp_path / f"lieux.db.tmp-{dead.pid}", tmp_path / f"lieux.db.tmp-{dead.pid}-journal"]
    running = tmp_path / f"lieux.db.tmp-{__import__('os').getppid()}"  # the process that started pytest runs
    for path in stale + [running]:
        path.write_bytes(b"x")
    assert sorted(load.remove_stale_temporaries(db)) == sorted(stale)
    assert running.exists()
