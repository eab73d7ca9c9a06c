"""Rows a producer marks inactive or hidden: set aside before mapping, with their reason.

A descriptor's `set_aside` is a list of rules; a row that meets every condition of one rule is set aside
(table `ecartes`), neither loaded nor rejected. Conditions on one column (a name or a nested JSON path):
    equals: <value> | [<value>, ...]   the cell is one of these (case, accents and spaces ignored)
    matches: <regular expression>      the cell contains a match (case ignored)
    is: true | false                   the cell says yes (oui, true, 1, x…) or no (non, false, 0…)
    empty: true | false                the cell is empty (or one of the list's missing values), or not
Example:
    set_aside:
      - {column: statut, equals: [inactif, fermé], reason: "lieu fermé selon le producteur"}
      - {column: visible, is: false, reason: "fiche masquée par le producteur"}
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .mapping import is_missing, path_value
from .transforms import FALSE_WORDS, TRUE_WORDS, normalise_label

CONDITIONS = ("equals", "matches", "is", "empty")
RULE_KEYS = {"column", "reason", *CONDITIONS}


@dataclass(frozen=True)
class Rule:
    column: str
    reason: str
    equals: frozenset | None = None
    matches: re.Pattern | None = None
    is_: bool | None = None
    empty: bool | None = None

    def holds(self, data: dict, missing_values) -> bool:
        value = path_value(data, self.column)
        missing = is_missing(value, missing_values)
        if self.empty is not None and missing != self.empty:
            return False
        if self.equals is not None and (missing or normalise_label(value) not in self.equals):
            return False
        if self.matches is not None and (missing or not self.matches.search(str(value))):
            return False
        if self.is_ is not None:
            words = TRUE_WORDS if self.is_ else FALSE_WORDS
            if missing or normalise_label(value) not in words:
                return False
        return True

    def describe(self, data: dict) -> str:
        """The rule as it applied to a row: « statut = Inactif »."""
        value = path_value(data, self.column)
        return f"{self.column} = {'(vide)' if value in (None, '') else value}"


def compile_rules(raw, where: str) -> tuple[Rule, ...]:
    """The rules of a descriptor's `set_aside`; ValueError with the fix for a rule that cannot work."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{where} : « set_aside » est une liste de règles {{column, reason, equals | matches | is | empty}}.")
    rules = []
    for i, rule in enumerate(raw, start=1):
        label = f"{where} : set_aside, règle {i}"
        if not isinstance(rule, dict):
            raise ValueError(f"{label} : une règle est un dictionnaire {{column: ..., equals: ..., reason: ...}}.")
        unknown = set(rule) - RULE_KEYS
        if unknown:
            raise ValueError(f"{label} : clé(s) inconnue(s) {', '.join(sorted(unknown))}. Clés possibles : {', '.join(sorted(RULE_KEYS))}.")
        if not rule.get("column") or not isinstance(rule["column"], str):
            raise ValueError(f"{label} : indiquez la colonne (column: statut).")
        if not rule.get("reason") or not isinstance(rule["reason"], str):
            raise ValueError(f"{label} : indiquez le motif en français (reason: \"lieu fermé selon le producteur\").")
        if not any(k in rule for k in CONDITIONS):
            raise ValueError(f"{label} : indiquez une condition : {', '.join(CONDITIONS)}.")
        for key in ("is", "empty"):
            if key in rule and not isinstance(rule[key], bool):
                raise ValueError(f"{label} : « {key} » vaut true ou false.")
        matches = None
        if "matches" in rule:
            try:
                matches = re.compile(str(rule["matches"]), re.I)
            except re.error as e:
                raise ValueError(f"{label} : expression régulière « {rule['matches']} » invalide ({e}).") from None
        equals = None
        if "equals" in rule:
            values = rule["equals"] if isinstance(rule["equals"], list) else [rule["equals"]]
            equals = frozenset(normalise_label(v) for v in values)
        rules.append(Rule(rule["column"], rule["reason"], equals, matches, rule.get("is"), rule.get("empty")))
    return tuple(rules)


def set_aside_by(rules, data: dict, missing_values) -> Rule | None:
    """The first rule a row meets, or None when the row is kept."""
    return next((rule for rule in rules if rule.holds(data, missing_values)), None)
