"""How Datasette serves the database: the one place its files and settings are listed."""

from __future__ import annotations

import json
import os
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
# Where plugins/securite.py keeps, for one request, its CSP nonce and the hashes of the inline scripts plugins add
# (plugins/cache_pages.py replays the hashes with a cached page).
CSP_SCOPE_KEY = "lieux_csp"
SETTINGS = {
    "sql_time_limit_ms": 2000,
    "max_returned_rows": 1000,
    "default_facet_size": 30,
    # Open data: the whole database is downloadable (/lieux.db, linked from /lieux), so that anyone can run
    # any SQL on their own machine while the public server runs none (plugins/securite.py).
    "allow_download": True,
    # Facet suggestions try every column on every table page: 9.3 s of a 9.3 s page over 100,000 lieux
    # (measured with tests' make_datasette; 1.4 s without). Facets listed in metadata.yml still show.
    "suggest_facets": False,
    # Table pages cut cells longer than this (with "…"); the row page shows them whole. Keeps a page of
    # lieux readable on a phone (issue 13: the lieux table was 227,000 px tall at 390 px).
    "truncate_cells_html": 100,
}


# Environment variable read by metadata.yml (plugins: lieux-securite: sql: $env) : set only by `serve --sql`.
SQL_ENV = "LIEUX_SQL"


def serve_environment(sql: bool = False, base: dict | None = None) -> dict:
    """The environment of the server process: LIEUX_SQL=oui for trusted local use, removed otherwise (an
    exported variable never opens the public instance by accident)."""
    env = dict(os.environ if base is None else base)
    env.pop(SQL_ENV, None)
    if sql:
        env[SQL_ENV] = "oui"
    return env


def serve_command(db_path: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """The `datasette serve` command line: immutable database, project metadata, plugins, pages.

    Run it with serve_environment(sql): the public instance (no arbitrary SQL, /-/ closed) unless sql."""
    command = [
        sys.executable, "-m", "datasette", "serve", "-i", str(db_path),
        "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS_DIR),
        "--template-dir", str(TEMPLATES_DIR), "--static", f"static:{STATIC_DIR}",
        "--host", host, "--port", str(port),
    ]
    for key, value in SETTINGS.items():
        command += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    return command


def load_metadata(sql: bool | None = None) -> dict:
    """metadata.yml; with `sql` given, the public/trusted switch fixed instead of read from LIEUX_SQL."""
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    if sql is not None:
        metadata.setdefault("plugins", {}).setdefault("lieux-securite", {})["sql"] = bool(sql)
    return metadata


def make_datasette(db_path: Path, sql: bool | None = None):
    """An in-process Datasette configured as `serve` runs it (for tests and benchmarks): the public
    instance, or the trusted one of `serve --sql` with sql=True (None: as LIEUX_SQL says, like serve)."""
    from datasette.app import Datasette

    return Datasette(
        immutables=[str(db_path)],
        metadata=load_metadata(sql),
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


def package_context(db_path: Path, out_dir: Path) -> Path:
    """A Docker build context serving the database as `serve` does: one folder, one `docker build`.

    The Dockerfile is Datasette's own (datasette.utils.make_dockerfile, as `datasette package` and
    `datasette publish` write it: `datasette inspect` at build time, the database served immutable
    with -i); the folder also holds the `lieux` package and the schemas, which plugins import, on
    PYTHONPATH, and the settings of SETTINGS. It serves the public instance: no arbitrary SQL (LIEUX_SQL is
    not set), no `--cors` (plugins/api.py adds CORS to the API and the data answers only), and no secret in
    the image: Datasette reads DATASETTE_SECRET from the container's environment at run time
    (`docker run -e DATASETTE_SECRET=...`), or makes a random one at each start.
    """
    from datasette.utils import make_dockerfile

    db_path, out_dir = Path(db_path), Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    shutil.copy2(db_path, out_dir / "lieux.db")
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    (out_dir / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.copy2(METADATA, out_dir / "metadata.yml")  # plugins read it through lieux.site.METADATA (map tiles)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source, name in ((PLUGINS_DIR, "plugins"), (TEMPLATES_DIR, "templates"), (STATIC_DIR, "static"),
                         (ROOT / "lieux", "lieux"), (ROOT / "schemas", "schemas")):
        shutil.copytree(source, out_dir / name, ignore=ignore)
    extra = " ".join(f"--setting {key} {str(value).lower() if isinstance(value, bool) else value}"
                     for key, value in SETTINGS.items())
    dockerfile = make_dockerfile(
        ["lieux.db"], "metadata.json", extra, None, "templates", "plugins", [("static", "static")],
        [shlex.quote(p) for p in PACKAGE_INSTALL],  # make_dockerfile does not quote: "<0.66" would be a redirection
        False, None, None, environment_variables={"PYTHONPATH": "/app"},
    )
    (out_dir / "Dockerfile").write_text(safe_dockerfile(dockerfile) + "\n", encoding="utf-8")
    from .paquet_mise_a_jour import add_refresh

    return add_refresh(out_dir)  # the image serves through build.py service and refreshes itself on a schedule


def safe_dockerfile(dockerfile: str) -> str:
    """Datasette's Dockerfile without what a public image must not carry: a secret written into it
    (ENV DATASETTE_SECRET) and CORS on every answer (--cors)."""
    lines = [line for line in dockerfile.splitlines() if not line.startswith("ENV DATASETTE_SECRET")]
    out = "\n".join(lines).replace(" --cors", "")
    if "DATASETTE_SECRET" in out or "--cors" in out:
        raise ValueError("le Dockerfile de Datasette a changé de forme : secret ou --cors encore présent")
    return out
