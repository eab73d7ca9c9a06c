"""How Datasette serves the database: the one place its files and settings are listed."""

from __future__ import annotations

import json
import secrets
import shlex
import shutil
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
    # Facet suggestions try every column on every table page: 9.3 s of a 9.3 s page over 100,000 lieux
    # (measured with tests' make_datasette; 1.4 s without). Facets listed in metadata.yml still show.
    "suggest_facets": False,
    # Table pages cut cells longer than this (with "…"); the row page shows them whole. Keeps a page of
    # lieux readable on a phone (issue 13: the lieux table was 227,000 px tall at 390 px).
    "truncate_cells_html": 100,
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


# What the container installs: Datasette 0.65 (not a 1.0 alpha) and the plugins of pyproject.toml.
PACKAGE_INSTALL = [
    "datasette>=0.65.1,<0.66", "datasette-cluster-map>=0.18,<0.19", "datasette-geojson>=0.4,<0.5",
    "datasette-leaflet-geojson>=0.8,<0.9", "sqlite-utils>=3.36,<5", "PyYAML>=6,<7",
]


def package_context(db_path: Path, out_dir: Path, secret: str | None = None) -> Path:
    """A Docker build context serving the database as `serve` does: one folder, one `docker build`.

    The Dockerfile is Datasette's own (datasette.utils.make_dockerfile, as `datasette package` and
    `datasette publish` write it: `datasette inspect` at build time, the database served immutable
    with -i); the folder also holds the `lieux` package and the schemas, which plugins import, on
    PYTHONPATH, and the settings of SETTINGS.
    """
    from datasette.utils import make_dockerfile

    db_path, out_dir = Path(db_path), Path(out_dir)
    if db_path.name != "lieux.db":
        raise ValueError(f"{db_path} : la base à publier doit s'appeler lieux.db (Datasette nomme la base d'après le fichier).")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    shutil.copy2(db_path, out_dir / "lieux.db")
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    (out_dir / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source, name in ((PLUGINS_DIR, "plugins"), (TEMPLATES_DIR, "templates"), (STATIC_DIR, "static"),
                         (ROOT / "lieux", "lieux"), (ROOT / "schemas", "schemas")):
        shutil.copytree(source, out_dir / name, ignore=ignore)
    extra = " ".join(f"--setting {key} {str(value).lower() if isinstance(value, bool) else value}"
                     for key, value in SETTINGS.items())
    dockerfile = make_dockerfile(
        ["lieux.db"], "metadata.json", extra, None, "templates", "plugins", [("static", "static")],
        [shlex.quote(p) for p in PACKAGE_INSTALL],  # make_dockerfile does not quote: "<0.66" would be a redirection
        False, None, secret or secrets.token_hex(32), environment_variables={"PYTHONPATH": "/app"},
    )
    (out_dir / "Dockerfile").write_text(dockerfile + "\n", encoding="utf-8")
    from .paquet_mise_a_jour import add_refresh

    return add_refresh(out_dir)  # the image serves through build.py service and refreshes itself on a schedule
