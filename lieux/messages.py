"""French explanations of validation errors: what is wrong, what the schema expects, how to fix it.

The one place French error texts live. `describe()` gives the parts (for the producer report and its
JSON), `explain()` the sentence stored in `rejets` and shown by the validator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

VOCABULARY_PATTERN = re.compile(r"^\(\?:\(\?:\^\|\\\|\)\((.*)\)\)\+\$$")

# The kind of each error, as a producer reads it (summaries group errors by kind).
KINDS = {
    "required": "valeur obligatoire manquante",
    "pattern": "format non respecté",
    "vocabulary": "valeur hors vocabulaire",
    "maxLength": "texte trop long",
    "minLength": "texte trop court",
    "enum": "valeur non autorisée",
    "minimum": "valeur hors bornes",
    "maximum": "valeur hors bornes",
    "type-error": "type incorrect",
    "unique-error": "identifiant en double",
    "primary-key": "identifiant en double",
    "extra-cell": "cellule en trop",
    "missing-cell": "cellule manquante",
    "blank-row": "ligne vide",
    "missing-label": "colonne absente",
    "extra-label": "colonne inconnue",
    "incorrect-label": "nom de colonne incorrect",
    "duplicate-label": "colonne en double",
    "blank-label": "colonne sans nom",
    "ligne-mal-formee": "ligne mal formée",
}

# What each error code of the `rejets` table means (quality pages).
CODE_LABELS = {
    "constraint-error": "contrainte du schéma non respectée (valeur obligatoire, format, vocabulaire, longueur)",
    "type-error": "type incorrect (nombre, date…)",
    "unique-error": "identifiant en double",
    "primary-key": "identifiant en double",
    "ligne-mal-formee": "ligne mal formée (séparateurs, guillemets)",
    "valeur-invalide": "valeur impossible à mettre au standard",
}


@dataclass(frozen=True)
class Explanation:
    subject: str      # "code_postal « 1960 »", "colonne telephone"...
    expected: str     # what the schema expects
    fix: str = ""     # how to fix it
    kind: str = ""    # the error's kind, in KINDS

    @property
    def sentence(self) -> str:
        text = f"{self.subject} : {self.expected}" + (f", {self.fix}" if self.fix else "")
        return text if text.endswith((".", "?", "!")) else text + "."


def vocabulary(field_def: dict) -> list[str]:
    """The allowed values of a field whose pattern is the standard's `(?:(?:^|\\|)(A|B|C))+$` list."""
    return list(vocabulary_of_pattern(field_def.get("constraints", {}).get("pattern", "")))


@lru_cache(maxsize=256)
def vocabulary_of_pattern(pattern: str) -> tuple[str, ...]:
    m = VOCABULARY_PATTERN.match(pattern)
    if not m:
        return ()
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
    return tuple(p.replace(" ?", " ") for p in parts)


def _short(value, limit=80) -> str:
    value = "" if value is None else str(value)
    value = re.sub(r"\s+", " ", value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def closest(value: str, choices: list[str], cutoff: float = 75) -> str | None:
    """The allowed value a producer most likely meant (accents, case, typos), if one is close enough."""
    if not value or not choices:
        return None
    from rapidfuzz import fuzz, process, utils

    match = process.extractOne(value, choices, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=cutoff)
    return match[0] if match else None


def phone_fix(value: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(str(value), "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def date_fix(value: str) -> str | None:
    m = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T].*)?", str(value))
    if m:
        d, mo, y = map(int, m.groups())
    else:
        m = re.fullmatch(r"\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T].*)?", str(value))
        if not m:
            return None
        y, mo, d = map(int, m.groups())
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def vocabulary_fix(value, allowed: list[str]) -> str:
    text = str(value)
    for sep in (";", ","):
        if sep in text and "|" not in text:
            parts = [p.strip() for p in text.split(sep)]
            if all(p in allowed for p in parts):
                return f"séparez les valeurs par « | » et non par « {sep} » : {'|'.join(parts)}"
    unknown = [p for p in text.split("|") if p not in allowed]
    hints = []
    for part in unknown:
        guess = closest(part.strip(), allowed)
        if guess:
            hints.append(f"« {_short(part, 40)} » : écrivez « {guess} »")
        else:
            hints.append(f"« {_short(part, 40)} » n'est pas dans la liste")
    if all("écrivez" in h for h in hints):
        return "; ".join(hints)
    return "; ".join(hints) + f" (valeurs possibles, séparées par « | » : {', '.join(allowed)})"


def describe(error_type: str, field_def: dict | None, value, note: str = "") -> Explanation:
    """What is wrong with one cell, row or column, what the schema expects and how to fix it."""
    field_def = field_def or {}
    name = field_def.get("name", "")
    constraints = field_def.get("constraints", {})
    shown = f"{name} « {_short(value)} »"
    text = "" if value is None else str(value)
    digits = re.sub(r"\D", "", text)
    if error_type == "constraint-error" and "required" in note:
        title = field_def.get("title", name)
        return Explanation(name, f"vide alors qu'il est obligatoire ({title})", "renseignez-le dans chaque ligne", KINDS["required"])
    if error_type == "constraint-error" and "pattern" in note:
        allowed = vocabulary(field_def)
        if allowed:
            return Explanation(shown, "valeur hors du vocabulaire du schéma", vocabulary_fix(value, allowed), KINDS["vocabulary"])
        kind = KINDS["pattern"]
        if name == "code_postal":
            if len(digits) == 4 and len(text.strip()) == 4:
                return Explanation(shown, "5 chiffres attendus", f"ajoutez le 0 initial : 0{digits}", kind)
            if len(digits) == 5:
                return Explanation(shown, "5 chiffres attendus, sans espace", f"écrivez {digits}", kind)
            return Explanation(shown, "5 chiffres attendus", "vérifiez le code postal (par exemple 75011)", kind)
        if name == "code_insee":
            if len(digits) == 4 and len(text.strip()) == 4:
                return Explanation(shown, "code INSEE de commune à 5 caractères attendu", f"ajoutez le 0 initial : 0{digits}", kind)
            return Explanation(shown, "code INSEE de commune à 5 caractères attendu (par exemple 69123 ou 2A004)",
                               "ce n'est pas le code postal : voir https://geo.api.gouv.fr", kind)
        if name == "pivot":
            if len(digits) == 14 and digits != text:
                return Explanation(shown, "SIRET (14 chiffres) ou RNA attendu, sans espaces", f"écrivez {digits}", kind)
            return Explanation(shown, "SIRET (14 chiffres) ou RNA attendu, sans espaces",
                               "mettez 00000000000000 si vous ne le connaissez pas", kind)
        if name == "telephone":
            fixed = phone_fix(text)
            return Explanation(shown, "numéro au format international attendu, sans espaces (par exemple +33123456789)",
                               f"écrivez {fixed}" if fixed and fixed != text else "un seul numéro par lieu", kind)
        example = field_def.get("example")
        return Explanation(shown, f"ne respecte pas le format attendu ({constraints.get('pattern')})",
                           f"par exemple « {example} »" if example else "", kind)
    if error_type == "constraint-error" and "maxLength" in note:
        return Explanation(shown, f"{constraints.get('maxLength')} caractères au plus (il y en a {len(text)})",
                           "raccourcissez le texte", KINDS["maxLength"])
    if error_type == "constraint-error" and "minLength" in note:
        return Explanation(shown, f"{constraints.get('minLength')} caractères au moins", "complétez le texte", KINDS["minLength"])
    if error_type == "constraint-error" and "enum" in note:
        allowed = [str(v) for v in constraints.get("enum", [])]
        guess = closest(text, allowed)
        return Explanation(shown, f"valeurs possibles : {', '.join(allowed)}", f"écrivez « {guess} »" if guess else "", KINDS["enum"])
    if error_type == "constraint-error" and ("minimum" in note or "maximum" in note):
        bounds = f"entre {constraints.get('minimum', '…')} et {constraints.get('maximum', '…')}"
        return Explanation(shown, f"valeur attendue {bounds}", "vérifiez l'unité et l'ordre des colonnes", KINDS["minimum"])
    if error_type == "type-error":
        kind, label = field_def.get("type"), KINDS["type-error"]
        if kind == "date":
            fixed = date_fix(text)
            return Explanation(shown, "date attendue au format AAAA-MM-JJ, par exemple 2024-04-02",
                               f"écrivez {fixed}" if fixed else "", label)
        if kind in ("number", "integer"):
            if re.fullmatch(r"\s*-?\d+,\d+\s*", text):
                return Explanation(shown, "nombre attendu, avec un point décimal", f"remplacez la virgule par un point : {text.strip().replace(',', '.')}", label)
            return Explanation(shown, "nombre attendu, avec un point décimal (par exemple 45.75)", "", label)
        if kind == "boolean":
            true_values = field_def.get("trueValues") or ["true"]
            false_values = field_def.get("falseValues") or ["false"]
            return Explanation(shown, f"{' ou '.join(true_values + false_values)} attendu", "", label)
        return Explanation(shown, f"type {kind} attendu", "", label)
    if error_type in ("unique-error", "primary-key"):
        where = re.search(r"position (\d+)", note or "")
        already = f" (déjà utilisé ligne {where.group(1)})" if where else ""
        return Explanation(f"{name or 'id'} « {_short(value)} »" if value is not None else (name or "id"),
                           f"identifiant déjà utilisé par une ligne précédente{already}",
                           "chaque ligne doit avoir un identifiant unique", KINDS[error_type])
    return Explanation(shown if name else "ligne", note or error_type, "", KINDS.get(error_type, error_type))


def explain(error_type: str, field_def: dict | None, value, note: str = "") -> str:
    """One French sentence: the field, the value, what the schema expects, how to fix it."""
    return describe(error_type, field_def, value, note).sentence


def describe_structure(error_type: str, label: str | None, field_name: str | None, position: int | None,
                       field_names: list[str], cells_count: int | None = None) -> Explanation:
    """Errors about the header and the shape of rows (frictionless label and row errors)."""
    kind = KINDS.get(error_type, error_type)
    if error_type == "missing-label":
        after = field_names[field_names.index(field_name) - 1] if field_name in field_names and field_names.index(field_name) else None
        where = f"après la colonne {after}" if after else "en première position"
        return Explanation(f"colonne {field_name}", "absente de l'en-tête",
                           f"ajoutez-la {where}, même vide si le champ est facultatif", kind)
    if error_type == "extra-label":
        guess = closest(label or "", field_names)
        return Explanation(f"colonne « {_short(label)} » (position {position})", "inconnue du schéma",
                           f"renommez-la « {guess} »" if guess else "supprimez-la ou renommez-la avec un nom du schéma", kind)
    if error_type == "incorrect-label":
        guess = closest(label or "", field_names, cutoff=85)
        if label in field_names:
            fix = f"les colonnes doivent suivre l'ordre du schéma : mettez « {field_name} » en position {position}"
        elif guess == field_name:
            fix = f"renommez-la « {field_name} »"
        elif guess:
            fix = f"si c'est la colonne « {guess} », renommez-la et placez-la dans l'ordre du schéma"
        else:
            fix = f"mettez ici la colonne « {field_name} » ; « {_short(label, 40)} » ne fait pas partie du schéma"
        return Explanation(f"colonne « {_short(label)} » (position {position})", f"« {field_name} » attendu à cette place", fix, kind)
    if error_type == "duplicate-label":
        return Explanation(f"colonne « {_short(label)} » (position {position})", "nom déjà utilisé par une autre colonne",
                           "supprimez ou renommez l'une des deux", kind)
    if error_type == "blank-label":
        expected = field_names[position - 1] if position and position <= len(field_names) else None
        return Explanation(f"colonne {position}", "sans nom dans l'en-tête",
                           f"nommez-la « {expected} »" if expected else "nommez-la ou supprimez-la", kind)
    if error_type == "extra-cell":
        return Explanation("ligne", f"plus de valeurs que de colonnes dans l'en-tête ({len(field_names)})",
                           "un texte qui contient le séparateur doit être entre guillemets ; vérifiez aussi les séparateurs en fin de ligne", kind)
    if error_type == "missing-cell":
        return Explanation(f"colonne {field_name}", "valeur absente : la ligne a moins de valeurs que l'en-tête",
                           "ajoutez les séparateurs manquants (une cellule vide reste une cellule)", kind)
    if error_type == "blank-row":
        return Explanation("ligne", "vide", "supprimez-la", kind)
    return Explanation("fichier", error_type, "", kind)
