"""Text that a spreadsheet would run as a formula (CSV injection), neutralised before it reaches any table.

OWASP's rule (https://owasp.org/www-community/attacks/CSV_Injection): a cell that begins with =, +, -, @,
a tab or a carriage return is read by Excel, LibreOffice or Google Sheets as a formula (`=HYPERLINK(...)`,
`=cmd|' /C calc'!A0`, `@SUM(...)`). Such a text gets an apostrophe in front, which spreadsheets read as
"this is text" and display without it. The full-width forms (＝ ＋ － ＠), which some spreadsheets
convert, count too; so do leading spaces before the sign.

A value that is a plain number is data, not a formula, and is left alone: the standard's telephone in
E.164 (+33123456789), a negative number (-1.55). Every other value starting with a sign is neutralised,
a list item (`- Accès libre`) included: a spreadsheet would try to compute it.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# A number a spreadsheet reads as a number: +33123456789, -1.55, -1,5, 1e-3.
NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
PREFIX = "'"
REASON = ("formule de tableur neutralisée : une apostrophe est ajoutée devant le texte, qui commençait par "
          "« {sign} » (un tableur l'exécuterait à l'ouverture d'un export)")


def is_formula(value) -> bool:
    """True for a text that a spreadsheet would read as a formula."""
    if not isinstance(value, str) or not value:
        return False
    if value[0] in ("\t", "\r"):
        return True
    stripped = value.lstrip(" \u00a0")
    return stripped[:1] in TRIGGERS and not NUMBER.fullmatch(stripped)


def neutralise(value):
    """The value, made safe to open in a spreadsheet: a text, or a list or dict of texts."""
    if isinstance(value, str):
        return PREFIX + value if is_formula(value) else value
    if isinstance(value, list):
        return [neutralise(v) for v in value]
    if isinstance(value, dict):
        return {k: neutralise(v) for k, v in value.items()}
    return value


def reason(value) -> str:
    """Why a value was neutralised (for the `corrections` table)."""
    first = next((v for v in (value if isinstance(value, list) else [value]) if is_formula(v)), "")
    sign = first.lstrip(" \u00a0")[:1] if first[:1] not in ("\t", "\r") else first[:1]
    return REASON.format(sign={"\t": "tabulation", "\r": "retour chariot"}.get(sign, sign))
