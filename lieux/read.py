"""Reading a source file into records: plain dicts keyed by the source's own column names.

Every record carries the number a producer can find it by: the line where it starts in a
CSV file (the header is line 1), or its position in a JSON list (from 1).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

ENCODINGS_TO_TRY = ("utf-8-sig", "cp1252")
DELIMITERS = (";", ",", "\t", "|")
MAX_FIELD_SIZE = 50 * 1024 * 1024


class SourceReadError(ValueError):
    """The file cannot be read at all; the message names the file and the fix."""


@dataclass(frozen=True)
class Record:
    number: int
    data: dict
    error: str | None = None  # a structural problem found while reading (ragged row...)


def decode(raw: bytes, encoding: str | None, name: str) -> str:
    if encoding:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as e:
            raise SourceReadError(
                f"{name} : le fichier n'est pas encodé en {encoding} (octet illisible à la position {e.start}). "
                "Indiquez le bon encodage (clé « encoding » du descripteur, par exemple cp1252 pour Latin-1)."
            ) from e
        return text.lstrip("\ufeff")
    for candidate in ENCODINGS_TO_TRY:
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise SourceReadError(f"{name} : encodage inconnu. Enregistrez le fichier en UTF-8.")  # pragma: no cover (cp1252 is lenient)


def sniff_delimiter(text: str) -> str:
    """The candidate delimiter that appears most in the header line."""
    header = text.splitlines()[0] if text else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(text: str, delimiter: str | None, name: str):
    csv.field_size_limit(MAX_FIELD_SIZE)
    if "\x00" in text:
        raise SourceReadError(f"{name} : le fichier contient des octets nuls : ce n'est pas un fichier texte CSV. Exportez-le en CSV UTF-8.")
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceReadError(f"{name} : le fichier est vide. Il doit commencer par une ligne d'en-tête.") from None
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise SourceReadError(
            f"{name} : une seule colonne lue avec le séparateur « {delimiter} ». "
            "Vérifiez le séparateur (clé « delimiter » du descripteur : « ; » ou « , »)."
        )
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise SourceReadError(f"{name} : colonnes en double dans l'en-tête : {', '.join(duplicates)}. Renommez-les.")
    line = reader.line_num
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are layout, not records
            error = None
            if len(values) != len(header):
                error = f"{len(values)} valeurs au lieu de {len(header)} colonnes"
            values = values + [""] * (len(header) - len(values))
            yield Record(start, dict(zip(header, values)), error)
    except csv.Error as e:
        raise SourceReadError(f"{name}, ligne {reader.line_num} : CSV illisible ({e}). Vérifiez les guillemets de cette ligne.") from e


def _json_records(data, records_key: str | None, name: str) -> list:
    if records_key:
        for part in records_key.split("."):
            if not isinstance(data, dict) or part not in data:
                raise SourceReadError(f"{name} : clé « {records_key} » absente du JSON. Vérifiez la clé « records » du descripteur.")
            data = data[part]
    if not isinstance(data, list):
        raise SourceReadError(
            f"{name} : le JSON doit être une liste d'objets (un par lieu), pas {type(data).__name__}. "
            "Indiquez où se trouve la liste avec la clé « records » du descripteur."
        )
    return data


def read_json(text: str, records_key: str | None, name: str):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SourceReadError(f"{name}, ligne {e.lineno} : JSON illisible ({e.msg}).") from e
    for number, item in enumerate(_json_records(data, records_key, name), start=1):
        if isinstance(item, dict):
            yield Record(number, item)
        else:
            yield Record(number, {}, f"l'élément n'est pas un objet JSON ({type(item).__name__})")


def read_geojson(text: str, name: str):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SourceReadError(f"{name}, ligne {e.lineno} : GeoJSON illisible ({e.msg}).") from e
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SourceReadError(f"{name} : un GeoJSON de type FeatureCollection est attendu.")
    for number, feature in enumerate(data.get("features") or [], start=1):
        properties = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            properties["_longitude"], properties["_latitude"] = geometry["coordinates"][:2]
        properties["_geometry_type"] = geometry.get("type")
        yield Record(number, properties)


def read_records(path: Path, fmt: str, encoding: str | None = None, delimiter: str | None = None,
                 records_key: str | None = None, name: str | None = None):
    """Yield the records of a source file."""
    name = name or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SourceReadError(f"{name} : fichier illisible ({e.strerror}).") from e
    text = decode(raw, encoding, name)
    if fmt == "csv":
        yield from read_csv(text, delimiter, name)
    elif fmt == "json":
        yield from read_json(text, records_key, name)
    elif fmt == "geojson":
        yield from read_geojson(text, name)
    else:
        raise SourceReadError(f"{name} : format « {fmt} » inconnu.")


def explode(record: Record, columns: list[str], separator: str, pattern: str | None = None) -> list[Record]:
    """Split a record whose columns hold several items joined by `separator` into one record per item.

    The columns are split in parallel (the n-th id goes with the n-th name); the row number is kept.
    `pattern`, a regular expression, replaces `separator` when the joining text also occurs inside
    an item (a "; " that is the end of "&amp; " must not split a name).
    """
    def split(value):
        return re.split(pattern, value) if pattern else value.split(separator)

    parts = {c: [p.strip() for p in split(str(record.data.get(c) or ""))] for c in columns}
    count = max(len(p) for p in parts.values())
    if any(len(p) not in (1, count) for p in parts.values()):
        lengths = ", ".join(f"{c}: {len(p)}" for c, p in parts.items())
        return [Record(record.number, record.data, f"nombre d'éléments différent selon les colonnes ({lengths})")]
    out = []
    for i in range(count):
        data = dict(record.data)
        for c, p in parts.items():
            data[c] = p[i] if len(p) == count else p[0]
        out.append(Record(record.number, data, record.error))
    return out
