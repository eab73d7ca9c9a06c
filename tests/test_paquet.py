"""More than one machine: `build.py paquet` writes a Docker build context; its command serves the site.

Docker is not run here (no registry, no daemon): the test runs the Dockerfile's own steps on this
machine instead (`datasette inspect`, then its CMD on 127.0.0.1) and checks what is served.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from click.testing import CliRunner

from build import cli
from tests.servers import free_port, stop, wait_for_server


def dockerfile_steps(folder: Path) -> dict:
    steps = {}
    for line in (folder / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            steps.setdefault(keyword, []).append(rest)
    return steps


def test_package_context_and_its_command_serve_the_site(demo_db, tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["paquet", "--db", str(demo_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {"Dockerfile", "lieux.db", "metadata.json", "plugins", "templates",
                                                "static", "lieux", "schemas", "build.py", "sources"}
    steps = dockerfile_steps(out)
    [install] = [r for r in steps["RUN"] if r.startswith("pip install")]
    words = shlex.split(install)
    assert "datasette>=0.65.1,<0.66" in words and not any(w.startswith(("<", ">")) for w in words)
    assert any(w.startswith("frictionless") for w in words)  # what refresh needs to build
    [inspect] = [r for r in steps["RUN"] if r.startswith("datasette inspect")]
    command = steps["CMD"][0]
    # the site through the relay (build.py service, Datasette as `serve` runs it), refresh on a schedule
    assert command.startswith("python -m lieux.planificateur --db /app/lieux.db")
    # no secret written into the image (Datasette reads DATASETTE_SECRET at run time), no CORS on every answer
    dockerfile = (out / "Dockerfile").read_text(encoding="utf-8")
    assert "DATASETTE_SECRET" not in dockerfile and "--cors" not in dockerfile and "LIEUX_SQL" not in dockerfile

    # the Dockerfile's steps, here: RUN datasette inspect ..., then CMD on a loopback port
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(out), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "LIEUX_REFRESH_HOURS": "0"}  # no refresh here: it would download from the internet
    env.pop("LIEUX_SQL", None)
    subprocess.run(shlex.split(inspect), cwd=out, env=env, check=True, capture_output=True)
    port = free_port()
    args = shlex.split(command.replace("$PORT", str(port)).replace("/app/lieux.db", str(out / "lieux.db")))
    args[args.index("0.0.0.0")] = "127.0.0.1"
    args[0] = sys.executable  # the image's python
    assert shutil.which(args[0], path=env["PATH"])
    server = subprocess.Popen(args, cwd=out, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(base, server, timeout=30, log=lambda: server.stderr.read().decode())
        with urllib.request.urlopen(base + "/lieux/lieux", timeout=5) as r:
            page = r.read().decode()
            assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"].split("; ")[1]  # script-src
            assert r.headers.get("Access-Control-Allow-Origin") is None  # no CORS on pages
        assert "Code postal" in page  # column descriptions: the schema_metadata plugin reads schemas/
        assert "démonstration" in page  # templates/ and the demo banner plugin
        with urllib.request.urlopen(base + "/lieux.json", timeout=5) as r:
            assert r.status == 200
        # the public instance: no arbitrary SQL, /-/ closed, the whole database downloadable, CORS on data only
        for path in ("/-/databases.json", "/-/threads.json", "/lieux.json?sql=select+1"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path, timeout=5)
            assert refused.value.code == 403, path
        with urllib.request.urlopen(base + "/lieux.db", timeout=5) as r:
            assert r.read() == (out / "lieux.db").read_bytes()
        with urllib.request.urlopen(base + "/lieux/lieux.json", timeout=5) as r:
            assert r.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        stop(server)


def test_the_scheduler_runs_its_command_on_time():
    import threading
    import time

    from lieux import planificateur

    stop, runs = threading.Event(), []
    command = [sys.executable, "-c", "import sys; sys.exit(3)"]
    worker = threading.Thread(target=planificateur.schedule, args=(command, 0.3, 0.1, stop, runs))
    worker.start()
    time.sleep(1.2)
    stop.set()
    worker.join(5)
    assert 2 <= len(runs) <= 5 and set(runs) == {3}  # each run's exit code is logged; a published-stale run goes on
