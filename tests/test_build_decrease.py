"""A build never silently publishes fewer lieux than the database it replaces (issue 15 §2)."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from bench.synthetic import write_france_services
from build import cli


def lieux_count(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from lieux").fetchone()[0]


def build(db, source, *extra):
    return CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet", "--input", f"france-services={source}", *extra])


def test_an_empty_file_for_the_only_source_does_not_publish_0_lieux(tmp_path, monkeypatch):
    monkeypatch.setattr("lieux.fetch.CACHE_DIR", tmp_path / "cache")  # no other source has a copy
    db = tmp_path / "lieux.db"
    full = write_france_services(tmp_path / "fs.csv", 300)
    assert build(db, full).exit_code == 0
    assert lieux_count(db) == 300
    served = db.read_bytes()
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    result = build(db, empty)
    assert result.exit_code == 1, result.output
    assert "300" in result.output and "0 lieux" in result.output and "--accepter-baisse" in result.output
    assert "france-services : 300 → 0" in result.output
    assert db.read_bytes() == served  # untouched
    assert list(tmp_path.glob("lieux.db.tmp-*")) == []


def test_a_smaller_list_needs_the_option_and_then_is_published(tmp_path, monkeypatch):
    monkeypatch.setattr("lieux.fetch.CACHE_DIR", tmp_path / "cache")
    db = tmp_path / "lieux.db"
    assert build(db, write_france_services(tmp_path / "fs.csv", 300)).exit_code == 0
    smaller = write_france_services(tmp_path / "fs-moins.csv", 290)
    refused = build(db, smaller)
    assert refused.exit_code == 1 and "300 dans la base actuelle (10 de moins, -3.3%)" in refused.output
    assert lieux_count(db) == 300
    accepted = build(db, smaller, "--accepter-baisse")
    assert accepted.exit_code == 0, accepted.output
    assert lieux_count(db) == 290
    # the same count or more needs nothing
    assert build(db, write_france_services(tmp_path / "fs-plus.csv", 310)).exit_code == 0
    assert lieux_count(db) == 310
