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
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from build import cli
from plugins.securite import CONTENT_SECURITY_POLICY
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
    secret = [e for e in steps["ENV"] if e.startswith("DATASETTE_SECRET")][0]
    assert len(secret.split("'")[1]) == 64

    # the Dockerfile's steps, here: RUN datasette inspect ..., then CMD on a loopback port
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(out), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "LIEUX_REFRESH_HOURS": "0"}  # no refresh here: it would download from the internet
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
            assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "Code postal" in page  # column descriptions: the schema_metadata plugin reads schemas/
        assert "démonstration" in page  # templates/ and the demo banner plugin
        with urllib.request.urlopen(base + "/lieux.json", timeout=5) as r:
            assert r.status == 200
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
