"""Every limit on what an input file may hold, in one place (README, « Fichiers d'entrée : limites »).

The reader (lieux/read.py) and the validator (lieux/producer.py) apply the same limits, so that
`build` and `validate` give one verdict on one file. Past a file limit the source is unreadable;
past a row limit the row is rejected; past a field's length the build shortens the text and
records a correction (`cap_lengths`).
"""

from __future__ import annotations

from .mapping import Correction

# A file: only a regular file is opened (never a directory, a device, a FIFO or a socket), of at most this size.
MAX_FILE_BYTES = 200 * 1024 * 1024
# Records (rows, list items) in one file: far above any published list (the largest has a few tens of thousands),
# low enough that a file of millions of tiny bad rows never fills the memory with their rejections.
MAX_RECORDS = 500_000
# CSV: columns in the header; characters in one cell (a longer cell makes its row unreadable).
MAX_COLUMNS = 1000
MAX_CELL_CHARS = 100_000
# JSON: nesting of arrays and objects (a GeoJSON MultiPolygon needs about 9); characters in one number.
MAX_JSON_DEPTH = 64
MAX_NUMBER_CHARS = 100
# `validate`: errors kept in detail per kind of error (every error is still counted).
MAX_ERRORS_PER_KIND = 1000

# The build shortens texts longer than this (characters), per field; DEFAULT_MAX_CHARS for every other text field.
FIELD_MAX_CHARS = {
    "id": 200,
    "nom": 200,
    "adresse": 300,
    "complement_adresse": 300,
    "commune": 100,
    "structure_parente": 300,
    "horaires": 1000,
    "presentation_detail": 10_000,
    "autres_formations_labels": 1000,
    "site_web": 2000,
    "fiche_acces_libre": 2000,
    "prise_rdv": 2000,
}
DEFAULT_MAX_CHARS = 2000
# A correction keeps this much of the source value (the whole value is in the source file).
KEPT_IN_CORRECTION = 1000


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word when one ends in the last fifth, with "…"."""
    cut = text[: limit - 1]
    at_word = cut.rsplit(" ", 1)[0]
    if len(at_word) >= limit * 4 // 5:
        cut = at_word
    return cut.rstrip(" ,;:") + "…"


def excerpt(text: str, limit: int = KEPT_IN_CORRECTION) -> str:
    """The start of a long source value, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} caractères en tout)"


def max_chars(field: str) -> int:
    return FIELD_MAX_CHARS.get(field, DEFAULT_MAX_CHARS)


def cap_lengths(values: dict) -> list[Correction]:
    """Shorten, in place, each text of `values` (a mapped row) longer than its field's limit; one
    correction per shortened field. List fields have each item capped."""
    corrections = []
    for field, value in values.items():
        if field.startswith("_"):
            continue
        limit = max_chars(field)
        if isinstance(value, str) and len(value) > limit:
            values[field] = shorten(value, limit)
            corrections.append(Correction(field, excerpt(value), values[field],
                                          f"texte de {len(value)} caractères raccourci à {limit} au plus "
                                          "(longueur maximale de ce champ dans l'annuaire)"))
        elif isinstance(value, list) and any(isinstance(v, str) and len(v) > limit for v in value):
            longest = max(len(v) for v in value if isinstance(v, str))
            before = excerpt(" | ".join(str(v) for v in value))
            values[field] = [shorten(v, limit) if isinstance(v, str) and len(v) > limit else v for v in value]
            corrections.append(Correction(field, before, values[field],
                                          f"valeur de {longest} caractères raccourcie à {limit} au plus "
                                          "(longueur maximale de ce champ dans l'annuaire)"))
    return corrections
