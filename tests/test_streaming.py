"""The build streams without changing what it produces: batches, spools and the streaming JSON reader."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lieux import process
from lieux.process import RowSpool
from lieux.read import SourceReadError, iter_json_array
from tests.conftest import run_build

CORPUS = Path(__file__).parent / "data" / "mauvais-fichiers"


def tables(db):
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"select * from {t} order by 1, 2, 3, 4").fetchall()
                for t in ("lieux", "rejets", "corrections")}


@pytest.mark.parametrize("batch", [1, 2])
def test_duplicates_are_found_across_validation_batches(tmp_path, monkeypatch, batch):
    whole = tmp_path / "whole" / "lieux.db"
    run_build(whole, "--input", f"mediation-numerique={CORPUS / 'ids-en-double.csv'}")
    monkeypatch.setattr(process, "VALIDATION_BATCH", batch)
    batched = tmp_path / "batched" / "lieux.db"
    run_build(batched, "--input", f"mediation-numerique={CORPUS / 'ids-en-double.csv'}")
    expected, got = tables(whole), tables(batched)
    assert [r[6] for r in got["rejets"]] == ["unique-error"]
    assert got == expected


def test_a_spool_keeps_rows_in_order_and_can_be_read_twice():
    spool = RowSpool()
    rows = [{"id": str(i), "n": i, "liste": [i, "é"]} for i in range(2500)]
    for row in rows:
        spool.append(row)
    assert len(spool) == 2500
    assert list(spool) == rows
    first = iter(spool)
    assert next(first) == rows[0]
    assert list(spool) == rows  # a second reading in between does not disturb the first
    assert list(first) == rows[1:]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(json_values, max_size=8), chunk=st.integers(1, 16), indent=st.sampled_from([None, 1]))
def test_the_streaming_json_reader_reads_what_json_loads_reads(items, chunk, indent):
    text = json.dumps(items, indent=indent, ensure_ascii=False)
    assert list(iter_json_array(io.StringIO(text), "f", chunk_size=chunk)) == json.loads(text)


@pytest.mark.parametrize("text, message", [
    ('[{"a": 1}, {"a": 2', "ligne 1"),
    ('[1, 2,\n 3 4]', "ligne 2"),
    ('{"a": [1]}', "une liste"),
    ('[1] [2]', "après la fin"),
    ('[1,', "JSON illisible"),
])
def test_the_streaming_json_reader_names_the_line_of_an_error(text, message):
    with pytest.raises(SourceReadError, match=message):
        list(iter_json_array(io.StringIO(text), "f", chunk_size=3))
