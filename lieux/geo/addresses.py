"""Resolving a lieu's commune from its code_insee, code_postal and commune name, as people write them."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .data import Commune, Geography
from .names import PLM, clean_postcode, name_key, plm_arrondissement, variants, word_spans

# Minimum rapidfuzz ratio (0-100) for a misspelt commune name among the communes of its postcode.
FUZZY_MIN = 90
PLM_CODES = {"75056": "75", "69123": "69", "13055": "13"}


@dataclass
class Resolved:
    commune: Commune | None = None          # the commune (or PLM arrondissement) the address is in
    code_insee: str | None = None           # the code to keep in the lieu (filled or replaced when certain)
    code_insee_motif: str | None = None     # why code_insee changed, when it did
    problems: list[tuple[str, str]] = field(default_factory=list)   # (field, inconsistency in French)
    postcode: str | None = None          # the postcode, five digits
    postcode_codes: set = field(default_factory=set)   # the communes of the postcode (La Poste)
    name: str | None = None              # the piece of the commune field that names a commune ("Épernay" of "Épernay, Marne")
    named: bool = False                  # the commune was found by its name (not by its postcode or code alone)

    @property
    def departement(self) -> str | None:
        return self.commune.departement if self.commune else None


def arm_code(city: str, number: int) -> str | None:
    """The INSEE code of a PLM arrondissement: ("PARIS", 15) gives 75115, ("LYON", 3) 69383, ("MARSEILLE", 1) 13201."""
    limits = {"PARIS": (20, "751{:02d}"), "LYON": (9, "6938{:d}"), "MARSEILLE": (16, "132{:02d}")}
    top, pattern = limits[city]
    return pattern.format(number) if 1 <= number <= top else None


def plm_parent(code: str) -> str | None:
    """75056 for 75115, None for a code that is not a PLM arrondissement."""
    if code.startswith("751") and code[3:].isdigit() and 1 <= int(code[3:]) <= 20:
        return "75056"
    if code.startswith("6938") and code[4:].isdigit() and 1 <= int(code[4:]) <= 9:
        return "69123"
    if code.startswith("132") and code[3:].isdigit() and 1 <= int(code[3:]) <= 16:
        return "13055"
    return None


def same_commune(code: str, other: str) -> bool:
    """True for the same commune, a PLM city and one of its arrondissements."""
    return code == other or plm_parent(code) == other or plm_parent(other) == code


ONLY_COMMUNE = "seule commune du code postal"
# Words that never name a commune by themselves, left out of the runs of words tried in a commune field.
STOP_WORDS = {"LE", "LA", "LES", "L", "DE", "DU", "DES", "D", "SUR", "SOUS", "EN", "ET", "SAINT", "SAINTE", "MAIRIE", "VILLE"}


def pick_name(geo: Geography, commune, postcode_codes: set[str]) -> str | None:
    """The piece of a commune field that names a commune: the whole field when it does, else a piece of it
    ("Épernay, Marne, Grand Est, FRA", "33000 Bordeaux"), else a run of its words naming one of the postcode's
    communes ("Saint-Vaury Numéro de téléphone"); the field itself when nothing does (fuzzy matching comes later)."""
    pieces = variants(commune)
    if not pieces or plm_arrondissement(commune):
        return commune
    for piece in pieces:
        codes = geo.by_name.get(name_key(piece))
        if codes and (not postcode_codes or codes & postcode_codes):
            return piece
    if any(name_key(piece) in geo.by_name for piece in pieces):
        return commune   # a commune's name with another commune's postcode: resolve() weighs them
    if postcode_codes:
        for piece in pieces:
            for span in word_spans(name_key(piece)):
                if len(span) >= 4 and span not in STOP_WORDS and geo.by_name.get(span, set()) & postcode_codes:
                    return span
    return commune


def designates(geo: Geography, name, code: str, postcode_codes: set[str]) -> bool:
    """True when `name` points to commune `code` alone among the postcode's communes (or in France without one)."""
    codes = geo.by_name.get(name_key(name), set())
    if postcode_codes:
        codes = {c for c in codes if any(same_commune(c, p) for p in postcode_codes)}
    arrondissement = plm_arrondissement(name)
    if arrondissement and arm_code(*arrondissement):
        codes = {arm_code(*arrondissement)}
    return bool(codes) and all(same_commune(c, code) for c in codes)


def resolve(geo: Geography, code_insee, code_postal, commune) -> Resolved:
    """The commune of an address; fills or fixes code_insee only when the answer is unique."""
    cp = clean_postcode(code_postal)
    postcode_codes = geo.by_postcode.get(cp, set()) if cp else set()
    name = pick_name(geo, commune, postcode_codes)
    out = resolve_name(geo, code_insee, code_postal, commune, cp, postcode_codes, name)
    out.postcode, out.postcode_codes, out.name = cp, postcode_codes, name
    out.named = out.named or (out.commune is not None and bool(name) and designates(geo, name, out.commune.code, postcode_codes))
    return out


def resolve_name(geo: Geography, code_insee, code_postal, commune, cp, postcode_codes, name) -> Resolved:
    out = Resolved(code_insee=code_insee)
    if cp and not postcode_codes:
        out.problems.append(("code_postal", f"code postal « {code_postal} » absent de la base officielle de La Poste (code CEDEX ou erroné)"))

    if code_insee:
        code = code_insee
        if code not in geo.communes and code in geo.successor:
            code = geo.successor[code]
            out.code_insee = code
            out.code_insee_motif = (f"code INSEE « {code_insee} » d'une commune déléguée, associée ou ancienne : "
                                    f"remplacé par celui de la commune actuelle {geo.communes[code].nom} ({code})")
        if code in geo.communes:
            out.commune = geo.communes[code]
            if code in PLM_CODES:  # Paris, Lyon, Marseille: the arrondissement, from the postcode, for the centre
                arms = [c for c in postcode_codes if plm_parent(c) == code]
                if len(arms) == 1:
                    out.commune = geo.communes[arms[0]]
            if postcode_codes and not any(same_commune(code, c) for c in postcode_codes):
                other = by_postcode_and_name(geo, postcode_codes, name, cp)
                if other and not other[1].startswith("seule") and not same_commune(other[0], code):
                    # The postcode and the commune name agree on another commune: the INSEE code is the odd one out
                    # (a geocoder's homonym, typically).
                    out.commune = geo.communes[other[0]]
                    out.code_insee = other[0]
                    out.named = True
                    out.code_insee_motif = (f"code INSEE « {code_insee} » ({geo.communes[code].nom}) incohérent avec le "
                                            f"code postal et le nom : remplacé ({other[1]})")
                    return out
                out.problems.append(("code_postal", f"le code postal « {cp} » n'est pas celui de la commune {geo.communes[code].nom} "
                                    f"({code}) : codes postaux de la commune {', '.join(geo.communes[code].codes_postaux) or 'inconnus'}"))
            return out
        out.problems.append(("code_insee", f"code INSEE « {code_insee} » inconnu du code officiel géographique"))

    found = by_postcode_and_name(geo, postcode_codes, name, cp)
    if found:
        code, how = found
        out.commune = geo.communes[code]
        out.named = not how.startswith(ONLY_COMMUNE)
        if postcode_codes and not any(same_commune(code, c) for c in postcode_codes):
            out.problems.append(("code_postal", f"le code postal « {cp} » n'est pas celui de la commune {out.commune.nom} "
                                 f"({code}) : codes postaux de la commune {', '.join(out.commune.codes_postaux) or 'inconnus'}"))
        if not code_insee:
            out.code_insee = code
            out.code_insee_motif = f"code INSEE complété : {how}"
        elif code_insee != code:
            out.code_insee = code
            out.code_insee_motif = f"code INSEE « {code_insee} » inconnu, remplacé : {how}"
    elif commune:
        out.problems.append(("commune", f"commune « {commune} » introuvable avec le code postal « {code_postal} »"))
    return out


def by_postcode_and_name(geo: Geography, postcode_codes: set[str], commune, cp) -> tuple[str, str] | None:
    """(code, how) of the one commune matching the postcode and the name; None when absent or ambiguous."""
    key = name_key(commune)
    arrondissement = plm_arrondissement(commune)
    if arrondissement:
        code = arm_code(*arrondissement)
        if code in geo.communes and (not postcode_codes or code in postcode_codes):
            return code, f"arrondissement « {commune} »"
    if key in PLM:
        arms = [c for c in postcode_codes if plm_parent(c)]
        if len(arms) == 1:
            return arms[0], f"arrondissement du code postal {cp}"
    name_codes = geo.by_name.get(key, set())
    both = postcode_codes & name_codes
    if len(both) == 1:
        return next(iter(both)), f"commune « {commune} » et code postal {cp}"
    if not both and key:  # a shortened name: "Thonon" for Thonon-les-Bains, among the postcode's communes
        short = [c for c in postcode_codes if name_key(geo.communes[c].nom).startswith(key + " ")]
        if len(short) == 1:
            return short[0], f"nom abrégé « {commune} » de {geo.communes[short[0]].nom}, code postal {cp}"
    if not both and key and postcode_codes and not name_codes:  # a misspelt name: "Saint-Barthélemyd'Agenais"
        scored = sorted(((fuzz.ratio(key, name_key(geo.communes[c].nom)), c) for c in postcode_codes), reverse=True)
        if scored[0][0] >= FUZZY_MIN and (len(scored) == 1 or scored[1][0] < FUZZY_MIN):
            code = scored[0][1]
            return code, f"nom « {commune} » proche de {geo.communes[code].nom}, seule commune de ce nom au code postal {cp}"
    if not both and len(postcode_codes) == 1 and not name_codes:
        code = next(iter(postcode_codes))
        return code, f"{ONLY_COMMUNE} {cp} (nom « {commune} » non reconnu)"
    if not both and name_codes and cp:  # a postcode of the wrong commune (or CEDEX): the name, if unique in the département
        in_dep = [c for c in name_codes if geo.communes[c].departement in departements_of_postcode(cp)]
        if len(in_dep) == 1:
            return in_dep[0], f"commune « {commune} », seule de ce nom dans le département du code postal {cp}"
    if not postcode_codes and len(name_codes) == 1:  # a postcode that exists nowhere, a name that exists once in France
        code = next(iter(name_codes))
        return code, f"commune « {commune} », seule de ce nom en France (code postal {cp or 'absent'} inconnu)"
    return None


def departements_of_postcode(cp: str) -> tuple[str, ...]:
    """The départements a postcode can belong to: Corsica's 20xxx (CEDEX codes included) may be either."""
    if cp.startswith("97"):
        return (cp[:3],)
    if cp.startswith("20"):
        return ("2A", "2B")
    return (cp[:2],)
