"""Validating a producer's file as it is, with a report in French."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import schemas
from .read import read_records
from .validate import validate_rows


@dataclass
class ValidationReport:
    file: str
    schema: str
    rows: int = 0
    invalid_rows: int = 0
    header_problems: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (line, field, value, code, message)

    @property
    def valid(self) -> bool:
        return not self.header_problems and not self.errors

    def lines(self) -> list[str]:
        out = [f"Fichier : {self.file}", f"Schéma : {self.schema}",
               f"Lignes : {self.rows} — valides : {self.rows - self.invalid_rows} — invalides : {self.invalid_rows}"]
        out += [f"En-tête : {p}" for p in self.header_problems]
        by_kind = Counter(code for _, _, _, code, _ in self.errors)
        if by_kind:
            out.append("Erreurs par type : " + ", ".join(f"{k} ({n})" for k, n in by_kind.most_common()))
        out += [f"Ligne {line} : {message}" for line, _, _, _, message in self.errors]
        out.append("Fichier valide." if self.valid else "Fichier invalide.")
        return out


def validate_file(path: Path, schema_name: str) -> ValidationReport:
    schema = schemas.load_schema(schema_name)
    names = [f["name"] for f in schema["fields"]]
    required = [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")]
    report = ValidationReport(str(path), schema_name)
    records = list(read_records(Path(path), "csv", name=str(path)))
    header = list(records[0].data) if records else []
    missing = [n for n in required if header and n not in header]
    extra = [h for h in header if h not in names]
    if missing:
        report.header_problems.append(f"colonne(s) obligatoire(s) absente(s) : {', '.join(missing)}. Ajoutez-les à l'en-tête.")
    if extra:
        report.header_problems.append(f"colonne(s) inconnue(s) du schéma : {', '.join(extra)}. Vérifiez leur orthographe.")
    report.rows = len(records)
    issues = validate_rows([{n: (r.data.get(n) or None) for n in names} for r in records], schema_name)
    bad = set(issues)
    for i, record in enumerate(records):
        if record.error:
            bad.add(i)
            report.errors.append((record.number, None, None, "ligne-mal-formee", f"ligne mal formée : {record.error}"))
        for issue in issues.get(i, []):
            report.errors.append((record.number, issue.field, issue.value, issue.code, issue.message))
    report.invalid_rows = len(bad)
    return report
