"""Publishing without dropping a request: a relay that holds the listening socket and hands it to Datasette.

The served path (lieux.db) is a symlink to an immutable versioned file (lieux/refresh.py). The relay binds the
port once and starts a Datasette child on the inherited socket (lieux/relais_enfant.py). When the symlink
points at a new version (checked every second, or at once on SIGHUP), it starts a second child on the same
socket, waits until that one is ready (its ASGI startup done), then sends SIGUSR1 to the old one: it stops
accepting, answers every connection it accepted (for relais_enfant.DRAIN_SECONDS), then exits. The socket itself never closes, so connections
that arrive meanwhile wait in its queue for whichever child accepts them: no request is refused or dropped.
A child that dies is restarted. One JSON line per event on stdout.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import site

READY_TIMEOUT_SECONDS = 120
POLL_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 60


def log(event: str, **data) -> None:
    print(json.dumps({"horodatage": datetime.now(timezone.utc).replace(microsecond=0).isoformat(), "evenement": event,
                      **data}, ensure_ascii=False), flush=True)


def listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


@dataclass
class Child:
    process: subprocess.Popen
    target: Path


def start_child(sock: socket.socket, target: Path, command=site.serve_command, **options) -> Child:
    """A Datasette serving `target` on the inherited socket; returns once it is ready (RuntimeError otherwise)."""
    read_end, write_end = os.pipe()
    args = command(target, 0, **options)[3:]  # [python, -m, datasette, serve, ...] → [serve, ...]
    process = subprocess.Popen([sys.executable, "-m", "lieux.relais_enfant", str(sock.fileno()), str(write_end), *args],
                               pass_fds=(sock.fileno(), write_end), cwd=str(site.ROOT),
                               env=site.serve_environment(sql=False))  # the public instance: no arbitrary SQL
    os.close(write_end)
    try:
        ready = wait_ready(read_end, process)
    finally:
        os.close(read_end)
    if not ready:
        stop_child(Child(process, target))
        raise RuntimeError(f"le serveur Datasette pour {target} n'a pas démarré (code {process.returncode}).")
    return Child(process, target)


def wait_ready(read_end: int, process: subprocess.Popen, timeout: float = READY_TIMEOUT_SECONDS) -> bool:
    import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readable, _, _ = select.select([read_end], [], [], 0.2)
        if readable:
            return os.read(read_end, 1) == b"1"
        if process.poll() is not None:
            return False
    return False


def stop_child(child: Child, timeout: float = STOP_TIMEOUT_SECONDS, drain: bool = True) -> None:
    """SIGUSR1: the child stops accepting, answers what it accepted, then exits (relais_enfant.drain);
    SIGTERM only if it is still there after `timeout`, SIGKILL after twice that."""
    if child.process.poll() is None:
        child.process.send_signal(signal.SIGUSR1 if drain else signal.SIGTERM)
    try:
        child.process.wait(timeout)
        return
    except subprocess.TimeoutExpired:
        child.process.terminate()
    try:
        child.process.wait(timeout)
    except subprocess.TimeoutExpired:
        child.process.kill()
        child.process.wait()


def current_target(served: Path) -> Path:
    return Path(served).resolve()


def run(served: Path, host: str = "127.0.0.1", port: int = 8001, poll: float = POLL_SECONDS, **options) -> None:
    """Serve `served` until SIGTERM or SIGINT, swapping Datasette whenever the symlink moves."""
    served = Path(served)
    sock = listening_socket(host, port)
    child = start_child(sock, current_target(served), **options)
    log("demarrage", base=str(child.target), pid=child.process.pid, port=port)
    stopping, wake = threading.Event(), threading.Event()

    def on_stop(*_):
        stopping.set()
        wake.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, lambda *_: wake.set())
    try:
        while not stopping.is_set():
            wake.wait(poll)
            wake.clear()
            if stopping.is_set():
                break
            target = current_target(served)
            if child.process.poll() is not None:
                log("redemarrage", base=str(target), code=child.process.returncode)
                child = start_child(sock, target, **options)
                continue
            if target == child.target:
                continue
            try:
                fresh = start_child(sock, target, **options)
            except RuntimeError as e:
                log("bascule-impossible", base=str(target), message=str(e))
                continue
            old, child = child, fresh
            log("bascule", ancienne=str(old.target), nouvelle=str(fresh.target), pid=fresh.process.pid)
            threading.Thread(target=stop_child, args=(old,), daemon=True).start()
    finally:
        stop_child(child, drain=False)
        sock.close()
        log("arret")
