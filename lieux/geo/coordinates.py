"""Coordinates to WGS84: declared projections, and the candidates tried when a point is not where it should be."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer

from .. import territoires

WGS84 = "EPSG:4326"
LAMBERT_93 = "EPSG:2154"
# The legal projections of the overseas départements and collectivités (lieux.territoires), e.g. 974: RGR92 UTM 40S.
OVERSEAS_CRS = {code: t.projections for code, t in territoires.TERRITOIRES.items()}
CRS_LABELS = {LAMBERT_93: "Lambert-93 (EPSG:2154)", "EPSG:5490": "UTM 20N Antilles (EPSG:5490)",
              "EPSG:2972": "UTM 22N Guyane (EPSG:2972)", "EPSG:2975": "UTM 40S La Réunion (EPSG:2975)",
              "EPSG:4471": "UTM 38S Mayotte (EPSG:4471)", "EPSG:4467": "UTM 21N Saint-Pierre-et-Miquelon (EPSG:4467)",
              "EPSG:8903": "UTM 1S Wallis-et-Futuna (EPSG:8903)", "EPSG:3296": "UTM 5S Polynésie (EPSG:3296)",
              "EPSG:3297": "UTM 6S Polynésie (EPSG:3297)", "EPSG:3298": "UTM 7S Polynésie (EPSG:3298)",
              "EPSG:3163": "Lambert Nouvelle-Calédonie (EPSG:3163)"}

# What a correction changed, from the most to the least likely; qualite_geo is "corrigee-" + the kind.
INVERSION, SIGNE, PROJECTION = "inversion", "signe", "projection"


@dataclass(frozen=True)
class Candidate:
    lon: float
    lat: float
    motif: str | None          # None: the point as the source gives it, nothing changed
    corrige: bool = False      # True when the build guessed (swap, sign, undeclared projection)
    kind: str | None = None    # INVERSION, SIGNE or PROJECTION when corrige


@lru_cache(maxsize=None)
def transformer(crs: str) -> Transformer:
    return Transformer.from_crs(crs, WGS84, always_xy=True)


def to_wgs84(x: float, y: float, crs: str) -> tuple[float, float]:
    """(lon, lat) in WGS84 of a point (x = easting or longitude, y = northing or latitude) in `crs`."""
    if crs in (WGS84, "EPSG:4171", "CRS84"):
        return x, y
    lon, lat = transformer(crs).transform(x, y)
    return lon, lat


def is_wgs84(lon: float, lat: float) -> bool:
    return all(map(math.isfinite, (lon, lat))) and -180 <= lon <= 180 and -90 <= lat <= 90


def is_zero(lon, lat) -> bool:
    """(0, 0) or one coordinate at exactly 0: the value of an unknown point, never a real lieu here."""
    return lon == 0 or lat == 0


def label(crs: str) -> str:
    return CRS_LABELS.get(crs, crs)


def sign_candidates(x: float, y: float) -> list[Candidate]:
    """The point with a lost or extra minus sign (west of Greenwich, south of the equator), swapped or not."""
    out = []
    for a, b, swapped in ((x, y, False), (y, x, True)):
        for sa, sb, what in ((-1, 1, "de la longitude"), (1, -1, "de la latitude"), (-1, -1, "des deux coordonnées")):
            motif = f"signe {what} corrigé" + (" (latitude et longitude inversées)" if swapped else "")
            out.append(Candidate(sa * a, sb * b, motif, True, SIGNE))
    return out


def projected_candidates(x: float, y: float, guesses, declared: str | None = None) -> list[Candidate]:
    out = []
    for guess in guesses:
        for a, b, swapped in ((x, y, False), (y, x, True)):
            lon, lat = to_wgs84(a, b, guess)
            what = f"et non en {label(declared)}" if declared else "non déclarées"
            out.append(Candidate(lon, lat, f"coordonnées en {label(guess)} {what}, converties en WGS84"
                                 + (" (X et Y inversés)" if swapped else ""), True, PROJECTION))
    return out


def candidates(x: float, y: float, crs: str, departement: str | None) -> list[Candidate]:
    """The points a pair of source values can mean, most likely first.

    x is the value the source gives as longitude (or easting), y as latitude (or northing).
    """
    out = []
    declared = crs or WGS84
    overseas = OVERSEAS_CRS.get(departement, ())
    if declared == WGS84:
        out.append(Candidate(x, y, None))
        out.append(Candidate(y, x, "latitude et longitude inversées dans la source", True, INVERSION))
        if is_wgs84(x, y):
            out += sign_candidates(x, y)
        else:
            out += projected_candidates(x, y, (LAMBERT_93,) + overseas)
    else:
        lon, lat = to_wgs84(x, y, declared)
        out.append(Candidate(lon, lat, f"coordonnées converties de {label(declared)} en WGS84"))
        lon, lat = to_wgs84(y, x, declared)
        out.append(Candidate(lon, lat, f"X et Y inversés dans la source, convertis de {label(declared)} en WGS84", True, INVERSION))
        # an overseas lieu in a Lambert-93 list
        out += projected_candidates(x, y, [g for g in overseas if g != declared], declared)
        if is_wgs84(x, y):  # a WGS84 point in a list declared as projected
            out.append(Candidate(x, y, f"coordonnées déjà en WGS84 dans une source déclarée en {label(declared)}", True, PROJECTION))
            out.append(Candidate(y, x, f"coordonnées en WGS84 inversées dans une source déclarée en {label(declared)}", True, PROJECTION))
    return [c for c in out if is_wgs84(c.lon, c.lat)]
