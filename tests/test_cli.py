"""The command line: every command documented, with help and an example, in the README too."""

import sqlite3

import pytest
from click.testing import CliRunner

from build import cli
from lieux.load import atomic_database
from tests.conftest import ROOT, run_build

COMMANDS = ["fetch", "build", "validate", "export", "serve", "paquet"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Exemple" in result.output
    assert f"python build.py {command}" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    assert f"python build.py {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_group_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    for command in COMMANDS:
        assert command in result.output


def test_demo_build_prints_read_equals_loaded_plus_rejected(tmp_path):
    output = run_build(tmp_path / "lieux.db", "--demo")
    line = next(l for l in output.splitlines() if l.startswith("demo "))
    read, loaded, rejected = (int(x) for x in line.split()[1:4])
    assert (read, loaded, rejected) == (52, 50, 2)


def test_bad_input_option_is_explained_in_french(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), "--input", "france-services"])
    assert result.exit_code == 2
    assert "SOURCE_ID=CHEMIN_OU_URL" in result.output
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), "--input", "inconnue=a.csv"])
    assert result.exit_code == 1
    assert "source(s) inconnue(s) inconnue" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"),
                                      "--input", "france-services=a.csv", "--input", "france-services=b.csv"])
    assert result.exit_code == 2
    assert "« france-services » est donné deux fois (a.csv et b.csv)" in result.output


def test_a_build_without_any_source_fails_and_keeps_the_database(tmp_path, monkeypatch):
    db = tmp_path / "lieux.db"
    run_build(db, "--demo")
    before = db.read_bytes()
    monkeypatch.setattr("lieux.fetch.CACHE_DIR", tmp_path / "vide")
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--quiet"])
    assert result.exit_code == 1
    assert "python build.py fetch" in result.output
    assert db.read_bytes() == before


def test_a_failed_write_leaves_the_previous_database_and_no_temporary_file(tmp_path):
    db = tmp_path / "lieux.db"
    run_build(db, "--demo")
    before = db.read_bytes()
    with pytest.raises(RuntimeError):
        with atomic_database(db) as new:
            new["t"].insert({"a": 1})
            raise RuntimeError("interrupted build")
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lieux.db"]
    assert sqlite3.connect(db).execute("select count(*) from lieux").fetchone() == (50,)
