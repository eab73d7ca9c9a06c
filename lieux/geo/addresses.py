"""Resolving a lieu's commune from its code_insee, code_postal and commune name, as people write them."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .data import Commune, Geography
from .names import PLM, clean_postcode, name_key, plm_arrondissement

# Minimum rapidfuzz ratio (0-100) for a misspelt commune name among the communes of its postcode.
FUZZY_MIN = 90
PLM_CODES = {"75056": "75", "69123": "69", "13055": "13"}


@dataclass
class Resolved:
    commune: Commune | None = None          # the commune (or PLM arrondissement) the address is in
    code_insee: str | None = None           # the code to keep in the lieu (filled or replaced when certain)
    code_insee_motif: str | None = None     # why code_insee changed, when it did
    problems: list[tuple[str, str]] = field(default_factory=list)   # (field, inconsistency in French)

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


def resolve(geo: Geography, code_insee, code_postal, commune) -> Resolved:
    """The commune of an address; fills or fixes code_insee only when the answer is unique."""
    out = Resolved(code_insee=code_insee)
    cp = clean_postcode(code_postal)
    postcode_codes = geo.by_postcode.get(cp, set()) if cp else set()
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
                other = by_postcode_and_name(geo, postcode_codes, commune, cp)
                if other and not other[1].startswith("seule") and not same_commune(other[0], code):
                    # The postcode and the commune name agree on another commune: the INSEE code is the odd one out
                    # (a geocoder's homonym, typically).
                    out.commune = geo.communes[other[0]]
                    out.code_insee = other[0]
                    out.code_insee_motif = (f"code INSEE « {code_insee} » ({geo.communes[code].nom}) incohérent avec le "
                                            f"code postal et le nom : remplacé ({other[1]})")
                    return out
                out.problems.append(("code_postal", f"le code postal « {cp} » n'est pas celui de la commune {geo.communes[code].nom} "
                                    f"({code}) : codes postaux de la commune {', '.join(geo.communes[code].codes_postaux) or 'inconnus'}"))
            return out
        out.problems.append(("code_insee", f"code INSEE « {code_insee} » inconnu du code officiel géographique"))

    found = by_postcode_and_name(geo, postcode_codes, commune, cp)
    if found:
        code, how = found
        out.commune = geo.communes[code]
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
        return code, f"seule commune du code postal {cp} (nom « {commune} » non reconnu)"
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
