"""The public instance, a real `datasette serve` process, holds its traffic while hostile requests run beside it.

The traffic is bench/load.py's (the public page with a commune search, /api/proches, place pages); the
hostile requests are what issue 16 measured (recursive CTE, randomblob(300000000), `_where`, a sort on a
subquery, /-/ pages), sent without pause on their own connections. Checked: every hostile request is
refused (400/403), every normal request answers 200, and the server's peak memory stays far from what one
randomblob(300000000) would take. No timing is asserted (speed is bench/load.py's, README's numbers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import load
from tests.servers import Server

PEAK_MEMORY_LIMIT_KB = 600_000  # one randomblob(300000000) alone is 300 MB, three at once passed 4 GB


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("VmHWM absent de /proc")


@pytest.fixture(scope="module")
def public_server(demo_db, tmp_path_factory):
    server = Server(demo_db, tmp_path_factory.mktemp("charge") / "datasette.log")
    try:
        server.wait(60)
        yield server
    finally:
        server.stop()


def test_traffic_holds_while_hostile_requests_are_refused(public_server, demo_db):
    values = load.samples(demo_db)
    result = load.run("127.0.0.1", public_server.port, load.PROFILES["public"] + load.PROFILES["accueil"], values,
                      duration=8, concurrency=3, hostiles=3)
    assert result["errors"] == [], result["errors"][:5]  # every normal request answered 200
    assert len(result["latencies"]) > 0
    assert result["hostile_errors"] == [], result["hostile_errors"][:5]
    statuses = result["hostile_statuses"]
    assert sum(statuses.values()) >= len(load.HOSTILE)  # each kind was tried at least once (in total)
    assert set(statuses) <= {400, 403}, statuses
    assert peak_rss_kb(public_server.process.pid) < PEAK_MEMORY_LIMIT_KB


def test_each_hostile_request_is_refused_with_a_french_message(public_server):
    import urllib.error
    import urllib.request

    for path in load.HOSTILE:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(public_server.url + path, timeout=60)
        assert refused.value.code in (400, 403), path
        body = refused.value.read().decode("utf-8")
        assert any(w in body for w in ("fermée", "Impossible", "refusé", "invalide")), (path, body[:300])
