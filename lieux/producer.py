"""Validating a producer's file as it is, with a report in French.

The file is read by the build's reader (lieux/read.py: regular files only, the limits of
lieux/limits.py, the same encoding detection and CSV checks), so `validate` and `build` give one
verdict on one file. Its rows go to frictionless in batches (the verdicts on cells are
frictionless's own); uniqueness is checked across batches here. Each error is explained with
lieux/messages.py: its row, its column, the value, what the schema expects and how to fix it.
Every error is counted; the first MAX_ERRORS_PER_KIND of each kind are kept in detail, so a
report on any file fits in bounded memory.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from frictionless import Resource, Schema

from . import encodings, schemas
from .limits import MAX_ERRORS_PER_KIND
from .messages import KINDS, Explanation, describe, describe_structure
from .read import ARCHIVES, CsvFile, ReadInfo, SourceReadError, open_regular, open_text
from .validate import without_unique

ROW_STRUCTURE = {"extra-cell", "missing-cell", "blank-row"}
LABEL_ERRORS = {"missing-label", "extra-label", "incorrect-label", "duplicate-label", "blank-label"}
DELIMITER_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation", "|": "barre verticale"}
BATCH = 2000
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class FileError:
    ligne: int | None        # row in a spreadsheet (the header is row 1); None for header errors
    colonne: str | None
    valeur: str | None
    code: str                # frictionless error type (or ours: cellule-trop-longue, encodage-mixte)
    type: str                # its kind, in French
    attendu: str
    correction: str
    message: str


@dataclass
class ValidationReport:
    fichier: str
    schema: str
    encodage: str | None = None
    separateur: str | None = None
    lignes: int = 0
    lignes_invalides: int = 0
    erreurs: list = field(default_factory=list)          # the errors kept in detail (MAX_ERRORS_PER_KIND per kind)
    colonnes_schema: int = 0
    colonnes_reconnues: int | None = None   # header labels that are names of the schema's fields
    nombre_erreurs: int = 0                 # every error, kept in detail or not
    par_type: dict = field(default_factory=dict)         # kind -> Counter of columns
    encodage_mixte: str | None = None       # where a byte of another encoding is, in a UTF-8 file
    mojibake: int = 0
    mojibake_exemple: str | None = None
    limite_par_type: int = MAX_ERRORS_PER_KIND
    kept: dict = field(default_factory=dict, repr=False)  # kind -> errors kept in detail

    @property
    def valid(self) -> bool:
        return not self.nombre_erreurs

    @property
    def header_errors(self) -> list:
        return [e for e in self.erreurs if e.ligne is None]

    def add(self, error: FileError) -> None:
        """Count an error, and keep it in detail while its kind has fewer than the limit."""
        if self.count(error.type, error.colonne):
            self.erreurs.append(error)

    def count(self, kind: str, column: str | None) -> bool:
        """Count an error of `kind`; True when it is to be kept in detail (its kind is under the limit)."""
        self.nombre_erreurs += 1
        columns = self.par_type.get(kind)
        if columns is None:
            columns = self.par_type[kind] = Counter()
            self.kept[kind] = 0
        columns[column or ""] += 1
        if self.kept[kind] < self.limite_par_type:
            self.kept[kind] += 1
            return True
        return False

    def truncated_kinds(self) -> list[tuple[str, int]]:
        return [(k, n) for k, n, _ in self.by_kind() if n > self.limite_par_type]

    def by_kind(self) -> list[tuple[str, int, Counter]]:
        """(kind, count, count by column), most frequent kind first."""
        return sorted(((k, sum(c.values()), c) for k, c in self.par_type.items()), key=lambda x: (-x[1], x[0]))

    def to_dict(self) -> dict:
        return {
            "fichier": self.fichier, "schema": self.schema, "valide": self.valid,
            "encodage": self.encodage, "separateur": self.separateur,
            "encodage_mixte": self.encodage_mixte, "mojibake": self.mojibake, "mojibake_exemple": self.mojibake_exemple,
            "lignes": self.lignes, "lignes_valides": self.lignes - self.lignes_invalides, "lignes_invalides": self.lignes_invalides,
            "colonnes_schema": self.colonnes_schema, "colonnes_reconnues": self.colonnes_reconnues,
            "nombre_erreurs": self.nombre_erreurs, "erreurs_detaillees": len(self.erreurs),
            "limite_par_type": self.limite_par_type,
            "erreurs_par_type": [{"type": k, "nombre": n, "detaillees": min(n, self.limite_par_type),
                                  "par_colonne": dict(sorted(c.items()))} for k, n, c in self.by_kind()],
            "erreurs": [asdict(e) for e in self.erreurs],
        }

    def lines(self, limit: int = 0) -> list[str]:
        """The French report; `limit` caps the detailed errors (0: all those kept)."""
        delimiter = DELIMITER_NAMES.get(self.separateur, self.separateur)
        out = [f"Fichier : {self.fichier}", f"Schéma : {self.schema}",
               f"Encodage détecté : {encodings.NAMES.get(self.encodage, self.encodage)} ; séparateur détecté : « {self.separateur} » ({delimiter})"]
        if self.encodage_mixte:
            out.append(f"Encodage mixte : le fichier est en UTF-8 sauf {self.encodage_mixte} ; les lignes concernées sont "
                       "invalides. Enregistrez tout le fichier en UTF-8.")
        if self.mojibake:
            out.append(f"Mojibake probable (texte décodé avec un mauvais encodage avant d'être enregistré) dans "
                       f"{self.mojibake} valeur(s), par exemple {self.mojibake_exemple}. Vérifiez l'encodage de l'export.")
        out.append(f"Lignes de données : {self.lignes} — valides : {self.lignes - self.lignes_invalides} — invalides : {self.lignes_invalides}"
                   + (f" — problèmes d'en-tête : {len(self.header_errors)}" if self.header_errors else ""))
        if self.nombre_erreurs:
            out.append(f"Erreurs par type ({self.nombre_erreurs} en tout) :")
            for kind, count, columns in self.by_kind():
                named = sorted(((c, n) for c, n in columns.items() if c), key=lambda x: (-x[1], x[0]))
                detail = ", ".join(f"{c} : {n}" for c, n in named[:8]) + (f", … {len(named) - 8} autres colonnes" if len(named) > 8 else "")
                out.append(f"  - {kind} : {count}" + (f" ({detail})" if detail else ""))
            if self.colonnes_reconnues is not None and self.colonnes_reconnues < self.colonnes_schema / 2:
                found = (f"Seules {self.colonnes_reconnues} colonnes sur {self.colonnes_schema} portent" if self.colonnes_reconnues
                         else f"Aucune des {self.colonnes_schema} colonnes du schéma ne porte")
                out.append(f"{found} un nom du schéma dans l'en-tête : ce fichier n'est pas au format du schéma. Reprenez "
                           "l'en-tête de son fichier exemple (exemple-valide.csv) et remplissez chaque colonne.")
            if self.header_errors:
                out.append("L'en-tête ne correspond pas au schéma : corrigez-le d'abord, car les colonnes sont lues "
                           "dans l'ordre du schéma et bien des erreurs des lignes en découlent.")
            truncated = self.truncated_kinds()
            if truncated:
                out.append(f"Seules les {self.limite_par_type} premières erreurs de chaque type sont détaillées ci-dessous "
                           f"(toutes sont comptées) : " + ", ".join(f"{k} : {n} en tout" for k, n in truncated) + ".")
            out.append("")
            out.append("Détail (ligne telle que l'affiche un tableur, l'en-tête étant la ligne 1) :")
            shown = self.erreurs[:limit] if limit else self.erreurs
            for e in shown:
                where = "En-tête" if e.ligne is None else f"Ligne {e.ligne}"
                out.append(f"{where} : {e.message}")
            if len(shown) < len(self.erreurs):
                out.append(f"… et {len(self.erreurs) - len(shown)} autres erreurs détaillées (--limite 0 pour toutes les voir, "
                           "ou --format json).")
            out.append("")
            out.append("Verdict : fichier invalide.")
        else:
            out.append("Verdict : fichier valide.")
        return out

    def json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def resolve_schema(name_or_path: str) -> tuple[str, dict]:
    """A schema of schemas/ by name, or a schema.json file given by path (the official standard file, say)."""
    path = Path(name_or_path)
    if name_or_path.endswith(".json") and path.is_file():
        try:
            return str(path), json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise ValueError(f"{path} : schéma JSON illisible ({e}).") from e
    return name_or_path, schemas.load_schema(name_or_path)


def reject_other_formats(raw: bytes, name: str) -> None:
    """Files that are not CSV at all: say what they look like and how to get a CSV (the build's own
    checks, lieux.read.check_text, come next)."""
    if not raw:
        raise SourceReadError(f"{name} : le fichier est vide. Il doit commencer par une ligne d'en-tête.")
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:512]
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise SourceReadError(f"{name} : c'est un classeur de tableur (xlsx, ods ou xls), pas un fichier CSV. "
                              "Ouvrez-le dans votre tableur et enregistrez-le au format « CSV UTF-8 ».")
    for magic, what in ARCHIVES:
        if head.startswith(magic):
            raise SourceReadError(f"{name} : c'est {what}, pas un fichier CSV. Extrayez-en le fichier CSV, ou ouvrez-le "
                                  "dans votre tableur et enregistrez-le au format « CSV UTF-8 ».")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text: read as such
    if b"\x00" in raw and not encodings.looks_like_utf16_without_bom(raw):
        raise SourceReadError(f"{name} : le fichier contient des octets nuls : ce n'est pas un fichier CSV. "
                              "Exportez-le depuis votre tableur en « CSV UTF-8 ».")
    if head[:1] == b"<":
        raise SourceReadError(f"{name} : c'est une page HTML ou un fichier XML, pas un fichier CSV. "
                              "Si vous l'avez téléchargé, vérifiez le lien : il mène peut-être à une page d'erreur.")


def shown(text: str) -> str:
    """A cell as a producer would read it: a byte of another encoding (mixed file) shown as Windows-1252."""
    if not SURROGATE.search(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("cp1252", "replace").encode("utf-8", "replace").decode("utf-8")


class Uniques:
    """Values already seen for unique fields and the primary key, across batches, on disk."""

    def __init__(self, unique: list[str], primary_key: list[str]):
        self.unique, self.primary_key = unique, primary_key
        self.conn = sqlite3.connect("")
        self.conn.execute("create table seen (field text, value text, row int, primary key (field, value)) without rowid")

    def first_row(self, key: str, value: str, row: int) -> int | None:
        """The row where `value` of `key` was first seen, if before; else record it for `row`."""
        found = self.conn.execute("select row from seen where field = ? and value = ?", (key, value)).fetchone()
        if found:
            return found[0]
        self.conn.execute("insert into seen values (?, ?, ?)", (key, value, row))
        return None


def _error(report: ValidationReport, row, column, value, code, explanation) -> None:
    report.add(FileError(row, column, value, code, explanation.kind, explanation.expected, explanation.fix,
                         explanation.sentence))


class Validation:
    """One file's validation: rows in, errors counted and explained."""

    def __init__(self, report: ValidationReport, descriptor: dict, header: list[str], missing_values):
        self.report = report
        self.fields = descriptor.get("fields", [])
        self.names = [f["name"] for f in self.fields]
        self.by_name = {f["name"]: f for f in self.fields}
        self.header = header
        self.schema = Schema.from_descriptor(without_unique(descriptor))
        primary = descriptor.get("primaryKey") or []
        primary = [primary] if isinstance(primary, str) else list(primary)
        unique = [f["name"] for f in self.fields if f.get("constraints", {}).get("unique")]
        self.uniques = Uniques(unique, primary)
        # as frictionless reads a file: the n-th field of the schema is the n-th column, whatever its label
        self.column_of = {name: self.names.index(name) for name in set(unique) | set(primary)
                          if name in self.names and self.names.index(name) < len(header)}
        self.missing = set(missing_values)
        self.batch: list[tuple[int, list]] = []
        self.invalid: set[int] = set()       # rows of the current batch found invalid
        self.first_batch = True
        self.pending = 0                     # rows read since the last flush (blank ones too)

    def row_error(self, row: int, column, value, code: str, explanation) -> None:
        self.invalid.add(row)
        _error(self.report, row, column, value, code, explanation)

    def structure_error(self, row: int, code: str, position: int | None = None) -> None:
        """A blank row or an extra cell: counted at once, explained only when kept (a file of a million
        blank lines, or of 10,000-cell rows, costs a counter)."""
        self.invalid.add(row)
        if self.report.count(KINDS[code], None):
            explanation = describe_structure(code, None, None, position, self.names)
            self.report.erreurs.append(FileError(row, None, None, code, explanation.kind, explanation.expected,
                                                 explanation.fix, explanation.sentence))

    def add(self, position: int, values: list | None, error: str | None) -> None:
        report = self.report
        report.lignes += 1
        if values is None:
            self.row_error(position, None, None, "cellule-trop-longue",
                           Explanation("ligne", error, "raccourcissez cette cellule ou fermez son guillemet",
                                                 "cellule trop longue"))
        elif not any(v.strip() for v in values):
            self.structure_error(position, "blank-row")
        else:
            if any(SURROGATE.search(v) for v in values):
                for i, v in enumerate(values):
                    if SURROGATE.search(v):
                        label = self.header[i] if i < len(self.header) else f"colonne {i + 1}"
                        self.row_error(position, label, shown(v), "encodage-mixte", Explanation(
                            f"{label} « {shown(v)[:80]} »", "octet qui n'est pas de l'UTF-8 (encodage mixte)",
                            "enregistrez tout le fichier en UTF-8", "encodage mixte"))
                values = [shown(v) for v in values]
            for i, v in enumerate(values[:len(self.header)]):
                found = encodings.mojibake(v)
                if found:
                    report.mojibake += 1
                    if report.mojibake_exemple is None:
                        report.mojibake_exemple = f"« {found} » (colonne {self.header[i]}, ligne {position})"
            if len(values) > len(self.header):
                for i in range(len(self.header), len(values)):
                    self.structure_error(position, "extra-cell", i + 1)
                values = values[:len(self.header)]
            self.check_unique(position, values)
            self.batch.append((position, values))
        self.pending += 1
        if self.pending >= BATCH:
            self.flush()

    def check_unique(self, position: int, values: list) -> None:
        flagged = False
        for name in self.uniques.unique:
            value = self.cell(values, name)
            if value is not None:
                first = self.uniques.first_row(name, value, position)
                if first is not None:
                    flagged = True
                    self.row_error(position, name, value, "unique-error", describe(
                        "unique-error", self.by_name[name], value, f"the same as in the row at position {first}"))
        if self.uniques.primary_key and all(n in self.column_of for n in self.uniques.primary_key):
            cells = [self.cell(values, n) for n in self.uniques.primary_key]
            name = self.uniques.primary_key[0]
            if all(c is None for c in cells):  # as frictionless: an empty key is an error of the key
                self.row_error(position, name, None, "primary-key", Explanation(
                    " + ".join(self.uniques.primary_key), "vide alors qu'il identifie la ligne (clé primaire)",
                    "renseignez-le dans chaque ligne", KINDS["primary-key"]))
                return
            key = json.dumps(cells, ensure_ascii=False)
            first = self.uniques.first_row("\0primary-key", key, position)
            if first is not None and not flagged:
                self.row_error(position, name, cells[0], "primary-key", describe(
                    "primary-key", self.by_name.get(name), cells[0], f"the same as in the row at position {first}"))

    def cell(self, values: list, name: str) -> str | None:
        i = self.column_of.get(name)
        if i is None or i >= len(values) or values[i] in self.missing:
            return None
        return values[i]

    def flush(self) -> None:
        """Validate the rows gathered with frictionless; header errors are reported with the first batch."""
        if self.batch or self.first_batch:
            resource = Resource(data=[self.header] + [values for _, values in self.batch], schema=self.schema)
            result = resource.validate(limit_errors=10 * (len(self.batch) + 1) * max(1, len(self.header)) + 1000)
            positions = [position for position, _ in self.batch]
            for error in (e for task in result.tasks for e in task.errors):
                row = getattr(error, "row_number", None)
                if row is None and not self.first_batch:
                    continue  # the same header, reported once
                self.explain(error, positions[row - 2] if row is not None else None)
        self.first_batch = False
        self.report.lignes_invalides += len(self.invalid)
        self.batch, self.invalid, self.pending = [], set(), 0

    def explain(self, error, row: int | None) -> None:
        field_name = getattr(error, "field_name", None) or None
        label = getattr(error, "label", None)
        position = getattr(error, "field_number", None)
        cell = getattr(error, "cell", None)
        if error.type in LABEL_ERRORS | ROW_STRUCTURE:
            explanation = describe_structure(error.type, label, field_name, position, self.names)
            column = field_name or label
            value = None if error.type in ROW_STRUCTURE else label
        else:
            explanation = describe(error.type, self.by_name.get(field_name), cell, error.note)
            column, value = field_name, cell
        if row is not None:
            self.invalid.add(row)
        _error(self.report, row, column, value, error.type, explanation)


def reject_json(raw: bytes, name: str) -> None:
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        raise SourceReadError(f"{name} : c'est un fichier JSON. Le validateur lit les fichiers CSV, le format des fichiers "
                              "publiés au standard : exportez vos données en CSV UTF-8.")


def validate_file(path: Path, schema_name: str) -> ValidationReport:
    """Validate a CSV file against a schema; raise SourceReadError if it cannot be read (as the build would)."""
    path = Path(path)
    name = str(path)
    schema_label, descriptor = resolve_schema(schema_name)
    with open_regular(path, name) as f:
        head = f.read(1 << 16)
    reject_other_formats(head, name)
    reject_json(head, name)
    info = ReadInfo()
    with open_text(path, None, name, info) as stream:
        table = CsvFile(stream, None, name)
        report = ValidationReport(name, schema_label, info.encoding.name, table.delimiter)
        if info.encoding.mixed_bytes:
            report.encodage_mixte = f"{info.encoding.mixed_bytes} octet(s) d'un autre encodage (le premier {info.encoding.mixed_example})"
        header = [shown(h) for h in table.header]
        names = [f["name"] for f in descriptor.get("fields", [])]
        report.colonnes_schema = len(names)
        report.colonnes_reconnues = len(set(label.strip() for label in header) & set(names))
        validation = Validation(report, descriptor, header, descriptor.get("missingValues", [""]))
        for row in table.rows():
            validation.add(row.position, row.values, row.error)
        validation.flush()
    report.erreurs.sort(key=lambda e: (e.ligne is not None, e.ligne or 0))
    return report
