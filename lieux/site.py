"""How Datasette serves the database: the one place its files and settings are listed."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
METADATA = ROOT / "metadata.yml"
PLUGINS_DIR = ROOT / "plugins"
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
SETTINGS = {
    "sql_time_limit_ms": 2000,
    "max_returned_rows": 1000,
    "default_facet_size": 30,
    "allow_download": False,
}


def serve_command(db_path: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The `datasette serve` command line: immutable database, project metadata, plugins, pages."""
    command = [
        sys.executable, "-m", "datasette", "serve", "-i", str(db_path),
        "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS_DIR),
        "--template-dir", str(TEMPLATES_DIR), "--static", f"static:{STATIC_DIR}",
        "--host", host, "--port", str(port),
    ]
    for key, value in SETTINGS.items():
        command += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    return command


def make_datasette(db_path: Path):
    """An in-process Datasette configured as `serve` runs it (for tests and benchmarks)."""
    from datasette.app import Datasette

    return Datasette(
        immutables=[str(db_path)],
        metadata=yaml.safe_load(METADATA.read_text(encoding="utf-8")),
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[("static", str(STATIC_DIR))],
        settings=SETTINGS,
    )
