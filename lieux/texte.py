"""What the public reads: names and addresses written in capitals put in normal case, acronyms spelled out,
raw source phrases replaced. Pure functions over the vocabulary files of lieux/vocabulaire/.

The data keeps the source's text: these run when a page is shown (templates' filters, plugins/site.py),
and static/texte.js applies the same rules to the results the page fetches from the API.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import yaml

VOCABULARY = Path(__file__).resolve().parent / "vocabulaire"
# Words kept in lower case inside a name or an address (not as its first word).
PARTICLES = frozenset("de du des d la le les l et en à a au aux sur sous par pour chez lès lez ès".split())
# Street types, in lower case inside an address ("2 rue Frezier"); capitalised as the address's first word.
STREET_TYPES = frozenset("""rue avenue av boulevard bd bld place pl chemin ch allée allee impasse imp route rte quai cours
    square sq passage rond-point lieu-dit lotissement hameau voie sentier esplanade parvis promenade cité cite faubourg
    fg montée montee traverse venelle ruelle mail clos chaussée chaussee bis ter quater""".split())
ROMAN = re.compile(r"^(?=[IVXLC]{2,}$)C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
NO_PUBLIC = "ce lieu n'accueille pas de public"


@functools.lru_cache(maxsize=None)
def vocabulary() -> dict:
    sigles = yaml.safe_load((VOCABULARY / "sigles.yml").read_text(encoding="utf-8"))
    phrases = yaml.safe_load((VOCABULARY / "phrases.yml").read_text(encoding="utf-8"))
    return {
        "sigles": {k.upper(): v for k, v in (sigles.get("sigles") or {}).items()},
        "majuscules": frozenset(w.upper() for w in sigles.get("majuscules") or []),
        "textes": {comparable(k): v for k, v in (phrases.get("textes") or {}).items()},
        "itinerance": {comparable(k): v for k, v in (phrases.get("itinerance") or {}).items()},
    }


def comparable(text: str) -> str:
    """Lower case, no accents, single spaces, no final punctuation: how raw phrases are compared."""
    text = unicodedata.normalize("NFKD", str(text).replace("’", "'")).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text).strip().rstrip(".;:!").strip().lower()


def in_capitals(text: str) -> bool:
    """True when a text is written in capitals: at least 4 letters, and no lower-case letter in any word
    that is not a known acronym."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _keep_upper(word: str) -> bool:
    vocab = vocabulary()
    return word in vocab["sigles"] or word in vocab["majuscules"] or bool(ROMAN.match(word))


def _word(word: str, first: bool, address: bool) -> str:
    """One word (no spaces) of a text in capitals, in normal case; hyphens and apostrophes inside."""
    if not any(c.isalpha() for c in word):
        return word
    core = word.strip("()[]\"«»,.;:")
    if core and _keep_upper(core):
        return word
    lower = word.lower()
    # Elisions: L'ESPACE, D'ARMOR → l'Espace, d'Armor (L' capitalised as the first word).
    m = re.match(r"^([ldjnmsc]|qu)['’](.+)$", lower)
    if m:
        head = m.group(1).capitalize() if first else m.group(1)
        return f"{head}'{_word(m.group(2).upper(), True, address)}"
    if "-" in lower and not (address and lower.strip("()") in STREET_TYPES):
        parts = lower.split("-")
        return "-".join(_word(p.upper(), i == 0 and first or (i > 0 and p not in PARTICLES), address)
                        if p else p for i, p in enumerate(parts))
    bare = lower.strip("()[]\"«»,.;:")
    if not first and (bare in PARTICLES or (address and bare in STREET_TYPES)):
        return lower
    if re.match(r"^\d", lower):  # 12BIS → 12bis
        return lower
    i = next(i for i, c in enumerate(lower) if c.isalpha())
    return lower[:i] + lower[i].upper() + lower[i + 1:]


def normal_case(text, address: bool = False):
    """A name or an address written in capitals, in normal case; any other text unchanged.

    "COMMUNE DE BREST" → "Commune de Brest"; "2 RUE FREZIER" (address) → "2 rue Frezier";
    "CCAS DE SAINT-ÉTIENNE" → "CCAS de Saint-Étienne". Acronyms of lieux/vocabulaire/sigles.yml stay in capitals.
    """
    return _normal_case(text, address) if isinstance(text, str) else text


# Pure functions of a string, called for every result of every search on the same few thousand names: cached.
@functools.lru_cache(maxsize=1 << 16)
def _normal_case(text: str, address: bool) -> str:
    if not in_capitals(text):
        return text
    words = text.split(" ")
    # "2 RUE FREZIER": after a house number, the street type stays in lower case.
    out, first = [], not (address and re.match(r"^\s*\d", text))
    for w in words:
        if not w:
            out.append(w)
            continue
        out.append(_word(w, first, address))
        if any(c.isalpha() for c in w):
            first = False
    return " ".join(out)


def acronyms(*texts) -> list[tuple[str, str]]:
    """[(acronym, spelled out)] of the vocabulary's acronyms found (as whole words) in the texts, in order."""
    found = {}
    sigles = vocabulary()["sigles"]
    for text in texts:
        for value in (text if isinstance(text, (list, tuple)) else [text]):
            if not isinstance(value, str):
                continue
            for word in re.findall(r"[A-ZÀ-Ý]{2,}", value):
                if word in sigles and word not in found:
                    found[word] = sigles[word]
    return list(found.items())


def public_text(text):
    """A free text as the public reads it: a raw source phrase replaced ("" when it says nothing to them),
    a text in capitals in normal case, anything else unchanged."""
    return _public_text(text) if isinstance(text, str) else text


@functools.lru_cache(maxsize=1 << 14)
def _public_text(text: str) -> str:
    replacement = vocabulary()["textes"].get(comparable(text))
    if replacement is not None:
        return replacement
    return normal_case(text)


def itinerance_label(value: str) -> str:
    return vocabulary()["itinerance"].get(comparable(value), value)


def receives_public(modalites_acces) -> bool:
    """False when the place says "Ce lieu n'accueille pas de public" (standard's modalites_acces value)."""
    values = modalites_acces if isinstance(modalites_acces, (list, tuple)) else [modalites_acces]
    return not any(isinstance(v, str) and comparable(v) == _NO_PUBLIC for v in values)


_NO_PUBLIC = comparable(NO_PUBLIC)


def for_browser() -> dict:
    """The vocabulary static/texte.js needs (the same rules, in the page's data)."""
    vocab = vocabulary()
    return {"garder": sorted(set(vocab["sigles"]) | set(vocab["majuscules"])), "particules": sorted(PARTICLES),
            "voies": sorted(STREET_TYPES), "sans_public": NO_PUBLIC}


NAME_FIELDS = ("nom", "commune", "structure_parente")
ADDRESS_FIELDS = ("adresse", "complement_adresse")
FREE_TEXT_FIELDS = ("presentation_resume", "presentation_detail")


def public_lieu(lieu: dict) -> dict:
    """A copy of a lieu as the public pages show it: names and addresses in normal case, raw phrases
    replaced, and `accueil_public` (False for "Ce lieu n'accueille pas de public"). The lieu is unchanged."""
    shown = dict(lieu)
    for name in NAME_FIELDS:
        shown[name] = normal_case(lieu.get(name))
    for name in ADDRESS_FIELDS:
        shown[name] = normal_case(lieu.get(name), address=True)
    for name in FREE_TEXT_FIELDS:
        shown[name] = public_text(lieu.get(name)) or None
    from .display import as_list

    shown["accueil_public"] = receives_public(as_list(lieu.get("modalites_acces")))
    return shown
