"""Coordinates to WGS84: declared projections, and the candidates tried when a point is not where it should be."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer

WGS84 = "EPSG:4326"
LAMBERT_93 = "EPSG:2154"
# The legal projections of the overseas départements (RGAF09 UTM 20N, RGFG95 UTM 22N, RGR92 UTM 40S, RGM04 UTM 38S).
OVERSEAS_CRS = {"971": "EPSG:5490", "972": "EPSG:5490", "973": "EPSG:2972", "974": "EPSG:2975", "976": "EPSG:4471"}
CRS_LABELS = {LAMBERT_93: "Lambert-93 (EPSG:2154)", "EPSG:5490": "UTM 20N Antilles (EPSG:5490)",
              "EPSG:2972": "UTM 22N Guyane (EPSG:2972)", "EPSG:2975": "UTM 40S La Réunion (EPSG:2975)",
              "EPSG:4471": "UTM 38S Mayotte (EPSG:4471)"}


@dataclass(frozen=True)
class Candidate:
    lon: float
    lat: float
    motif: str | None          # None: the point as the source gives it, nothing changed
    corrige: bool = False      # True when the build guessed (swap, undeclared projection)


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


def candidates(x: float, y: float, crs: str, departement: str | None) -> list[Candidate]:
    """The points a pair of source values can mean, most likely first.

    x is the value the source gives as longitude (or easting), y as latitude (or northing).
    """
    out = []
    declared = crs or WGS84
    if declared == WGS84:
        out.append(Candidate(x, y, None))
        out.append(Candidate(y, x, "latitude et longitude inversées dans la source", True))
        if not is_wgs84(x, y):
            for guess in [LAMBERT_93] + ([OVERSEAS_CRS[departement]] if departement in OVERSEAS_CRS else []):
                for a, b, swapped in ((x, y, False), (y, x, True)):
                    lon, lat = to_wgs84(a, b, guess)
                    motif = f"coordonnées en {label(guess)} non déclarées, converties en WGS84" + (" (X et Y inversés)" if swapped else "")
                    out.append(Candidate(lon, lat, motif, True))
    else:
        lon, lat = to_wgs84(x, y, declared)
        out.append(Candidate(lon, lat, f"coordonnées converties de {label(declared)} en WGS84"))
        lon, lat = to_wgs84(y, x, declared)
        out.append(Candidate(lon, lat, f"X et Y inversés dans la source, convertis de {label(declared)} en WGS84", True))
        if departement in OVERSEAS_CRS and OVERSEAS_CRS[departement] != declared:  # an overseas lieu in a Lambert-93 list
            guess = OVERSEAS_CRS[departement]
            for a, b, swapped in ((x, y, False), (y, x, True)):
                lon, lat = to_wgs84(a, b, guess)
                out.append(Candidate(lon, lat, f"coordonnées en {label(guess)} et non en {label(declared)}, converties en WGS84"
                                     + (" (X et Y inversés)" if swapped else ""), True))
        if is_wgs84(x, y):  # a WGS84 point in a list declared as projected
            out.append(Candidate(x, y, f"coordonnées déjà en WGS84 dans une source déclarée en {label(declared)}", True))
            out.append(Candidate(y, x, f"coordonnées en WGS84 inversées dans une source déclarée en {label(declared)}", True))
    return [c for c in out if is_wgs84(c.lon, c.lat)]
