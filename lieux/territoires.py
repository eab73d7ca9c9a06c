"""France's overseas territories by code: their phone region, projections, and which one a postcode or INSEE code is in.

Pure data and functions, no dependency: read by the geography step (lieux.geo), the telephone transform and the
database writer. The overseas départements (DROM: 971, 972, 973, 974, 976) and the collectivités d'outre-mer that have
communes in the COG (975, 977, 978, 986, 987, 988) get the same care.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Territoire:
    code: str                  # INSEE code of the département or collectivité (first 3 digits of its communes' codes)
    nom: str
    telephone: str             # phonenumbers region: its own country calling code (+590, +687...)
    projections: tuple         # legal projected systems (EPSG), tried when a list gives undeclared projected values
    collectivite: bool = False


TERRITOIRES = {t.code: t for t in (
    Territoire("971", "Guadeloupe", "GP", ("EPSG:5490",)),                      # RGAF09 / UTM 20N
    Territoire("972", "Martinique", "MQ", ("EPSG:5490",)),
    Territoire("973", "Guyane", "GF", ("EPSG:2972",)),                          # RGFG95 / UTM 22N
    Territoire("974", "La Réunion", "RE", ("EPSG:2975",)),                      # RGR92 / UTM 40S
    Territoire("976", "Mayotte", "YT", ("EPSG:4471",)),                         # RGM04 / UTM 38S
    Territoire("975", "Saint-Pierre-et-Miquelon", "PM", ("EPSG:4467",), True),  # RGSPM06 / UTM 21N
    Territoire("977", "Saint-Barthélemy", "BL", ("EPSG:5490",), True),
    Territoire("978", "Saint-Martin", "MF", ("EPSG:5490",), True),
    Territoire("986", "Wallis-et-Futuna", "WF", ("EPSG:8903",), True),          # RGWF96 / UTM 1S
    Territoire("987", "Polynésie française", "PF", ("EPSG:3297", "EPSG:3296", "EPSG:3298"), True),  # RGPF / UTM 6S, 5S, 7S
    Territoire("988", "Nouvelle-Calédonie", "NC", ("EPSG:3163",), True),        # RGNC91-93 / Lambert Nouvelle-Calédonie
)}

# Postcodes of a collectivité that begin like another territory's: Saint-Barthélemy and Saint-Martin kept the
# Guadeloupe postcodes they had before 2007.
POSTCODE_EXCEPTIONS = {"97133": "977", "97150": "978"}


def of_postcode(code_postal) -> str | None:
    """The overseas territory of a postcode ("98826" gives 988, "97133" gives 977), None for mainland France."""
    cp = str(code_postal or "").strip()
    if len(cp) != 5 or not cp.isdigit():
        return None
    if cp in POSTCODE_EXCEPTIONS:
        return POSTCODE_EXCEPTIONS[cp]
    return cp[:3] if cp[:3] in TERRITOIRES else None


def of_insee(code_insee) -> str | None:
    """The overseas territory of a commune's INSEE code ("98818" gives 988), None for mainland France."""
    code = str(code_insee or "").strip()
    return code[:3] if len(code) == 5 and code[:3] in TERRITOIRES else None


def of_codes(code_insee, code_postal) -> str | None:
    """The overseas territory of an address: its INSEE code first, else its postcode."""
    return of_insee(code_insee) or of_postcode(code_postal)


def phone_region(code_insee, code_postal) -> str:
    """The phonenumbers region to read a local number of this address with: FR in mainland France."""
    territoire = TERRITOIRES.get(of_codes(code_insee, code_postal) or "")
    return territoire.telephone if territoire else "FR"
