"""Reading a source file into records: plain dicts keyed by the source's own column names.

Every record carries the number a producer can find it by: the line where it starts in a CSV file
(the header is line 1), or its position in a JSON list (from 1).

Only a regular file is opened, never a directory, a device or a FIFO (checked before opening, and
opening never blocks), within the limits of lieux/limits.py. A file that cannot be read raises
SourceReadError, whose French message names the file and the fix; a record that cannot be read
carries an `error` and is rejected by the build. `validate` (lieux/producer.py) reads CSV files
with the same functions, so both commands give one verdict.
"""

from __future__ import annotations

import csv
import errno
import io
import itertools
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from . import encodings
from .limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_NUMBER_CHARS, MAX_RECORDS
from .paths import path_value

DELIMITERS = (";", ",", "\t", "|")
DELIMITER_NAMES = {"\t": "tabulation"}


class SourceReadError(ValueError):
    """The file cannot be read at all; the message names the file and the fix."""


@dataclass(frozen=True)
class Record:
    number: int
    data: dict
    error: str | None = None  # a structural problem found while reading (ragged row...)


@dataclass
class ReadInfo:
    """What reading a file found beside its records: its encoding, probable mojibake."""

    encoding: encodings.Encoding | None = None
    mojibake: int = 0                 # values that look wrongly decoded
    mojibake_example: str | None = None

    @property
    def encoding_label(self) -> str | None:
        return self.encoding.label if self.encoding else None

    @property
    def mojibake_message(self) -> str | None:
        if not self.mojibake:
            return None
        return (f"mojibake probable (texte décodé avec un mauvais encodage) dans {self.mojibake} valeur(s), par exemple "
                f"{self.mojibake_example} : vérifiez l'encodage du fichier (clé « encoding » du descripteur) ou "
                "demandez au producteur un export en UTF-8")


JSON_TYPES = {"dict": "un objet", "list": "une liste", "str": "un texte", "int": "un nombre", "float": "un nombre",
              "bool": "un booléen", "NoneType": "null", "BigNumber": "un nombre"}

FILE_KINDS = ((stat.S_ISDIR, "c'est un dossier"), (stat.S_ISFIFO, "c'est un tube nommé (FIFO)"),
              (stat.S_ISCHR, "c'est un périphérique"), (stat.S_ISBLK, "c'est un périphérique"),
              (stat.S_ISSOCK, "c'est une socket"))


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read (a directory, a device…), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in FILE_KINDS if test(mode)), "ce n'est pas un fichier ordinaire")


OS_REASONS = {errno.ENOENT: "introuvable", errno.EACCES: "accès refusé", errno.EPERM: "accès refusé",
              errno.ENOTDIR: "un élément du chemin n'est pas un dossier", errno.ENAMETOOLONG: "chemin trop long",
              errno.ELOOP: "liens symboliques en boucle", errno.EISDIR: "c'est un dossier"}


def os_reason(e: Exception) -> str:
    """An operating-system error, in French."""
    if isinstance(e, OSError):
        return OS_REASONS.get(e.errno, f"erreur système {e.errno}")
    return "chemin invalide"


def check_regular_file(path, name: str) -> os.stat_result:
    """The file's status, if it is a regular file within the size limit; SourceReadError otherwise.
    Never opens the file (a FIFO or a device is refused before anything blocks)."""
    try:
        status = os.stat(path)
    except (OSError, ValueError) as e:
        raise SourceReadError(f"{name} : fichier illisible ({os_reason(e)}). Vérifiez le chemin du fichier.") from e
    kind = not_regular(status.st_mode)
    if kind:
        raise SourceReadError(f"{name} : {kind}, pas un fichier de données. Indiquez le chemin d'un fichier CSV ou JSON.")
    if status.st_size > MAX_FILE_BYTES:
        raise SourceReadError(f"{name} : fichier de {status.st_size / 1024 / 1024:.0f} Mo, au-delà de la limite de "
                              f"{MAX_FILE_BYTES // (1024 * 1024)} Mo. Vérifiez que c'est bien la liste attendue, ou "
                              "découpez-la en plusieurs sources.")
    return status


def open_regular(path, name: str):
    """A regular file opened in binary mode; checked before opening and again once open (O_NONBLOCK:
    a FIFO swapped in between cannot block)."""
    check_regular_file(path, name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise SourceReadError(f"{name} : fichier illisible ({os_reason(e)}). Vérifiez le chemin et les droits du fichier.") from e
    kind = not_regular(os.fstat(fd).st_mode)
    if kind:
        os.close(fd)
        raise SourceReadError(f"{name} : {kind}, pas un fichier de données. Indiquez le chemin d'un fichier CSV ou JSON.")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def looks_binary(head: bytes) -> bool:
    """NUL bytes, or many control characters, at the start: not a text file (CSV, JSON)."""
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return bool(head) and controls / len(head) > 0.05


def looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


ARCHIVES = ((b"PK\x03\x04", "une archive zip (ou un classeur xlsx/ods)"), (b"\x1f\x8b", "une archive gzip"),
            (b"BZh", "une archive bzip2"), (b"\xfd7zXZ\x00", "une archive xz"), (b"7z\xbc\xaf\x27\x1c", "une archive 7z"),
            (b"\xd0\xcf\x11\xe0", "un classeur xls"), (b"%PDF", "un document PDF"))


def check_text(raw: bytes, name: str, encoding: str | None = None) -> None:
    """Refuse at once what is not a data file at all, with what to do."""
    head = raw[:1 << 16]
    for magic, what in ARCHIVES:
        if head.startswith(magic):
            raise SourceReadError(f"{name} : c'est {what}, pas un fichier texte. Extrayez-en la liste et exportez-la "
                                  "en CSV UTF-8 ou en JSON.")
    if encoding and "16" in encoding or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16: NUL bytes are part of the text
    if encodings.looks_like_utf16_without_bom(head):
        raise SourceReadError(f"{name} : texte en UTF-16 sans marque d'ordre des octets (BOM). Enregistrez le fichier "
                              "en UTF-8, ou indiquez « encoding: utf-16-le » dans le descripteur.")
    if looks_binary(head):
        raise SourceReadError(f"{name} : ce n'est pas un fichier texte (données binaires : archive, tableur, image ?). "
                              "Exportez la liste en CSV UTF-8 ou en JSON.")
    if looks_like_html(head):
        raise SourceReadError(f"{name} : c'est une page HTML, pas un fichier de données (page d'erreur ou lien vers "
                              "une page web ?). Indiquez l'adresse du fichier CSV ou JSON lui-même.")


def decode(raw: bytes, encoding: str | None, name: str) -> str:
    """Bytes held in memory as text, with the encoding a file would get (declared or detected)."""
    f = io.BytesIO(raw)
    try:
        found = encodings.detect(f, encoding, name)
    except encodings.EncodingError as e:
        raise SourceReadError(str(e)) from e
    return raw.decode(found.codec, found.errors)


def open_text(path, encoding: str | None, name: str, info: ReadInfo | None = None):
    """A source file opened as text (a regular file, within the limits, not binary, its encoding
    declared or detected); the encoding goes to `info`."""
    f = open_regular(path, name)
    try:
        check_text(f.read(1 << 16), name, encoding)
        f.seek(0)
        found = encodings.detect(f, encoding, name)
    except encodings.EncodingError as e:
        f.close()
        raise SourceReadError(str(e)) from e
    except BaseException:
        f.close()
        raise
    if info is not None:
        info.encoding = found
    return io.TextIOWrapper(f, encoding=found.codec, errors=found.errors, newline="")


# ---- CSV

def sniff_delimiter(text: str) -> str:
    """The candidate delimiter that appears most in the header line."""
    header = text.splitlines()[0] if text else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


@dataclass(frozen=True)
class CsvRow:
    position: int              # the row as a spreadsheet numbers it (the header is row 1 when it is the first line)
    line: int                  # the line of the file where the row starts
    values: list | None        # None: the row could not be read (see error)
    error: str | None = None

    @property
    def blank(self) -> bool:
        return self.values is not None and not any(v.strip() for v in self.values)


@dataclass
class CsvFile:
    """A CSV file's header and rows, within the limits; SourceReadError for a file that is not a table.

    The checks that make a file unreadable are here, shared by the build and `validate`: empty
    file, one column (wrong delimiter), more than MAX_COLUMNS columns, no data row after the header.
    """

    stream: object
    delimiter: str | None
    name: str
    header: list = field(default_factory=list)

    def __post_init__(self):
        csv.field_size_limit(MAX_CELL_CHARS)
        if isinstance(self.stream, str):
            if "\x00" in self.stream:
                raise SourceReadError(f"{self.name} : le fichier contient des octets nuls : ce n'est pas un fichier texte "
                                      "CSV. Exportez-le en CSV UTF-8.")
            self.stream = io.StringIO(self.stream, newline="")
        self.lines_before = 0
        head = self.stream.readline()
        while head and not head.strip():  # blank lines before the header
            self.lines_before += 1
            head = self.stream.readline()
        if not head:
            raise SourceReadError(f"{self.name} : le fichier est vide"
                                  + (" (rien que des lignes blanches)" if self.lines_before else "")
                                  + ". Il doit commencer par une ligne d'en-tête.")
        self.delimiter = self.delimiter or sniff_delimiter(head)
        self.reader = csv.reader(itertools.chain([head], self.stream), delimiter=self.delimiter)
        try:
            self.header = next(self.reader)
        except csv.Error as e:
            raise SourceReadError(f"{self.name} : la première ligne a une cellule de plus de {MAX_CELL_CHARS} caractères : "
                                  "ce n'est pas une ligne d'en-tête CSV. Vérifiez que le fichier est un CSV qui commence "
                                  "par les noms des colonnes.") from e
        if len(self.header) < 2:
            other = sniff_delimiter(head)
            hint = (f" ; avec « {DELIMITER_NAMES.get(other, other)} » l'en-tête aurait {head.count(other) + 1} colonnes"
                    if other != self.delimiter and other in head else "")
            raise SourceReadError(
                f"{self.name} : une seule colonne lue avec le séparateur « {self.delimiter} »{hint}. "
                "Vérifiez le séparateur (clé « delimiter » du descripteur : « ; » ou « , »)."
            )
        if len(self.header) > MAX_COLUMNS:
            raise SourceReadError(f"{self.name} : {len(self.header)} colonnes dans l'en-tête, au-delà de la limite de "
                                  f"{MAX_COLUMNS}. Vérifiez le séparateur et que la première ligne est bien l'en-tête.")

    @property
    def header_position(self) -> int:
        return self.lines_before + 1

    def rows(self):
        """Every row after the header, blank ones included; SourceReadError at the end if none holds data."""
        reader, position, data_rows = self.reader, self.header_position, 0
        line = self.lines_before + reader.line_num
        while True:
            start = line + 1
            csv.field_size_limit(MAX_CELL_CHARS)  # a process-wide setting, which frictionless changes when imported
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                position, line = position + 1, self.lines_before + reader.line_num
                if "field limit" not in str(e):
                    raise SourceReadError(f"{self.name}, ligne {line} : CSV illisible. Vérifiez les guillemets de cette "
                                          "ligne.") from e
                data_rows += 1
                yield CsvRow(position, start, None, f"une cellule de plus de {MAX_CELL_CHARS} caractères ; la ligne "
                             "n'est pas lue (un guillemet non fermé peut aussi en être la cause)")
                continue
            position, line = position + 1, self.lines_before + reader.line_num
            row = CsvRow(position, start, values)
            data_rows += not row.blank
            if data_rows > MAX_RECORDS:
                raise too_many_records(self.name)
            yield row
        if not data_rows:
            raise SourceReadError(f"{self.name} : aucune ligne de données après l'en-tête. Vérifiez que l'export du "
                                  "fichier est complet.")


def read_csv(text, delimiter: str | None, name: str):
    """Records of a CSV text: a str, or a text file object read line by line (the build streams)."""
    table = CsvFile(text, delimiter, name)
    header = [h.strip() for h in table.header]
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise SourceReadError(f"{name} : colonnes en double dans l'en-tête : {', '.join(duplicates)}. Renommez-les.")
    for row in table.rows():
        if row.values is None:
            yield Record(row.line, {}, row.error)
            continue
        if row.blank:
            continue  # blank lines are layout, not records
        values = row.values
        error = None
        if len(values) != len(header):
            error = f"{len(values)} valeurs au lieu de {len(header)} colonnes"
            values = values[:len(header)]
        values = values + [""] * (len(header) - len(values))
        yield Record(row.line, dict(zip(header, values)), error)


# ---- JSON

class BigNumber(str):
    """A JSON number longer than MAX_NUMBER_CHARS characters, kept as its text (never converted)."""


def _parse_int(text: str):
    return BigNumber(text) if len(text) > MAX_NUMBER_CHARS else int(text)


def _parse_float(text: str):
    return BigNumber(text) if len(text) > MAX_NUMBER_CHARS else float(text)


def json_decoder() -> json.JSONDecoder:
    """The JSON decoder of every source: numbers too long to be a value are kept aside (BigNumber)."""
    return json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float)


def _too_deep(name: str) -> SourceReadError:
    return SourceReadError(f"{name} : JSON imbriqué sur plus de {MAX_JSON_DEPTH} niveaux de listes ou d'objets. "
                           "Vérifiez que c'est bien l'export de la liste (un lieu par objet).")


def loads(text: str, name: str, label: str = "JSON"):
    """A whole JSON document, within the limits; SourceReadError with the line of a syntax error."""
    try:
        return json_decoder().decode(text)
    except json.JSONDecodeError as e:
        raise SourceReadError(f"{name}, ligne {e.lineno} : {label} illisible ({e.msg}). Vérifiez que le fichier est complet "
                              f"(téléchargement interrompu ?) et que c'est du {label} valide.") from e
    except RecursionError as e:
        raise _too_deep(name) from e


def _type_name(value) -> str:
    return JSON_TYPES.get(type(value).__name__, type(value).__name__)


SURROGATES = re.compile("[\ud800-\udfff]")


def problem_in(data, encoding: encodings.Encoding | None = None) -> tuple[str | None, bool]:
    """(what makes a decoded record unusable, or None; whether it is nested too deep). Looks for nesting
    deeper than MAX_JSON_DEPTH, a number longer than MAX_NUMBER_CHARS, a lone UTF-16 surrogate (a JSON
    escape of half a pair, or a byte of another encoding in a mixed file). Iterative: never recursion-limited."""
    stack = [(data, 1, None)]
    found = None
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"objet imbriqué sur plus de {MAX_JSON_DEPTH} niveaux", True
        if found:
            pass
        elif isinstance(value, BigNumber):
            found = (f"nombre de {len(value)} caractères dans « {where} » (limite : {MAX_NUMBER_CHARS}) ; "
                     "publiez-le comme texte entre guillemets s'il le faut")
        elif isinstance(value, str):
            bad = SURROGATES.search(value)
            if bad:
                char = bad.group()
                if encoding and encoding.mixed_bytes and "\udc80" <= char <= "\udcff":
                    found = (f"octet 0x{ord(char) - 0xDC00:02X} qui n'est pas de l'UTF-8 dans « {visible(where or '')} » "
                             "(fichier à l'encodage mixte) ; enregistrez tout le fichier en UTF-8")
                else:
                    found = (f"caractère invalide (moitié de paire UTF-16 \\u{ord(char):04x}) dans « {visible(where or '')} » ; "
                             "corrigez l'échappement \\uXXXX de ce texte")
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth + 1, where or key))
                stack.append((item, depth + 1, where or key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, where) for item in value)
    return found, False


def visible(text: str) -> str:
    """`text` without lone surrogates, which no UTF-8 file or database can hold: a byte of another encoding
    (mixed file) shown as the Windows-1252 character it most likely is, half a UTF-16 pair as its escape."""
    def replace(m):
        code = ord(m.group())
        if 0xDC80 <= code <= 0xDCFF:
            return bytes([code - 0xDC00]).decode("cp1252", "replace")
        return f"\\u{code:04x}"

    return SURROGATES.sub(replace, text)


def visible_data(data):
    """A record's data with every text made `visible` (keys too); nesting is at most MAX_JSON_DEPTH here."""
    if isinstance(data, str):
        return visible(data)
    if isinstance(data, dict):
        return {visible_data(k): visible_data(v) for k, v in data.items()}
    if isinstance(data, list):
        return [visible_data(v) for v in data]
    return data


def json_record(number: int, item) -> Record:
    """A record of one item of a JSON list: an object, or an error naming what it is instead."""
    if isinstance(item, dict):
        return Record(number, item)
    return Record(number, {}, f"l'élément n'est pas un objet JSON mais {_type_name(item)}")


def _json_records(data, records_key: str | None, name: str) -> list:
    if records_key:  # a path: "data.lieux", "resultats[0].lieux" (lieux/paths.py)
        data = path_value(data, records_key)
        if data is None:
            raise SourceReadError(f"{name} : clé « {records_key} » absente du JSON. Vérifiez la clé « records » du descripteur.")
    if not isinstance(data, list):
        raise SourceReadError(
            f"{name} : le JSON doit être une liste d'objets (un par lieu), pas {_type_name(data)}. "
            "Indiquez où se trouve la liste avec la clé « records » du descripteur."
        )
    return data


def read_json(text: str, records_key: str | None, name: str):
    items = _json_records(loads(text, name), records_key, name)
    if not items:
        raise SourceReadError(f"{name} : la liste JSON est vide, aucun lieu. Vérifiez que l'export du fichier est complet.")
    for number, item in enumerate(items, start=1):
        yield json_record(number, item)


def _json_error(name: str, line: int, msg: str) -> SourceReadError:
    return SourceReadError(f"{name}, ligne {line} : JSON illisible ({msg}). Vérifiez que le fichier est complet "
                           "(téléchargement interrompu ?) et que c'est du JSON valide.")


def iter_json_array(stream, name: str, chunk_size: int = 1 << 20):
    """The items of a top-level JSON list, decoded one by one from a text stream (memory: one item)."""
    decoder = json_decoder()
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
            except RecursionError as e:
                raise _too_deep(name) from e
            number = isinstance(item, (int, float, BigNumber)) and not isinstance(item, bool)
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
        yield json_record(number, item)
    if not count:
        raise SourceReadError(f"{name} : la liste JSON est vide, aucun lieu. Vérifiez que l'export du fichier est complet.")


# ---- GeoJSON

def _is_coordinate(value) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, (bool, BigNumber))


def geojson_record(number: int, feature) -> Record:
    """A Feature's properties, with `_longitude`/`_latitude` from a Point and `_geometry_type`;
    an error naming what is wrong when the feature, its properties or its point are not usable."""
    if not isinstance(feature, dict):
        return Record(number, {}, f"l'élément de « features » n'est pas un objet Feature mais {_type_name(feature)}")
    properties = feature.get("properties")
    if properties is not None and not isinstance(properties, dict):
        return Record(number, {}, f"« properties » n'est pas un objet mais {_type_name(properties)}")
    data = dict(properties or {})
    geometry = feature.get("geometry")
    if geometry is None:
        data["_geometry_type"] = None
        return Record(number, data)
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), (str, type(None))):
        data["_geometry_type"] = None
        return Record(number, data, "« geometry » n'est pas une géométrie GeoJSON (un objet avec « type » et « coordinates »)")
    data["_geometry_type"] = geometry.get("type")
    if geometry.get("type") == "Point":
        coordinates = geometry.get("coordinates")
        if isinstance(coordinates, list) and len(coordinates) >= 2 and all(map(_is_coordinate, coordinates[:2])):
            data["_longitude"], data["_latitude"] = coordinates[:2]
        elif coordinates not in (None, []):
            return Record(number, data, "coordonnées du point illisibles (deux nombres attendus : [longitude, latitude])")
    return Record(number, data)


def read_geojson(text: str, name: str):
    data = loads(text, name, "GeoJSON")
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SourceReadError(f"{name} : un GeoJSON de type FeatureCollection est attendu. Exportez la couche en "
                              "GeoJSON (FeatureCollection de points).")
    features = data.get("features")
    if not isinstance(features, list):
        raise SourceReadError(f"{name} : « features » doit être la liste des lieux, pas {_type_name(features)}. "
                              "Exportez la couche en GeoJSON (FeatureCollection de points).")
    if not features:
        raise SourceReadError(f"{name} : le GeoJSON n'a aucun lieu (« features » est vide). Vérifiez que l'export du "
                              "fichier est complet.")
    for number, feature in enumerate(features, start=1):
        yield geojson_record(number, feature)


# ---- any source file

def first_significant_char(stream) -> str:
    while True:
        ch = stream.read(1)
        if not ch or ch not in " \t\r\n\ufeff":
            return ch


def too_many_records(name: str) -> SourceReadError:
    return SourceReadError(f"{name} : plus de {MAX_RECORDS} lignes, au-delà de la limite. Vérifiez que c'est bien la liste "
                           "attendue (une ligne par lieu), ou découpez-la en plusieurs sources.")


def _records(stream, fmt: str, delimiter, records_key, name):
    if fmt != "csv":  # CSV rows are counted by CsvFile, for `validate` too
        for count, record in enumerate(_json_like_records(stream, fmt, records_key, name), start=1):
            if count > MAX_RECORDS:
                raise too_many_records(name)
            yield record
        return
    yield from read_csv(stream, delimiter, name)


def _json_like_records(stream, fmt: str, records_key, name):
    if fmt == "json" and not records_key and first_significant_char(stream) == "[":
        stream.seek(0)
        yield from read_json_stream(stream, name)
    elif fmt == "json":
        stream.seek(0)
        yield from read_json(stream.read(), records_key, name)
    elif fmt == "geojson":
        yield from read_geojson(stream.read(), name)
    else:
        raise SourceReadError(f"{name} : format « {fmt} » inconnu.")


def checked(record: Record, info: ReadInfo) -> Record:
    """The record, or the record with an error when a value is unusable (lieux.read.problem_in);
    probable mojibake is counted in `info`."""
    problem, deep = problem_in(record.data, info.encoding)
    if deep:
        return Record(record.number, {}, f"valeur illisible : {problem}")  # kept out of rejets' JSON: too deep
    if problem or record.error:
        data = visible_data(record.data)
        return Record(record.number, data, record.error or f"valeur illisible : {problem}")
    for key, value in record.data.items():
        if isinstance(value, str):
            found = encodings.mojibake(value)
            if found:
                info.mojibake += 1
                if info.mojibake_example is None:
                    info.mojibake_example = f"« {found} » (colonne {key}, ligne {record.number})"
    return record


def read_records(path: Path, fmt: str, encoding: str | None = None, delimiter: str | None = None,
                 records_key: str | None = None, name: str | None = None, info: ReadInfo | None = None):
    """Yield the records of a source file, reading it as a stream (a JSON list too; GeoJSON and a JSON
    list under `records_key` are read whole). `info` receives the encoding and the mojibake found."""
    name = name or str(path)
    info = info if info is not None else ReadInfo()
    with open_text(path, encoding, name, info) as stream:
        try:
            for record in _records(stream, fmt, delimiter, records_key, name):
                yield checked(record, info)
        except (OSError, UnicodeDecodeError) as e:  # the file changed or broke while being read
            raise SourceReadError(f"{name} : lecture interrompue ({os_reason(e) if isinstance(e, OSError) else 'octet illisible'}). "
                                  "Vérifiez que le fichier n'est pas modifié pendant la construction, puis relancez-la.") from e


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
