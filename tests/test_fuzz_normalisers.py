"""hypothesis fuzzes the normalisers: a transform returns a value or raises TransformError, nothing else;
the mapper and the readers turn anything into values, issues, or one SourceReadError."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lieux import schemas
from lieux.mapping import Mapper
from lieux.read import SourceReadError, read_records
from lieux.sources import SOURCES_DIR, load_descriptor
from lieux.transforms import DAYS_OSM, TRANSFORMS, Corrected, TransformError

scalars = st.one_of(
    st.text(), st.text(alphabet="0123456789 +-.,eE/:hH()àa\n\t"), st.integers(),
    st.integers(min_value=10 ** 300, max_value=10 ** 400), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(),
)
values = st.one_of(scalars, st.lists(scalars, max_size=4), st.dictionaries(st.text(max_size=5), scalars, max_size=4))
hours = st.dictionaries(st.sampled_from(DAYS_OSM), st.one_of(
    st.text(alphabet="0123456789:hH- /à,et", max_size=30), st.text(max_size=20), st.integers(), st.none()), max_size=7)
rows = st.one_of(st.none(), st.fixed_dictionaries({"code_postal": st.one_of(st.none(), st.text(max_size=6))}))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(name, value, row):
    """The transform's result, or None when it refused the value with a TransformError."""
    try:
        result = TRANSFORMS[name](value, row)
    except TransformError as e:
        assert str(e), "a TransformError explains itself"
        return None
    return result.value if isinstance(result, Corrected) else result


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@SETTINGS
@given(value=values, row=rows)
@example(value="", row=None)  # first_line raised IndexError
@example(value=10 ** 400, row=None)  # number raised OverflowError
@example(value={"a": 1}, row=None)
def test_a_transform_returns_a_value_or_raises_transform_error(name, value, row):
    outcome(name, value, row)


@SETTINGS
@given(value=hours)
@example({"Mo": "08:30 - 12:00 / 13:30 - 17:00"})
@example({"Mo": "99h99 - 12h"})
@example({"Mo": "8h" + "0" * 5000 + " - 9h"})
def test_horaires_par_jour(value):
    result = outcome("horaires_par_jour", value, None)
    assert result is None or re.fullmatch(r"((Mo|Tu|We|Th|Fr|Sa|Su)(-(Mo|Tu|We|Th|Fr|Sa|Su))? [0-9:,-]+(; )?)+", result)


@SETTINGS
@given(value=values)
@example("1e400")
@example(10 ** 400)
@example("44,93815")
def test_number_is_finite(value):
    result = outcome("number", value, None)
    assert result is None or (isinstance(result, float) and math.isfinite(result))


@SETTINGS
@given(value=values)
@example(90.000001)
@example("-180")
def test_coordinates_are_in_range(value):
    lat, lon = outcome("latitude", value, None), outcome("longitude", value, None)
    assert lat is None or -90 <= lat <= 90
    assert lon is None or -180 <= lon <= 180


TELEPHONE = re.compile(schemas.load_schema(schemas.LIEUX)["fields"][11]["constraints"]["pattern"])


@SETTINGS
@given(value=values, row=rows)
@example("01 23 45 67 89", None)
@example("0262 12 34 56", {"code_postal": "97400"})
def test_telephone_is_e164(value, row):
    result = outcome("telephone", value, row)
    assert result is None or re.fullmatch(r"\+\d{6,15}", result)


@SETTINGS
@given(value=values)
def test_code_postal_and_insee_are_text(value):
    for name in ("code_postal", "code_insee"):
        result = outcome(name, value, None)
        assert result is None or isinstance(result, str)


@SETTINGS
@given(value=values)
@example("2024-02-30")
@example("31/12/99")
def test_date_is_iso(value):
    result = outcome("date", value, None)
    assert result is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", result)


@SETTINGS
@given(value=values)
def test_courriels_and_sites_are_lists_of_text(value):
    for name in ("courriels", "site_web"):
        result = outcome(name, value, None)
        assert result is None or (isinstance(result, list) and result and all(isinstance(v, str) and v for v in result))


def mapper_for(source_id):
    d = load_descriptor(SOURCES_DIR / f"{source_id}.yml")
    out = d.outputs[0]
    return d, Mapper(out.fields, d.maps, schemas.load_schema(out.schema), schemas.multi_valued(out.schema),
                     d.missing_values)


MAPPERS = {s: mapper_for(s) for s in ("france-services", "conseillers-numeriques", "mediation-numerique")}


@pytest.mark.parametrize("source_id", sorted(MAPPERS))
@SETTINGS
@given(data=st.data())
def test_the_mapper_never_raises(source_id, data):
    descriptor, mapper = MAPPERS[source_id]
    columns = sorted({c for spec in descriptor.outputs[0].fields.values() for c in _columns(spec)})
    record = data.draw(st.fixed_dictionaries({}, optional={c: values for c in columns}))
    mapped = mapper.map(record)
    for issue in mapped.issues:
        assert issue.message and issue.code
    for key, value in mapped.values.items():
        assert not isinstance(value, dict), (key, value)


def _columns(spec):
    specs = spec if isinstance(spec, list) else [spec]
    for s in specs:
        if isinstance(s, str):
            yield s
        elif isinstance(s, dict):
            if "column" in s:
                yield s["column"]
            cols = s.get("columns") or {}
            yield from (cols.values() if isinstance(cols, dict) else cols)
            yield from (s.get("flags") or {})


@settings(max_examples=200, deadline=None)
@given(raw=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(lambda t: t.encode("utf-8"))),
       fmt=st.sampled_from(["csv", "json", "geojson"]), delimiter=st.sampled_from([None, ",", ";"]))
def test_readers_yield_records_or_one_read_error(tmp_path_factory, raw, fmt, delimiter):
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(raw)
    try:
        for record in read_records(path, fmt, encoding=None, delimiter=delimiter, name="f"):
            assert isinstance(record.data, dict) and record.number >= 1
    except SourceReadError as e:
        assert str(e).startswith("f")
