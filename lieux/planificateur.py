"""What the `paquet` image runs: the site (`build.py service`) and, on a schedule, `build.py refresh`.

    python -m lieux.planificateur --db /app/lieux.db --host 0.0.0.0 --port 8001

Every LIEUX_REFRESH_HOURS hours (24 by default; 0 turns the schedule off), first after LIEUX_REFRESH_FIRST_HOURS
(1 by default), a refresh runs in a child process; the relay swaps to each version it publishes. The refresh's
JSON lines and its exit code go to stdout (the container's log). SIGTERM stops both.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def log(event: str, **data) -> None:
    print(json.dumps({"horodatage": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                      "evenement": event, **data}, ensure_ascii=False), flush=True)


def hours(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def schedule(command: list[str], every_s: float, first_s: float, stop: threading.Event, runs: list | None = None) -> None:
    """Run `command` after `first_s` seconds, then every `every_s` seconds, until `stop` (one at a time)."""
    wait = first_s
    while not stop.wait(wait):
        log("mise-a-jour", commande=command[2:])
        code = subprocess.run(command, cwd=str(ROOT)).returncode
        log("mise-a-jour-terminee", code=code)
        if runs is not None:
            runs.append(code)
        wait = every_s


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Sert l'annuaire et le met à jour à intervalles réguliers.")
    parser.add_argument("--db", default=str(ROOT / "lieux.db"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    build = [sys.executable, str(ROOT / "build.py")]
    service = subprocess.Popen([*build, "service", "--db", args.db, "--host", args.host, "--port", str(args.port)],
                               cwd=str(ROOT))
    stop = threading.Event()
    every = hours("LIEUX_REFRESH_HOURS", 24) * 3600
    if every > 0:
        refresh = [*build, "refresh", "--db", args.db, "--geo"]
        threading.Thread(target=schedule, args=(refresh, every, hours("LIEUX_REFRESH_FIRST_HOURS", 1) * 3600, stop),
                         daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        if service.poll() is not None:
            log("service-arrete", code=service.returncode)
            stop.set()
    if service.poll() is None:
        service.terminate()
    return service.wait()


if __name__ == "__main__":
    sys.exit(main())
