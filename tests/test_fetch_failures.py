"""Downloads that fail safely: a local server misbehaves on purpose, the last good copy is kept.

Every failure mode ends the same way: the cached copy is untouched (same bytes), its meta file
records the failure, and the source is reported `perimee` with the reason, by fetch and by the
next build, which goes on with the other sources.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import sqlite3
import threading
import time

import pytest

from lieux import fetch
from lieux.process import count_records
from lieux.sources import load_descriptor, SOURCES_DIR
from tests.conftest import run_build

HEADER = "id_fs,lib_fs,adresse,insee_com,code_postal,lib_com,latitude,longitude\n"


def fs_csv(rows: int) -> bytes:
    return (HEADER + "".join(f"{i},France services n°{i},1 rue de la Paix,75056,75001,Paris,48.86,2.33\n"
                             for i in range(1, rows + 1))).encode()


GOOD = fs_csv(20)


class Misbehaving(http.server.BaseHTTPRequestHandler):
    """Answers GET /<mode>/liste.csv; `state` holds the good body and the hit counts."""

    state: dict = {}

    def log_message(self, *args):
        pass

    def send_body(self, body: bytes, status=200, content_type="text/csv", length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        mode = self.path.strip("/").split("/")[0]
        hits = self.state.setdefault("hits", {})
        hits[mode] = hits.get(mode, 0) + 1
        good = self.state["body"]
        if mode == "ok":
            self.send_body(good)
        elif mode == "error500":
            self.send_body(b"Internal Server Error", status=500, content_type="text/plain")
        elif mode == "flaky":  # 503 the first time, then the file
            if hits[mode] == 1:
                self.send_body(b"busy", status=503, content_type="text/plain")
            else:
                self.send_body(good)
        elif mode == "notfound":
            self.send_body(b"not found", status=404, content_type="text/plain")
        elif mode == "slow":  # nothing for longer than the read timeout
            time.sleep(1.5)
            self.send_body(good)
        elif mode == "trickle":  # a byte at a time: each read is quick, the whole download is not
            self.send_response(200)
            self.send_header("Content-Length", str(len(good)))
            self.end_headers()
            try:
                for i in range(len(good)):
                    if self.state.get("stop"):
                        break
                    self.wfile.write(good[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif mode == "truncated":  # announces the whole file, sends half, closes
            self.send_body(good[: len(good) // 2], length=len(good))
            self.close_connection = True
        elif mode == "html":
            self.send_body(b"<!DOCTYPE html><html><body>Maintenance</body></html>", content_type="text/html")
        elif mode == "garbage":
            self.send_body(bytes(range(256)) * 64, content_type="application/octet-stream")
        elif mode == "notcsv":  # text, but a single column: the reader refuses it
            self.send_body(b"bonjour\nceci n'est pas la liste\n")
        elif mode == "changed":
            self.send_body(good.replace(b"Paris", b"Lyon"))
        elif mode == "collapsed":  # a valid file with 4 rows instead of 20
            self.send_body(fs_csv(4))
        elif mode == "shrunk":  # 12 rows instead of 20: a real decrease, above half
            self.send_body(fs_csv(12))
        else:
            self.send_body(b"?", status=400)


@pytest.fixture
def server():
    state = {"body": GOOD}
    handler = type("Handler", (Misbehaving,), {"state": state})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    state["stop"] = True
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(fetch, "BACKOFF_SECONDS", 0.01)


FS = load_descriptor(SOURCES_DIR / "france-services.yml")
COUNT = functools.partial(count_records, FS)
OPTIONS = {"timeout": 0.5, "total_timeout": 1.0, "retries": 2, "count_records": COUNT}


def good_copy(base, tmp_path, mode="ok"):
    """Download the good file once, as the cache's last good copy; return its path and bytes."""
    got = fetch.fetch_source("fs", f"{base}/{mode}/liste.csv", cache_dir=tmp_path, **OPTIONS)
    assert got.status == "ok"
    return got.path, got.path.read_bytes()


def test_a_good_download_records_digest_and_record_count(server, tmp_path):
    base, _ = server
    path, body = good_copy(base, tmp_path)
    assert body == GOOD
    meta = fetch.read_meta(path)
    assert meta["sha256"] == hashlib.sha256(GOOD).hexdigest()
    assert meta["records"] == 20
    assert "last_failure" not in meta
    assert list(path.parent.glob("*.part")) == []


FAILURES = [
    ("error500", "500"),
    ("notfound", "404"),
    ("slow", "téléchargement impossible"),
    ("trickle", "trop lent"),
    ("truncated", "tronqué"),
    ("html", "page HTML"),
    ("garbage", "binaire"),
    ("notcsv", "illisible"),
    ("collapsed", "4 enregistrement(s) au lieu de 20"),
]


@pytest.mark.parametrize("mode, reason", FAILURES)
def test_a_failed_download_keeps_the_last_good_copy(server, tmp_path, mode, reason):
    base, _ = server
    # the cached copy of the URL that now misbehaves: same file name, so same cache path
    path, body = good_copy(base, tmp_path)
    target = path.parent / "liste.csv"
    assert target == path
    url = f"{base}/{mode}/liste.csv"
    got = fetch.fetch_source("fs", url, cache_dir=tmp_path, **OPTIONS)
    assert got.status == "perimee"
    assert reason in got.message, got.message
    assert "Dernière copie valide conservée" in got.message
    assert path.read_bytes() == body  # untouched
    assert list(path.parent.glob("*.part")) == []  # no partial download left
    later = fetch.cached_copy("fs", url, cache_dir=tmp_path)
    assert later.status == "perimee" and reason in later.message


def test_without_a_previous_copy_the_failure_is_raised(server, tmp_path):
    base, _ = server
    with pytest.raises(fetch.FetchError, match="page HTML"):
        fetch.fetch_source("fs", f"{base}/html/liste.csv", cache_dir=tmp_path, **OPTIONS)
    assert not (tmp_path / "fs" / "liste.csv").exists()


def test_checksum_mismatch_keeps_the_copy_and_is_not_retried(server, tmp_path):
    base, state = server
    pinned = hashlib.sha256(GOOD).hexdigest()
    url = f"{base}/changed/liste.csv"
    dest = fetch.cached_file("fs", url, tmp_path)
    dest.parent.mkdir(parents=True)
    dest.write_bytes(GOOD)
    got = fetch.fetch_source("fs", url, sha256=pinned, cache_dir=tmp_path, **OPTIONS)
    assert got.status == "perimee" and "sha256" in got.message and "mettez à jour" in got.message
    assert dest.read_bytes() == GOOD
    assert state["hits"]["changed"] == 1


def test_server_errors_are_retried_client_errors_are_not(server, tmp_path):
    base, state = server
    got = fetch.fetch_source("fs", f"{base}/flaky/liste.csv", cache_dir=tmp_path, **OPTIONS)
    assert got.status == "ok" and got.path.read_bytes() == GOOD
    assert state["hits"]["flaky"] == 2
    with pytest.raises(fetch.FetchError, match="404"):
        fetch.fetch_source("fs-2", f"{base}/notfound/liste.csv", cache_dir=tmp_path, **OPTIONS)
    assert state["hits"]["notfound"] == 1
    with pytest.raises(fetch.FetchError, match="500"):
        fetch.fetch_source("fs-3", f"{base}/error500/liste.csv", cache_dir=tmp_path, **OPTIONS)
    assert state["hits"]["error500"] == OPTIONS["retries"]


def test_a_decrease_above_half_is_accepted(server, tmp_path):
    base, state = server
    good_copy(base, tmp_path)
    state["body"] = fs_csv(12)
    got = fetch.fetch_source("fs", f"{base}/ok/liste.csv", cache_dir=tmp_path, **OPTIONS)
    assert got.status == "ok"
    assert fetch.read_meta(got.path)["records"] == 12


def test_a_later_good_download_clears_the_stale_mark(server, tmp_path):
    base, state = server
    path, _ = good_copy(base, tmp_path)
    state["body"] = b"<html><body>oops</body></html>"
    assert fetch.fetch_source("fs", f"{base}/ok/liste.csv", cache_dir=tmp_path, **OPTIONS).status == "perimee"
    state["body"] = fs_csv(21)
    got = fetch.fetch_source("fs", f"{base}/ok/liste.csv", cache_dir=tmp_path, **OPTIONS)
    assert got.status == "ok" and "last_failure" not in fetch.read_meta(path)
    assert fetch.cached_copy("fs", f"{base}/ok/liste.csv", cache_dir=tmp_path).status == "ok"


def test_the_build_reports_a_stale_source_and_goes_on(server, tmp_path, monkeypatch):
    """The build reads the cache: the stale source is loaded from its last good copy, marked perimee."""
    base, state = server
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")
    url = FS.url  # the cache path depends only on the descriptor's file name
    dest = fetch.cached_file(FS.id, url, tmp_path / "cache")
    dest.parent.mkdir(parents=True)
    # the last good copy, then a failed download recorded in its meta
    state["body"] = GOOD
    good = fetch.download(f"{base}/ok/liste.csv", dest, count_records=COUNT)
    fetch.write_meta(dest, good, 20, failure="http://exemple : page HTML reçue. Dernière copie valide conservée.")
    db = tmp_path / "lieux.db"
    output = run_build(db)
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("select id, statut from sources"))
        message, loaded = conn.execute(
            "select message, lignes_chargees from sources where id = 'france-services'").fetchone()
    assert statuses["france-services"] == "perimee"
    assert "page HTML" in message
    assert loaded == 20
    assert statuses["conseillers-numeriques"] == "absente"  # the other sources go on
    assert "perimee" in output


def test_the_time_limit_is_total_retries_included(server, tmp_path):
    """3 tries of a server that never answers in time end within the total limit (issue 16 §5)."""
    base, state = server
    started = time.monotonic()
    with pytest.raises(fetch.FetchError):
        fetch.download(f"{base}/slow/liste.csv", tmp_path / "x.csv", timeout=0.5, total_timeout=0.8, retries=3)
    assert time.monotonic() - started < 1.3
    started = time.monotonic()
    with pytest.raises(fetch.FetchError, match="trop lent"):
        fetch.download(f"{base}/trickle/liste.csv", tmp_path / "y.csv", timeout=0.5, total_timeout=0.6, retries=3)
    assert time.monotonic() - started < 1.1
    assert state["hits"]["trickle"] == 1  # a download cut by the total limit is not tried again


def write_descriptor(folder, source_id, url):
    from tests.test_refresh_nights import without_keys

    lines = without_keys((SOURCES_DIR / "france-services.yml").read_text(encoding="utf-8"), ("id", "url", "sha256", "live"))
    (folder / f"{source_id}.yml").write_text("\n".join([f"id: {source_id}", f"url: {url}", *lines]) + "\n",
                                             encoding="utf-8")


def test_fetch_exits_non_zero_with_the_list_of_refused_downloads(server, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from build import cli

    base, _ = server
    folder = tmp_path / "sources"
    folder.mkdir()
    write_descriptor(folder, "fs-bon", f"{base}/ok/liste.csv")
    write_descriptor(folder, "fs-html", f"{base}/html/liste.csv")
    write_descriptor(folder, "fs-500", f"{base}/error500/liste.csv")
    monkeypatch.setattr("lieux.sources.SOURCES_DIR", folder)
    monkeypatch.setattr(fetch, "CACHE_DIR", tmp_path / "cache")
    sources = ["--source", "fs-bon", "--source", "fs-html", "--source", "fs-500"]
    result = CliRunner().invoke(cli, ["fetch", *sources])
    assert result.exit_code == 1, result.output
    assert "2 téléchargement(s) refusé(s) ou en échec" in result.output
    assert "- fs-html : " in result.output and "page HTML" in result.output and "- fs-500 : " in result.output
    assert "- fs-bon" not in result.output
    # a refused download that keeps a previous copy is a failure too: exit 1 again
    write_descriptor(folder, "fs-bon", f"{base}/html/liste.csv")
    result = CliRunner().invoke(cli, ["fetch", "--source", "fs-bon"])
    assert result.exit_code == 1 and "- fs-bon : " in result.output and "Dernière copie valide conservée" in result.output
    write_descriptor(folder, "fs-bon", f"{base}/ok/liste.csv")
    assert CliRunner().invoke(cli, ["fetch", "--source", "fs-bon"]).exit_code == 0
