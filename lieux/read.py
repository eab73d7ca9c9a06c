"""Reading a source file into records: plain dicts keyed by the source's own column names.

Every record carries the number a producer can find it by: the line where it starts in a
CSV file (the header is line 1), or its position in a JSON list (from 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .paths import path_value

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


JSON_TYPES = {"dict": "un objet", "list": "une liste", "str": "un texte", "int": "un nombre", "float": "un nombre",
              "bool": "un booléen", "NoneType": "null"}


def looks_binary(head: bytes) -> bool:
    """NUL bytes, or many control characters, at the start: not a text file (CSV, JSON)."""
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return bool(head) and controls / len(head) > 0.05


def looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def check_text(raw: bytes, name: str) -> None:
    """Refuse at once what is not a data file at all, with what to do."""
    head = raw[:1 << 16]
    if looks_binary(head):
        raise SourceReadError(f"{name} : ce n'est pas un fichier texte (données binaires : archive, tableur, image ?). "
                              "Exportez la liste en CSV UTF-8 ou en JSON.")
    if looks_like_html(head):
        raise SourceReadError(f"{name} : c'est une page HTML, pas un fichier de données (page d'erreur ou lien vers "
                              "une page web ?). Indiquez l'adresse du fichier CSV ou JSON lui-même.")


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


def read_csv(text, delimiter: str | None, name: str):
    """Records of a CSV text: a str, or a text file object read line by line (the build streams)."""
    csv.field_size_limit(MAX_FIELD_SIZE)
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    if isinstance(text, str) and "\x00" in text:
        raise SourceReadError(f"{name} : le fichier contient des octets nuls : ce n'est pas un fichier texte CSV. Exportez-le en CSV UTF-8.")
    if not delimiter:
        head = stream.readline()
        delimiter = sniff_delimiter(head)
        stream = itertools.chain([head], stream)
    reader = csv.reader(stream, delimiter=delimiter)
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
    count = 0
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are layout, not records
            error = None
            if len(values) != len(header):
                error = f"{len(values)} valeurs au lieu de {len(header)} colonnes"
            values = values + [""] * (len(header) - len(values))
            count += 1
            yield Record(start, dict(zip(header, values)), error)
    except csv.Error as e:
        raise SourceReadError(f"{name}, ligne {reader.line_num} : CSV illisible ({e}). Vérifiez les guillemets de cette ligne.") from e
    if not count:
        raise SourceReadError(f"{name} : aucune ligne de données après l'en-tête. Vérifiez que l'export du fichier est complet.")


def _json_records(data, records_key: str | None, name: str) -> list:
    if records_key:  # a path: "data.lieux", "resultats[0].lieux" (lieux/paths.py)
        data = path_value(data, records_key)
        if data is None:
            raise SourceReadError(f"{name} : clé « {records_key} » absente du JSON. Vérifiez la clé « records » du descripteur.")
    if not isinstance(data, list):
        raise SourceReadError(
            f"{name} : le JSON doit être une liste d'objets (un par lieu), pas {JSON_TYPES.get(type(data).__name__, type(data).__name__)}. "
            "Indiquez où se trouve la liste avec la clé « records » du descripteur."
        )
    return data


def read_json(text: str, records_key: str | None, name: str):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SourceReadError(f"{name}, ligne {e.lineno} : JSON illisible ({e.msg}). Vérifiez que le fichier est complet "
                              "(téléchargement interrompu ?) et que c'est du JSON valide.") from e
    items = _json_records(data, records_key, name)
    if not items:
        raise SourceReadError(f"{name} : la liste JSON est vide, aucun lieu. Vérifiez que l'export du fichier est complet.")
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield Record(number, item)
        else:
            yield Record(number, {}, f"l'élément n'est pas un objet JSON mais {JSON_TYPES.get(type(item).__name__, type(item).__name__)}")


def _json_error(name: str, line: int, msg: str) -> SourceReadError:
    return SourceReadError(f"{name}, ligne {line} : JSON illisible ({msg}). Vérifiez que le fichier est complet "
                           "(téléchargement interrompu ?) et que c'est du JSON valide.")


def iter_json_array(stream, name: str, chunk_size: int = 1 << 20):
    """The items of a top-level JSON list, decoded one by one from a text stream (memory: one item)."""
    decoder = json.JSONDecoder()
    buf, pos, lines_before, eof = "", 0, 1, False

    def more():
        nonlocal buf, pos, lines_before, eof
        if pos > chunk_size:  # drop what was consumed
            lines_before += buf.count("\n", 0, pos)
            buf, pos = buf[pos:], 0
        chunk = stream.read(chunk_size)
        eof = not chunk
        buf += chunk
        return not eof

    def skip_spaces():
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            if pos < len(buf) or not more():
                return

    def line_at(p):
        return lines_before + buf.count("\n", 0, p)

    skip_spaces()
    if buf[pos:pos + 1] != "[":
        raise _json_error(name, line_at(pos), "une liste « [ » est attendue")
    pos += 1
    skip_spaces()
    if buf[pos:pos + 1] == "]":
        return
    while True:
        while True:
            try:
                item, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as e:
                if not eof and more():
                    continue  # the item goes on in the next chunk
                raise _json_error(name, line_at(e.pos), e.msg) from e
            number = isinstance(item, (int, float)) and not isinstance(item, bool)
            if eof or (end < len(buf) and not (number and buf[end] not in " \t\r\n,]")):
                break
            if not more():  # a number could go on in the next chunk ("1" of "1.5"): decode again with it
                break
        pos = end
        yield item
        skip_spaces()
        sep = buf[pos:pos + 1]
        if sep == "]":
            pos += 1
            skip_spaces()
            if pos < len(buf):
                raise _json_error(name, line_at(pos), "contenu après la fin de la liste")
            return
        if sep != ",":
            raise _json_error(name, line_at(pos), "« , » ou « ] » attendu" if sep else "fin de fichier inattendue")
        pos += 1
        skip_spaces()


def read_json_stream(stream, name: str):
    count = 0
    for number, item in enumerate(iter_json_array(stream, name), start=1):
        count += 1
        if isinstance(item, dict):
            yield Record(number, item)
        else:
            yield Record(number, {}, f"l'élément n'est pas un objet JSON mais {JSON_TYPES.get(type(item).__name__, type(item).__name__)}")
    if not count:
        raise SourceReadError(f"{name} : la liste JSON est vide, aucun lieu. Vérifiez que l'export du fichier est complet.")


def read_geojson(text: str, name: str):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SourceReadError(f"{name}, ligne {e.lineno} : GeoJSON illisible ({e.msg}). Vérifiez que le fichier est complet "
                              "(téléchargement interrompu ?) et que c'est du GeoJSON valide.") from e
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SourceReadError(f"{name} : un GeoJSON de type FeatureCollection est attendu.")
    for number, feature in enumerate(data.get("features") or [], start=1):
        properties = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            properties["_longitude"], properties["_latitude"] = geometry["coordinates"][:2]
        properties["_geometry_type"] = geometry.get("type")
        yield Record(number, properties)


def check_encoding(path: Path, encoding: str | None, name: str) -> str:
    """The encoding to read the file with, checked over the whole file in blocks (never all in memory)."""
    candidates = [encoding] if encoding else list(ENCODINGS_TO_TRY)
    for candidate in candidates:
        decoder = codecs.getincrementaldecoder(candidate)()
        offset = 0
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    if b"\x00" in block:
                        raise SourceReadError(f"{name} : le fichier contient des octets nuls : ce n'est pas un fichier "
                                              "texte CSV. Exportez-le en CSV UTF-8.")
                    decoder.decode(block)
                    offset += len(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            if encoding:
                raise SourceReadError(
                    f"{name} : le fichier n'est pas encodé en {encoding} (octet illisible à la position {offset + e.start}). "
                    "Indiquez le bon encodage (clé « encoding » du descripteur, par exemple cp1252 pour Latin-1)."
                ) from e
            continue
        # a BOM is not part of the data: utf-8-sig reads files with and without one
        return "utf-8-sig" if codecs.lookup(candidate).name == "utf-8" else candidate
    raise SourceReadError(f"{name} : encodage inconnu. Enregistrez le fichier en UTF-8.")  # pragma: no cover (cp1252 is lenient)


def first_significant_char(stream) -> str:
    while True:
        ch = stream.read(1)
        if not ch or ch not in " \t\r\n\ufeff":
            return ch


def read_records(path: Path, fmt: str, encoding: str | None = None, delimiter: str | None = None,
                 records_key: str | None = None, name: str | None = None):
    """Yield the records of a source file, reading it as a stream (a JSON list too; GeoJSON and a JSON
    list under `records_key` are read whole)."""
    name = name or str(path)
    try:
        with open(path, "rb") as f:
            check_text(f.read(1 << 16), name)
        text_encoding = check_encoding(Path(path), encoding, name)
        stream = open(path, encoding=text_encoding, newline="")
    except OSError as e:
        raise SourceReadError(f"{name} : fichier illisible ({e.strerror}).") from e
    with stream:
        if fmt == "csv":
            yield from read_csv(stream, delimiter, name)
        elif fmt == "json" and not records_key and first_significant_char(stream) == "[":
            stream.seek(0)
            yield from read_json_stream(stream, name)
        elif fmt == "json":
            stream.seek(0)
            yield from read_json(stream.read(), records_key, name)
        elif fmt == "geojson":
            yield from read_geojson(stream.read(), name)
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
