"""The reference geography is downloaded by the real fetch code (here from a local HTTP server), pinned and cached."""

import dataclasses
import sqlite3

import pytest
from click.testing import CliRunner

from build import cli
from lieux import fetch
from lieux.geo import prepare, reference
from tests.conftest import copy_reference, serve_directory
from tests.reference_inputs import GEO_REFERENCE_INPUTS


def test_every_official_url_is_pinned_or_a_live_service():
    for ref in reference.REFERENCE_FILES:
        assert ref.url.startswith("https://")
        if ref.sha256 is None:  # the live services, whose answer changes with each update, and the commune outlines
            # (their digest was unknown where they were added: no network; the digest of each copy is recorded)
            assert ref.id in ("geo-communes", "geo-codes-postaux", "geo-communes-contours")
        else:
            assert ("@" + reference.DECOUPAGE_VERSION in ref.url) or (reference.FRANCE_GEOJSON_COMMIT in ref.url)


def test_fetch_checks_the_sha256_pins(geo_reference_files, tmp_path):
    for ref in geo_reference_files:
        got = reference.fetch_file(ref, cache_dir=tmp_path)
        assert got.status == "ok" and got.path.exists()
        if ref.sha256:
            assert got.sha256 == ref.sha256
    assert (tmp_path / "geo" / "geo-communes" / "geo-communes.json").exists()


def test_a_changed_file_is_refused_and_the_last_good_copy_kept(geo_reference_files, tmp_path):
    [ref] = [r for r in geo_reference_files if r.id == "geo-cog-regions"]
    cache = tmp_path / "cache"
    reference.fetch_file(ref, cache_dir=cache)
    changed = copy_reference("geo/decoupage-administratif/regions.json", tmp_path / "www" / "regions.json")
    changed.write_text(changed.read_text(encoding="utf-8").replace("Bretagne", "Bretagne (modifiée)"), encoding="utf-8")
    server, url = serve_directory(tmp_path / "www")
    try:
        with pytest.raises(fetch.FetchError, match="sha256"):
            fetch.download(f"{url}/regions.json", tmp_path / "x.json", sha256=ref.sha256, retries=1)
        got = reference.fetch_file(dataclasses.replace(ref, url=f"{url}/regions.json"), cache_dir=cache)
    finally:
        server.shutdown()
    assert got.status == "perimee" and "Dernière copie valide conservée" in got.message
    assert got.sha256 == ref.sha256


def test_prepare_without_any_copy_says_how_to_get_it(tmp_path):
    prepared = prepare({}, cache_dir=tmp_path)
    assert prepared.geography is None
    assert "python build.py fetch" in prepared.message and "non_verifiee" in prepared.message


def test_fetch_command_then_offline_build(geo_reference_files, tmp_path, monkeypatch):
    """`build.py fetch --source geo` fills the cache; a later build (demo, no --input) reads the geography from it."""
    monkeypatch.setattr(reference, "REFERENCE_FILES", geo_reference_files)
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")
    result = CliRunner().invoke(cli, ["fetch", "--source", "geo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.count("✓ geo-") == len(geo_reference_files)
    db = tmp_path / "lieux.db"
    result = CliRunner().invoke(cli, ["build", "--demo", "--quiet", "--db", str(db)], catch_exceptions=False)
    assert result.exit_code == 0 and "Référentiel géographique absent" not in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from lieux where qualite_geo = 'non_verifiee'").fetchone() == (0,)
        assert conn.execute("select count(*) from references_geo where statut = 'ok' and sha256 is not null").fetchone() == (8,)


def test_a_failed_geography_input_is_explained(tmp_path, reference_url):
    prepared = prepare({"geo-communes": f"{reference_url}/geo/absent.json"}, cache_dir=tmp_path)
    assert prepared.geography is None
    assert "geo-communes" in prepared.message and "téléchargement impossible" in prepared.message


def test_the_commune_outlines_are_optional(tmp_path, reference_url):
    """Without the contours file the build still checks points, against their département, and says so."""
    inputs = {i: f"{reference_url}/{p}" for i, p in GEO_REFERENCE_INPUTS.items() if i != "geo-communes-contours"}
    prepared = prepare(inputs, cache_dir=tmp_path)
    assert prepared.geography is not None and prepared.geography.outlines is None
    assert prepared.resolved["geo-communes-contours"].status == "absente"


def test_the_commune_outlines_are_read_gzipped_or_not(tmp_path, reference_url):
    import gzip
    import shutil

    from lieux.geo.outlines import CommuneOutlines

    gz = copy_reference("geo/communes-contours.geojson.gz", tmp_path / "contours.geojson.gz")
    plain = tmp_path / "contours.geojson"
    with gzip.open(gz) as f, open(plain, "wb") as out:
        shutil.copyfileobj(f, out)
    assert CommuneOutlines.read(gz).shapes.keys() == CommuneOutlines.read(plain).shapes.keys()
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="contours des communes illisibles"):
        CommuneOutlines.read(bad)
