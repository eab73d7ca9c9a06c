"""Every descriptor in sources/ loads and says where its list comes from."""

import re
from urllib.parse import unquote

import pytest

from lieux import fetch
from lieux.mapping import Mapper
from lieux.sources import SOURCES_DIR, load_descriptor
from lieux import schemas
from tests.conftest import REFERENCE
from tests.reference_inputs import REFERENCE_INPUTS

DESCRIPTORS = sorted(SOURCES_DIR.glob("*.yml"))
PINNED_URL = re.compile(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/")


def test_there_are_hub_and_local_lists():
    assert len(DESCRIPTORS) >= 20


@pytest.mark.parametrize("path", DESCRIPTORS, ids=lambda p: p.stem)
def test_descriptor_loads_and_says_where_its_list_comes_from(path):
    d = load_descriptor(path)
    assert d.title and d.producer
    assert d.licence.get("name") and d.licence.get("title")
    assert d.changes, "say in French what the build changes in this list (changes)"
    if d.url:
        assert PINNED_URL.match(d.url) or d.url.startswith("https://www.data.gouv.fr/"), d.url
    if d.sha256:
        assert re.fullmatch(r"[0-9a-f]{64}", d.sha256)
    for out in d.outputs:  # every map and transform named exists
        Mapper(out.fields, d.maps, schemas.load_schema(out.schema), schemas.multi_valued(out.schema), d.missing_values)


@pytest.mark.parametrize("path", DESCRIPTORS, ids=lambda p: p.stem)
def test_maps_only_give_the_standards_values(path):
    d = load_descriptor(path)
    patterns = {f["name"]: f.get("constraints", {}).get("pattern") for f in schemas.load_schema(schemas.LIEUX)["fields"]}
    for out in d.outputs:
        for field, specs in out.fields.items():
            for spec in specs if isinstance(specs, list) else [specs]:
                if not isinstance(spec, dict) or not spec.get("map") or not patterns.get(field):
                    continue
                for label, target in d.maps[spec["map"]].items():
                    for value in target if isinstance(target, list) else [target]:
                        if value is not None:
                            assert re.fullmatch(patterns[field], value), f"{path.name}: {spec['map']}: {label} -> {value}"


def test_readme_lists_every_source():
    readme = (SOURCES_DIR / "README.md").read_text(encoding="utf-8")
    missing = [p.stem for p in DESCRIPTORS if f"| `{p.stem}` |" not in readme]
    assert missing == [], "add these sources to the table of sources/README.md"


@pytest.mark.parametrize("source_id", sorted(REFERENCE_INPUTS))
def test_pinned_url_and_sha256_name_the_reference_copy(source_id):
    # The official URL points at the file our reference copy came from, and a sha256 pin is that copy's digest.
    if not REFERENCE.is_dir():
        pytest.skip(f"données de référence absentes ({REFERENCE})")
    d = load_descriptor(SOURCES_DIR / f"{source_id}.yml")
    relative = REFERENCE_INPUTS[source_id]
    assert d.url and unquote(d.url).endswith("/" + relative.split("/", 1)[1]), d.url
    if d.sha256:
        assert fetch.sha256_of(REFERENCE / relative) == d.sha256


def test_readme_lists_every_transform():
    from lieux.transforms import TRANSFORMS

    readme = (SOURCES_DIR / "README.md").read_text(encoding="utf-8")
    missing = [name for name in TRANSFORMS if f"`{name}`" not in readme]
    assert missing == [], "describe these transforms in sources/README.md"


def test_vintage_of_names_another_list_of_the_folder(tmp_path):
    from lieux.sources import DescriptorError, load_descriptors

    base = (SOURCES_DIR / "france-services.yml").read_text(encoding="utf-8")
    (tmp_path / "france-services.yml").write_text(base, encoding="utf-8")
    vintage = base.replace("id: france-services", "id: france-services-2019")
    (tmp_path / "france-services-2019.yml").write_text(vintage + "vintage_of: france-service\n", encoding="utf-8")
    with pytest.raises(DescriptorError, match="vintage_of: france-service » doit nommer l'id d'une autre source"):
        load_descriptors(tmp_path)
    (tmp_path / "france-services-2019.yml").write_text(vintage + "vintage_of: france-services\n", encoding="utf-8")
    assert {d.id: d.vintage_of for d in load_descriptors(tmp_path)} == {"france-services": None, "france-services-2019": "france-services"}
