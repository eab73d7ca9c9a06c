"""Source descriptors: one sources/<id>.yml per published list.

A descriptor says where a list comes from (title, producer, licence, official URL, pinned
sha256), how to read it (format, encoding, delimiter, CRS, missing values) and how its columns
map onto our schemas (`fields`, vocabulary `maps`). See sources/README.md for the keys.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import filters, schemas

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "sources"
DEMO_DIR = SOURCES_DIR / "demo"

FORMATS = ("csv", "json", "geojson")
DEFAULT_MISSING_VALUES = ("", "null", "NULL", "None", "none", "#N/D", "N/A", "n/a", "NaN", "nan", "-")

KNOWN_KEYS = {
    "id", "title", "producer", "description", "licence", "homepage", "url", "sha256", "filename",
    "format", "encoding", "delimiter", "crs", "missing_values", "records", "explode",
    "priority", "demo", "changes", "schema", "fields", "outputs", "maps", "extends", "vintage_of", "set_aside",
    "live", "update_frequency", "contact",
}
# Keys a descriptor never inherits through `extends`: where its file is and what it is.
NOT_INHERITED = {"id", "url", "sha256", "filename", "extends", "vintage_of", "live", "update_frequency"}


class DescriptorError(ValueError):
    """A source descriptor that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Output:
    """One target table of a source: a schema and how each of its fields is filled."""

    schema: str
    fields: dict


@dataclass(frozen=True)
class Descriptor:
    id: str
    path: Path
    title: str
    producer: str
    licence: dict
    format: str
    outputs: tuple[Output, ...]
    maps: dict = field(default_factory=dict)
    url: str | None = None
    sha256: str | None = None
    filename: str | None = None
    homepage: str | None = None
    description: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    crs: str = "EPSG:4326"
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES
    records: str | None = None
    explode: dict | None = None
    priority: int = 50
    vintage_of: str | None = None   # the id of the current list this file is an older vintage of
    demo: bool = False
    changes: tuple[str, ...] = ()
    set_aside: tuple = ()           # lieux.filters.Rule: rows the producer marks inactive or hidden
    live: dict | None = None        # where the current file is published (lieux/live.py)
    update_frequency: str | None = None  # how often the producer updates its list (live.FREQUENCIES)
    contact: str | None = None      # the producer's e-mail for corrections (« Signaler une erreur »)

    @property
    def local_file(self) -> Path | None:
        """A data file shipped beside the descriptor (the demo sample), if any."""
        if self.filename and not self.url:
            return self.path.parent / self.filename
        return None


def _require(data: dict, key: str, path: Path):
    if not data.get(key):
        raise DescriptorError(f"{path} : la clé « {key} » est obligatoire. Ajoutez-la au descripteur.")
    return data[key]


def _load_maps(maps: dict, path: Path) -> dict:
    """Inline maps, or a string naming a shared YAML vocabulary file relative to sources/."""
    loaded = {}
    for name, value in (maps or {}).items():
        if isinstance(value, str):
            shared = SOURCES_DIR / value
            if not shared.exists():
                raise DescriptorError(f"{path} : la table de correspondance « {name} » renvoie à {value}, introuvable dans sources/.")
            value = yaml.safe_load(shared.read_text(encoding="utf-8")) or {}
        if not isinstance(value, dict):
            raise DescriptorError(f"{path} : la table de correspondance « {name} » doit associer des libellés à des valeurs.")
        loaded[name] = value
    return loaded


def parse_descriptor(data: dict, path: Path) -> Descriptor:
    if not isinstance(data, dict):
        raise DescriptorError(f"{path} : un descripteur est un dictionnaire YAML (clé: valeur).")
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise DescriptorError(
            f"{path} : clé(s) inconnue(s) {', '.join(sorted(unknown))}. Clés possibles : {', '.join(sorted(KNOWN_KEYS))}."
        )
    fmt = _require(data, "format", path)
    if fmt not in FORMATS:
        raise DescriptorError(f"{path} : format « {fmt} » non pris en charge. Choisissez parmi : {', '.join(FORMATS)}.")
    if "outputs" in data:
        raw_outputs = data["outputs"]
    else:
        raw_outputs = [{"schema": data.get("schema", schemas.LIEUX), "fields": _require(data, "fields", path)}]
    outputs = []
    for out in raw_outputs:
        schema = out.get("schema", schemas.LIEUX)
        known = set(schemas.field_names(schema))
        unknown_fields = set(out.get("fields", {})) - known
        if unknown_fields:
            raise DescriptorError(
                f"{path} : champ(s) {', '.join(sorted(unknown_fields))} absent(s) du schéma {schema}. "
                "Corrigez le nom du champ ou retirez-le."
            )
        outputs.append(Output(schema=schema, fields=out.get("fields", {})))
    try:
        set_aside = filters.compile_rules(data.get("set_aside"), str(path))
    except ValueError as e:
        raise DescriptorError(str(e)) from None
    return Descriptor(
        id=_require(data, "id", path),
        path=path,
        title=_require(data, "title", path),
        producer=_require(data, "producer", path),
        licence=_require(data, "licence", path),
        format=fmt,
        outputs=tuple(outputs),
        maps=_load_maps(data.get("maps"), path),
        url=data.get("url"),
        sha256=data.get("sha256"),
        filename=data.get("filename"),
        homepage=data.get("homepage"),
        description=data.get("description"),
        encoding=data.get("encoding"),
        delimiter=data.get("delimiter"),
        crs=data.get("crs", "EPSG:4326"),
        missing_values=tuple(data.get("missing_values", DEFAULT_MISSING_VALUES)),
        records=data.get("records"),
        explode=data.get("explode"),
        priority=int(data.get("priority", 50)),
        vintage_of=data.get("vintage_of"),
        demo=bool(data.get("demo", False)),
        changes=tuple(data.get("changes", ())),
        set_aside=set_aside,
        live=_live(data.get("live"), path),
        update_frequency=_frequency(data.get("update_frequency"), path),
        contact=_contact(data.get("contact"), path),
    )


def _live(value, path: Path) -> dict | None:
    from . import live

    if value is None:
        return None
    try:
        return live.check_live(value, path)
    except ValueError as e:
        raise DescriptorError(str(e)) from e


def _frequency(value, path: Path) -> str | None:
    from . import live

    if value is not None and value not in live.FREQUENCIES:
        raise DescriptorError(f"{path} : « update_frequency: {value} » : choisissez parmi {', '.join(live.FREQUENCIES)}.")
    return value


def _contact(value, path: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[^@\s<>\"?&,;]+@[^@\s<>\"?&,;]+\.[^@\s<>\"?&,;]+", value.strip()):
        raise DescriptorError(f"{path} : « contact: {value} » n'est pas une adresse électronique. Écrivez par exemple "
                              "contact: donnees@producteur.fr (l'adresse où le producteur reçoit les corrections).")
    return value.strip()


def read_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise DescriptorError(f"{path} : YAML illisible ({e}).") from e


def load_descriptor(path: Path) -> Descriptor:
    """A descriptor; `extends: other.yml` reuses another descriptor's mapping for a file in the same shape."""
    data = read_yaml(path)
    if isinstance(data, dict) and data.get("extends"):
        base_path = Path(path).parent / data["extends"]
        if not base_path.exists():
            raise DescriptorError(f"{path} : « extends » renvoie à {data['extends']}, introuvable.")
        base = {k: v for k, v in read_yaml(base_path).items() if k not in NOT_INHERITED}
        fields = {**base.get("fields", {}), **data.get("fields", {})}
        data = {**base, **data, "fields": fields}
    descriptor = parse_descriptor(data, Path(path))
    if descriptor.id != Path(path).stem:
        raise DescriptorError(f"{path} : l'id « {descriptor.id} » doit être le nom du fichier ({Path(path).stem}).")
    return descriptor


def load_descriptors(directory: Path = SOURCES_DIR) -> list[Descriptor]:
    """Every *.yml in the folder, sorted by id."""
    descriptors = [load_descriptor(p) for p in sorted(Path(directory).glob("*.yml"))]
    check_vintages(descriptors)
    return descriptors


def check_vintages(descriptors: list[Descriptor]) -> None:
    """`vintage_of` names another descriptor of the folder, which is not itself a vintage."""
    by_id = {d.id: d for d in descriptors}
    for d in descriptors:
        if d.vintage_of is None:
            continue
        other = by_id.get(d.vintage_of)
        if other is None or other.vintage_of or other.id == d.id:
            raise DescriptorError(
                f"{d.path} : « vintage_of: {d.vintage_of} » doit nommer l'id d'une autre source du dossier, "
                "la liste dont ce fichier est un millésime (et qui n'est pas elle-même un millésime). "
                f"Sources du dossier : {', '.join(sorted(by_id))}.")


def vintage_lists(descriptors) -> dict[str, str]:
    """Source id → id of the list it is a vintage of, for the sources that are one (merge's `lists`)."""
    return {d.id: d.vintage_of for d in descriptors if d.vintage_of}
