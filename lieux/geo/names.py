"""Commune names and postcodes as people write them, reduced to comparable keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
CEDEX = re.compile(r"\bCEDEX\b(\s*\d+)?", re.I)
ARRONDISSEMENT = re.compile(r"\b(\d{1,2})\s*(E|EME|ER|IEME|ERE)?\s*(ARRONDISSEMENT|ARR)?$")
PLM = {"PARIS": "75", "LYON": "69", "MARSEILLE": "13"}
POSTCODE = re.compile(r"^\d{5}$")


def strip_accents(value: str) -> str:
    value = unicodedata.normalize("NFKD", value)
    return "".join(c for c in value if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)   # the reference repeats names (La Poste's name and acheminement label are often equal)
def name_key(value) -> str:
    """A commune name as a comparison key: "St-Étienne CEDEX 2" and "SAINT ETIENNE" give "SAINT ETIENNE".

    Accents, case, hyphens, apostrophes and "St"/"Ste" are ignored, and CEDEX is dropped.
    """
    if value is None:
        return ""
    text = strip_accents(str(value)).upper().replace("Œ", "OE").replace("Æ", "AE")
    text = CEDEX.sub(" ", text)
    text = re.sub(r"[^A-Z0-9]+", " ", text).strip()
    return " ".join(ABBREVIATIONS.get(word, word) for word in text.split())


def plm_arrondissement(value) -> tuple[str, int] | None:
    """("PARIS", 15) for "Paris 15e Arrondissement", "PARIS 15", "Marseille 1er"; None otherwise."""
    key = name_key(value)
    for city in PLM:
        if key.startswith(city + " "):
            m = ARRONDISSEMENT.search(key[len(city):].strip())
            if m and m.start() == 0:
                return city, int(m.group(1))
    return None


def clean_postcode(value) -> str | None:
    """Five digits, or None: "33 000" gives "33000"; CEDEX codes are kept as they are."""
    if value is None:
        return None
    digits = re.sub(r"\s", "", str(value))
    return digits if POSTCODE.match(digits) else None


# What people and tools write around a commune's name: "Épernay, Marne, Grand Est, FRA", "33000 Bordeaux",
# "Seynod - Annecy", "Mâcon (71)", "0 Pontarion".
PIECES = re.compile(r"\s*(?:[,;/|()\[\]]|\s-\s|\s–\s)\s*")
LEADING_CODE = re.compile(r"^(?:\d{5}|\d{1,3}|2[AB]\d{3})\s+(?=\D)", re.I)
TRAILING_CODE = re.compile(r"(?<=\D)\s+(?:\d{5}|\d{2,3}|2[AB]|CEDEX(?:\s*\d+)?)$", re.I)
COUNTRY = re.compile(r"^(?:FR|FRA|FRANCE)$", re.I)


def variants(value) -> list[str]:
    """The pieces of a commune field that may be the commune's name, most likely first.

    The whole value, then its pieces (commas, semicolons, brackets, " - "), each also without a leading or
    trailing postcode, département number or CEDEX. Country names are not pieces.
    """
    if value is None:
        return []
    text = " ".join(str(value).split())
    out = []
    for piece in [text] + PIECES.split(text):
        piece = piece.strip(" .-–")
        for candidate in (piece, TRAILING_CODE.sub("", LEADING_CODE.sub("", piece))):
            candidate = candidate.strip(" .-–")
            if re.search(r"[^\W\d_]", candidate) and not COUNTRY.match(candidate) and candidate not in out:
                out.append(candidate)
    return out


def word_spans(key: str) -> list[str]:
    """The leading and trailing runs of words of a name key, longest first: "SAINT VAURY NUMERO DE TELEPHONE"
    gives "SAINT VAURY NUMERO DE", "SAINT VAURY NUMERO", "SAINT VAURY", "SAINT", then the trailing runs."""
    words = key.split()
    spans = []
    for n in range(len(words) - 1, 0, -1):
        spans += [" ".join(words[:n]), " ".join(words[-n:])]
    return spans
