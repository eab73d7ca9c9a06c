"""A real `python build.py serve` process answering over HTTP (the scripts/test.sh idea)."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT
from tests.servers import free_port, stop, wait_for_server


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode("utf-8")


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("served") / "lieux.db"
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--demo", "--db", str(db), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base, process, timeout=60, log=lambda: process.stdout.read().decode())
        yield base
    finally:
        stop(process)


@pytest.mark.parametrize("path, expected", [
    ("/lieux", "Lieux de médiation numérique"),
    ("/lieux/lieux", "datasette-cluster-map.js"),
    ("/lieux/lieux/demo-001", "Médiathèque démo n°1 (Paris)"),
    ("/lieux/sources", "Échantillon de démonstration"),
    ("/lieux/rejets", "5 chiffres attendus"),
])
def test_pages_over_http(served_demo, path, expected):
    status, body = get(served_demo + path)
    assert status == 200
    assert expected in body
    assert "Données de démonstration" in body


def test_public_instance_closes_sql_and_introspection(served_demo):
    for path in ("/-/databases.json", "/lieux.json?sql=select+1"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(served_demo + path)
        assert refused.value.code == 403, path


@pytest.fixture(scope="module")
def served_trusted(tmp_path_factory):
    """`build.py serve --sql` on a database whose file is not called lieux.db."""
    db = tmp_path_factory.mktemp("served-sql") / "annuaire-2025.db"
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--demo", "--sql", "--db", str(db),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(base, process, timeout=60, log=lambda: process.stdout.read().decode())
        yield base
    finally:
        stop(process)


def test_trusted_instance_any_file_name(served_trusted):
    status, body = get(served_trusted + "/-/databases.json")
    databases = json.loads(body)
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("lieux", False)]  # served immutable, as lieux
    status, body = get(served_trusted + "/lieux.json?_shape=array&sql=select+count(*)+as+n+from+lieux")
    assert json.loads(body) == [{"n": 50}]
