"""Validating a producer's file as it is, with a report in French.

frictionless does the validation (so verdicts are frictionless's own); this module detects the
encoding and the delimiter, then explains each error with lieux/messages.py: its row, its column,
the value, what the schema expects and how to fix it.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from frictionless import Dialect, Resource, Schema, formats

from . import schemas
from .messages import describe, describe_structure
from .read import SourceReadError, sniff_delimiter

# frictionless errors that mean the file could not be read at all (exit code 2)
UNREADABLE = {"source-error", "scheme-error", "format-error", "encoding-error", "hash-count", "byte-count"}
ROW_STRUCTURE = {"extra-cell", "missing-cell", "blank-row"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 avec BOM", "cp1252": "Windows-1252 (Latin-1)", "utf-16": "UTF-16"}
DELIMITER_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation", "|": "barre verticale"}
MAX_ERRORS = 100_000


@dataclass
class FileError:
    ligne: int | None        # row in a spreadsheet (the header is row 1); None for header errors
    colonne: str | None
    valeur: str | None
    code: str                # frictionless error type
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
    erreurs: list = field(default_factory=list)
    colonnes_schema: int = 0
    colonnes_reconnues: int | None = None   # header labels that are names of the schema's fields

    @property
    def valid(self) -> bool:
        return not self.erreurs

    @property
    def header_errors(self) -> list:
        return [e for e in self.erreurs if e.ligne is None]

    def by_kind(self) -> list[tuple[str, int, Counter]]:
        """(kind, count, count by column), most frequent kind first."""
        kinds: dict[str, Counter] = {}
        for e in self.erreurs:
            kinds.setdefault(e.type, Counter())[e.colonne or ""] += 1
        return sorted(((k, sum(c.values()), c) for k, c in kinds.items()), key=lambda x: (-x[1], x[0]))

    def to_dict(self) -> dict:
        return {
            "fichier": self.fichier, "schema": self.schema, "valide": self.valid,
            "encodage": self.encodage, "separateur": self.separateur,
            "lignes": self.lignes, "lignes_valides": self.lignes - self.lignes_invalides, "lignes_invalides": self.lignes_invalides,
            "colonnes_schema": self.colonnes_schema, "colonnes_reconnues": self.colonnes_reconnues,
            "erreurs_par_type": [{"type": k, "nombre": n, "par_colonne": dict(sorted(c.items()))} for k, n, c in self.by_kind()],
            "erreurs": [asdict(e) for e in self.erreurs],
        }

    def lines(self, limit: int = 0) -> list[str]:
        """The French report; `limit` caps the detailed errors (0: all of them)."""
        delimiter = DELIMITER_NAMES.get(self.separateur, self.separateur)
        out = [f"Fichier : {self.fichier}", f"Schéma : {self.schema}",
               f"Encodage détecté : {ENCODING_NAMES.get(self.encodage, self.encodage)} ; séparateur détecté : « {self.separateur} » ({delimiter})",
               f"Lignes de données : {self.lignes} — valides : {self.lignes - self.lignes_invalides} — invalides : {self.lignes_invalides}"
               + (f" — problèmes d'en-tête : {len(self.header_errors)}" if self.header_errors else "")]
        if self.erreurs:
            out.append(f"Erreurs par type ({len(self.erreurs)} en tout) :")
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
            out.append("")
            out.append("Détail (ligne telle que l'affiche un tableur, l'en-tête étant la ligne 1) :")
            shown = self.erreurs[:limit] if limit else self.erreurs
            for e in shown:
                where = "En-tête" if e.ligne is None else f"Ligne {e.ligne}"
                out.append(f"{where} : {e.message}")
            if len(shown) < len(self.erreurs):
                out.append(f"… et {len(self.erreurs) - len(shown)} autres erreurs (--limite 0 pour toutes les voir, "
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
    """Files that are not CSV at all: say what they look like and how to get a CSV."""
    if not raw.strip():
        raise SourceReadError(f"{name} : le fichier est vide. Il doit commencer par une ligne d'en-tête.")
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:512]
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise SourceReadError(f"{name} : c'est un classeur de tableur (xlsx, ods ou xls), pas un fichier CSV. "
                              "Ouvrez-le dans votre tableur et enregistrez-le au format « CSV UTF-8 ».")
    if head[:1] in (b"{", b"["):
        raise SourceReadError(f"{name} : c'est un fichier JSON. Le validateur lit les fichiers CSV, le format des fichiers "
                              "publiés au standard : exportez vos données en CSV UTF-8.")
    if head[:1] == b"<":
        raise SourceReadError(f"{name} : c'est une page HTML ou un fichier XML, pas un fichier CSV. "
                              "Si vous l'avez téléchargé, vérifiez le lien : il mène peut-être à une page d'erreur.")


def detect_encoding(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # "Texte Unicode" of spreadsheets: its BOM says so
    reject_other_formats(raw, name)
    if b"\x00" in raw[:65536]:
        raise SourceReadError(f"{name} : le fichier contient des octets nuls : ce n'est pas un fichier CSV. "
                              "Exportez-le depuis votre tableur en « CSV UTF-8 ».")
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError as e:
        raise SourceReadError(f"{name} : encodage inconnu (ni UTF-8 ni Windows-1252, octet illisible à la position {e.start}). "
                              "Enregistrez le fichier en « CSV UTF-8 ».") from e


def validate_file(path: Path, schema_name: str) -> ValidationReport:
    """Validate a CSV file against a schema with frictionless; raise SourceReadError if it cannot be read."""
    path = Path(path)
    schema_label, descriptor = resolve_schema(schema_name)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SourceReadError(f"{path} : fichier illisible ({e.strerror}).") from e
    encoding = detect_encoding(raw, str(path))
    delimiter = sniff_delimiter(raw.decode(encoding))
    report = ValidationReport(str(path), schema_label, encoding, delimiter)
    resource = Resource(path=path.name, basepath=str(path.parent.resolve()), format="csv", encoding=encoding,
                        dialect=Dialect(controls=[formats.CsvControl(delimiter=delimiter)]),
                        schema=Schema.from_descriptor(descriptor))
    result = resource.validate(limit_errors=MAX_ERRORS)
    task = result.tasks[0]
    errors = list(result.errors) + list(task.errors)
    unreadable = [e for e in errors if e.type in UNREADABLE]
    if unreadable:
        raise SourceReadError(f"{path} : fichier illisible comme CSV ({unreadable[0].note or unreadable[0].message}). "
                              "Enregistrez-le depuis votre tableur en « CSV UTF-8 », séparateur virgule ou point-virgule.")
    fields = descriptor.get("fields", [])
    by_name = {f["name"]: f for f in fields}
    names = [f["name"] for f in fields]
    report.lignes = task.stats.get("rows") or 0
    report.colonnes_schema = len(names)
    labels = next(csv.reader(io.StringIO(raw.decode(encoding).lstrip("\ufeff"), newline=""), delimiter=delimiter), [])
    report.colonnes_reconnues = len(set(label.strip() for label in labels) & set(names))
    invalid_rows = set()
    unique_rows = {getattr(e, "row_number", None) for e in errors if e.type == "unique-error"}
    for error in errors:
        row = getattr(error, "row_number", None)
        field_name = getattr(error, "field_name", None) or None
        label = getattr(error, "label", None)
        position = getattr(error, "field_number", None)
        cell = getattr(error, "cell", None)
        if error.type == "primary-key" and row in unique_rows:
            continue  # the same duplicate, already reported on its column
        if error.type in {"missing-label", "extra-label", "incorrect-label", "duplicate-label", "blank-label"} | ROW_STRUCTURE:
            explanation = describe_structure(error.type, label, field_name, position, names)
            column = field_name or label
            value = None if error.type in ROW_STRUCTURE else label
        else:
            explanation = describe(error.type, by_name.get(field_name), cell, error.note)
            column, value = field_name, cell
        if row is not None:
            invalid_rows.add(row)
        report.erreurs.append(FileError(row, column, value, error.type, explanation.kind,
                                        explanation.expected, explanation.fix, explanation.sentence))
    report.lignes_invalides = len(invalid_rows)
    return report
