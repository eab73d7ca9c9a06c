"""Publishing a new version while requests keep coming: `build.py service` swaps Datasette without a failed request.

A real relay process serves a symlink; threads send a bounded loop of requests on loopback while the symlink is
pointed at another version twice. Every request must answer 200 (or the 404 of a lieu that one version lacks),
and after each swap the new version must be the one served.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from bench.synthetic import write_france_services
from build import cli
from tests.conftest import ROOT
from tests.servers import free_port, stop

THREADS = 4
MAX_REQUESTS = 4000          # per thread: the loop is bounded in count...
MAX_SECONDS = 90             # ...and in time
PATHS = ["/api/lieux/france-services-5", "/lieux/lieux.json?_size=3&_shape=array", "/api/openapi.json",
         "/api/lieux/france-services-250"]


def build_version(tmp_path, name, rows):
    db = tmp_path / "versions" / name / "lieux.db"
    source = write_france_services(tmp_path / f"{name}.csv", rows)
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet", "--input", f"france-services={source}"])
    assert result.exit_code == 0, result.output
    return db


def point(served, target):
    tmp = served.with_name("lieux.db.lien")
    os.symlink(os.path.relpath(target, served.parent), tmp)
    os.replace(tmp, served)


def get(url):
    """The status of a GET; a refused or reset connection raises (and fails the test)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


class Load(threading.Thread):
    def __init__(self, base, stop_event):
        super().__init__(daemon=True)
        self.base, self.stop_event, self.count, self.failures = base, stop_event, 0, []

    def run(self):
        deadline = time.monotonic() + MAX_SECONDS
        for i in range(MAX_REQUESTS):
            if self.stop_event.is_set() or time.monotonic() > deadline:
                break
            path = PATHS[i % len(PATHS)]
            try:
                status = get(self.base + path)
            except Exception as e:  # a refused or reset connection is what this test looks for
                self.failures.append(f"{path}: {e!r}")
                continue
            self.count += 1
            if status not in (200, 404) or (status == 404 and not path.endswith("-250")):
                self.failures.append(f"{path}: HTTP {status}")


def wait_until(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def relay(tmp_path, monkeypatch):
    monkeypatch.setattr("lieux.fetch.CACHE_DIR", tmp_path / "cache")
    small, large = build_version(tmp_path, "v1", 200), build_version(tmp_path, "v2", 300)
    served = tmp_path / "lieux.db"
    point(served, small)
    port = free_port()
    log = (tmp_path / "relais.log").open("w")
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "service", "--db", str(served), "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, cwd=str(ROOT))
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _answers(base), 60), (tmp_path / "relais.log").read_text()
        yield served, small, large, base, process, tmp_path / "relais.log"
    finally:
        stop(process)
        log.close()


def _answers(base):
    try:
        return get(base + "/api/openapi.json") == 200
    except OSError:
        return False


def test_swaps_under_load_drop_no_request(relay):
    served, small, large, base, process, log_path = relay
    assert get(base + "/api/lieux/france-services-250") == 404
    stop_event = threading.Event()
    threads = [Load(base, stop_event) for _ in range(THREADS)]
    for t in threads:
        t.start()
    time.sleep(1)
    point(served, large)
    assert wait_until(lambda: get(base + "/api/lieux/france-services-250") == 200), log_path.read_text()
    time.sleep(1)
    point(served, small)
    assert wait_until(lambda: get(base + "/api/lieux/france-services-250") == 404), log_path.read_text()
    time.sleep(1)
    stop_event.set()
    for t in threads:
        t.join()
    failures = [f for t in threads for f in t.failures]
    total = sum(t.count for t in threads)
    print(f"\n{total} requêtes pendant deux bascules, {len(failures)} en échec")
    assert failures == [], failures[:10]
    assert total >= 100
    log = log_path.read_text()
    assert log.count('"evenement": "bascule"') == 2
    # the relay stops cleanly, with its children
    process.terminate()
    assert process.wait(30) == 0 or process.returncode in (0, -15)
