"""Real server processes for tests: a free loopback port, and waiting until Datasette answers."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from lieux.site import serve_command, serve_environment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, process: subprocess.Popen | None = None, timeout: float = 60.0, log=lambda: "") -> None:
    """Return once `url`/-/versions.json answers 200; raise with the server's log if it stops or stays silent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"le serveur s'est arrêté ({process.returncode}) :\n{log()}")
        try:
            with urllib.request.urlopen(f"{url}/-/versions.json", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"le serveur n'a pas répondu en {timeout} s :\n{log()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Server:
    """`python -m datasette serve` as `build.py serve` runs it, on a free loopback port, logging to a file:
    the public instance, or the trusted one of `serve --sql` with sql=True."""

    def __init__(self, db_path: Path, log_path: Path, sql: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(serve_command(db_path, self.port), stdout=self.log, stderr=subprocess.STDOUT,
                                        env=serve_environment(sql))

    def wait(self, timeout: float = 60) -> None:
        wait_for_server(self.url, self.process, timeout, log=self.log_path.read_text)

    def stop(self) -> None:
        stop(self.process)
        self.log.close()
