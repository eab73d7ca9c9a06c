"""Shared fixtures: the reference data served over HTTP, databases built by the real build command."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from build import cli
from tests.reference_inputs import GEO_REFERENCE_INPUTS, REFERENCE_INPUTS

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LIEUX_SHARED_DIR", ROOT.parent / "shared"))
REFERENCE = SHARED / "reference"

requires_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"données de référence absentes ({REFERENCE}) : placez shared/ à côté du dépôt"
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_directory(directory: Path):
    """A ThreadingHTTPServer on 127.0.0.1 serving `directory`; returns (server, base_url)."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="session")
def reference_url():
    """Base URL of a local HTTP server serving ../shared/reference."""
    if not REFERENCE.is_dir():
        pytest.skip(f"données de référence absentes ({REFERENCE})")
    server, url = serve_directory(REFERENCE)
    yield url
    server.shutdown()


def run_build(db_path: Path, *args) -> str:
    result = CliRunner().invoke(cli, ["build", "--db", str(db_path), "--quiet", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory, monkeypatch_session):
    path = tmp_path_factory.mktemp("cache")
    monkeypatch_session.setattr("lieux.fetch.CACHE_DIR", path)
    return path


@pytest.fixture(scope="session")
def monkeypatch_session():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="session")
def reference_db(tmp_path_factory, reference_url, cache_dir):
    """lieux.db built from every reference list, each downloaded from the local HTTP server."""
    db_path = tmp_path_factory.mktemp("reference") / "lieux.db"
    inputs = []
    for source_id, relative in {**REFERENCE_INPUTS, **GEO_REFERENCE_INPUTS}.items():
        inputs += ["--input", f"{source_id}={reference_url}/{quote(relative)}"]  # some names have spaces
    output = run_build(db_path, *inputs)
    db_path.with_suffix(".txt").write_text(output, encoding="utf-8")
    return db_path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("demo") / "lieux.db"
    run_build(db_path, "--demo")
    return db_path


@pytest.fixture(scope="session")
def demo_geo_db(tmp_path_factory, reference_url, cache_dir):
    """The demo sample built with the reference geography (communes, former communes, départements), downloaded
    from the local HTTP server: the place search reads it."""
    db_path = tmp_path_factory.mktemp("demo-geo") / "lieux.db"
    inputs = []
    for ref_id, relative in GEO_REFERENCE_INPUTS.items():
        inputs += ["--input", f"{ref_id}={reference_url}/{quote(relative)}"]
    run_build(db_path, "--demo", *inputs)
    return db_path


@pytest.fixture(scope="session")
def demo_geo_datasette(demo_geo_db):
    from lieux.site import make_datasette

    return make_datasette(demo_geo_db)


@pytest.fixture(scope="session")
def demo_datasette(demo_db):
    from lieux.site import make_datasette

    return make_datasette(demo_db)


@pytest.fixture(scope="session")
def reference_datasette(reference_db):
    from lieux.site import make_datasette

    return make_datasette(reference_db)


def copy_reference(relative: str, dest: Path) -> Path:
    """A copy of one reference file in a temporary folder (to alter it in a test)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REFERENCE / relative, dest)
    return dest


@pytest.fixture(scope="session")
def geo_paths():
    """{reference id: local path} of the reference geography in ../shared/reference/geo."""
    if not REFERENCE.is_dir():
        pytest.skip(f"données de référence absentes ({REFERENCE})")
    return {ref_id: REFERENCE / relative for ref_id, relative in GEO_REFERENCE_INPUTS.items()}


@pytest.fixture(scope="session")
def geography(geo_paths):
    """The reference geography read from ../shared (the files the build downloads)."""
    from lieux.geo.data import load_geography

    return load_geography(geo_paths)


@pytest.fixture(scope="session")
def geo_reference_files(reference_url):
    """The reference file registry with every URL pointed at the local HTTP server (sha256 pins kept)."""
    import dataclasses

    from lieux.geo.reference import REFERENCE_FILES

    return tuple(dataclasses.replace(ref, url=f"{reference_url}/{GEO_REFERENCE_INPUTS[ref.id]}") for ref in REFERENCE_FILES)
