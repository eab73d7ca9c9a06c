"""French explanations of validation errors: what is wrong and how to fix it."""

from __future__ import annotations

import re

VOCABULARY_PATTERN = re.compile(r"^\(\?:\(\?:\^\|\\\|\)\((.*)\)\)\+\$$")


def vocabulary(field_def: dict) -> list[str]:
    """The allowed values of a field whose pattern is the standard's `(?:(?:^|\\|)(A|B|C))+$` list."""
    pattern = field_def.get("constraints", {}).get("pattern", "")
    m = VOCABULARY_PATTERN.match(pattern)
    if not m:
        return []
    # split on top-level "|"; escaped characters are marked with \0 so they never split
    marked = re.sub(r"\\(.)", lambda x: "\0" + x.group(1), m.group(1))
    parts, depth, buf, escaped = [], 0, "", False
    for ch in marked:
        if escaped:
            buf, escaped = buf + ch, False
        elif ch == "\0":
            escaped = True
        elif ch == "|" and depth == 0:
            parts.append(buf)
            buf = ""
        else:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            buf += ch
    parts.append(buf)
    return [p.replace(" ?", " ") for p in parts]


def _short(value, limit=80) -> str:
    value = "" if value is None else str(value)
    value = re.sub(r"\s+", " ", value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def explain(error_type: str, field_def: dict | None, value, note: str = "") -> str:
    """One French sentence: the field, the value, what the schema expects, how to fix it."""
    name = (field_def or {}).get("name", "")
    constraints = (field_def or {}).get("constraints", {})
    shown = f"« {_short(value)} »"
    if error_type == "constraint-error" and "required" in note:
        title = (field_def or {}).get("title", name)
        return f"{name} est vide alors qu'il est obligatoire ({title}). Renseignez-le dans le fichier source."
    if error_type == "constraint-error" and "pattern" in note:
        if name == "code_postal":
            digits = re.sub(r"\D", "", str(value))
            if len(digits) == 4:
                return f"code_postal {shown} : 5 chiffres attendus, ajoutez le 0 initial : 0{digits}."
            return f"code_postal {shown} : 5 chiffres attendus (par exemple 75011)."
        if name == "code_insee":
            return f"code_insee {shown} : code INSEE de commune à 5 caractères attendu (par exemple 69123 ou 2A004)."
        if name == "pivot":
            return f"pivot {shown} : SIRET (14 chiffres) ou RNA attendu, sans espaces ; 00000000000000 si inconnu."
        if name == "telephone":
            return f"telephone {shown} : numéro au format international attendu, par exemple +33123456789."
        allowed = vocabulary(field_def or {})
        if allowed:
            return (f"{name} {shown} : valeur hors du vocabulaire du schéma. Séparez les valeurs par « | » et choisissez "
                    f"parmi : {', '.join(allowed)}.")
        return f"{name} {shown} : ne respecte pas le format attendu ({constraints.get('pattern')})."
    if error_type == "constraint-error" and "maxLength" in note:
        return f"{name} {shown} : {constraints.get('maxLength')} caractères au plus. Raccourcissez le texte."
    if error_type == "constraint-error" and "enum" in note:
        return f"{name} {shown} : valeurs possibles : {', '.join(map(str, constraints.get('enum', [])))}."
    if error_type == "constraint-error" and ("minimum" in note or "maximum" in note):
        return f"{name} {shown} : hors des bornes autorisées ({note})."
    if error_type == "type-error":
        kind = (field_def or {}).get("type")
        if kind == "date":
            return f"{name} {shown} : date attendue au format AAAA-MM-JJ, par exemple 2024-04-02."
        if kind in ("number", "integer"):
            return f"{name} {shown} : nombre attendu, avec un point décimal (par exemple 45.75)."
        if kind == "boolean":
            return f"{name} {shown} : true ou false attendu."
        return f"{name} {shown} : type {kind} attendu."
    if error_type in ("unique-error", "primary-key"):
        return f"{name or 'id'} {shown} : identifiant déjà utilisé par une ligne précédente. Chaque ligne doit avoir un identifiant unique."
    return f"{name} {shown} : {note or error_type}."
