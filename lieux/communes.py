"""Where a search is centred: a commune, a postcode or free text reduced to a point.

`locate` reads the `communes` reference table (code INSEE, nom, codes_postaux, centre,
population) when the database has it and it is not empty; otherwise it falls back to the lieux
themselves (the centroid of the lieux having that postcode or commune). `gazetteer()` is the one
place that chooses between the two.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field

POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$", re.I)
ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
CEDEX = re.compile(r"\bCEDEX\b(\s*\d+)?")


def name_key(value) -> str:
    """A commune name as a comparison key: "St-Étienne CEDEX" and "saint etienne" give "SAINT ETIENNE"."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).upper().replace("Œ", "OE").replace("Æ", "AE")
    text = CEDEX.sub(" ", text)
    text = re.sub(r"[^A-Z0-9]+", " ", text).strip()
    return " ".join(ABBREVIATIONS.get(word, word) for word in text.split())


@dataclass
class Place:
    lat: float
    lon: float
    nom: str
    code_postal: str | None
    code: str | None  # code INSEE when known
    weight: float  # population (communes) or number of lieux (fallback): ranks homonyms
    postcodes: int = 1  # how many postcodes the place has: the fewest is the most precise


@dataclass
class Gazetteer:
    source: str  # "communes" or "lieux"
    by_name: dict[str, list[Place]] = field(default_factory=dict)
    by_postcode: dict[str, list[Place]] = field(default_factory=dict)
    by_code: dict[str, Place] = field(default_factory=dict)

    def add(self, place: Place, postcodes: list[str]) -> None:
        self.by_name.setdefault(name_key(place.nom), []).append(place)
        for cp in postcodes:
            self.by_postcode.setdefault(cp, []).append(place)
        if place.code:
            self.by_code.setdefault(place.code.upper(), place)


def has_communes(conn: sqlite3.Connection) -> bool:
    try:
        return conn.execute("select 1 from communes where latitude is not null limit 1").fetchone() is not None
    except sqlite3.OperationalError:
        return False


def from_communes(conn: sqlite3.Connection) -> Gazetteer:
    gaz = Gazetteer("communes")
    for code, nom, codes_postaux, lat, lon, population in conn.execute(
            "select code, nom, codes_postaux, latitude, longitude, population from communes "
            "where latitude is not null and longitude is not null"):
        try:
            postcodes = [str(p) for p in json.loads(codes_postaux or "[]")]
        except ValueError:
            postcodes = [p for p in re.split(r"[|,; ]+", codes_postaux or "") if p]
        gaz.add(Place(lat, lon, nom, postcodes[0] if len(postcodes) == 1 else None, code, population or 0,
                      max(1, len(postcodes))), postcodes)
    return gaz


def from_lieux(conn: sqlite3.Connection) -> Gazetteer:
    """Stand-in until the communes table is built: lieux grouped by commune and postcode, their centroid."""
    gaz = Gazetteer("lieux")
    groups: dict[tuple[str, str], list] = {}
    for commune, code_postal, code_insee, lat, lon in conn.execute(
            "select commune, code_postal, code_insee, latitude, longitude from lieux "
            "where latitude is not null and longitude is not null and commune is not null"):
        key = (name_key(commune), code_postal or "")
        g = groups.setdefault(key, [commune, code_postal, code_insee, 0.0, 0.0, 0])
        g[3] += lat
        g[4] += lon
        g[5] += 1
    for commune, code_postal, code_insee, slat, slon, count in groups.values():
        gaz.add(Place(slat / count, slon / count, commune, code_postal, code_insee, count),
                [code_postal] if code_postal else [])
    return gaz


_cache: dict = {}


def database_key(conn: sqlite3.Connection):
    """Identifies the database file and its version, so that the gazetteer is rebuilt when it changes."""
    path = conn.execute("pragma database_list").fetchone()[2]
    version = conn.execute("pragma schema_version").fetchone()[0]
    count = conn.execute("select max(rowid) from lieux").fetchone()[0]
    if not path:
        return id(conn), version, count
    stat = os.stat(path)
    return path, stat.st_ino, stat.st_mtime_ns, version, count


def gazetteers(conn: sqlite3.Connection) -> list[Gazetteer]:
    """Where to look, in order: the communes reference when present, then the lieux themselves
    (they know postcodes the reference lacks: CEDEX and business codes). Cached per database."""
    key = database_key(conn)
    if key not in _cache:
        _cache.clear() if len(_cache) > 8 else None
        _cache[key] = ([from_communes(conn)] if has_communes(conn) else []) + [from_lieux(conn)]
    return _cache[key]


def gazetteer(conn: sqlite3.Connection) -> Gazetteer:
    """The main gazetteer: the communes reference when present, else the lieux."""
    return gazetteers(conn)[0]


def best(places: list[Place]) -> Place:
    return sorted(places, key=lambda p: (p.postcodes, -p.weight, p.nom))[0]


def label(place: Place, code_postal: str | None = None) -> str:
    cp = code_postal or place.code_postal
    return f"{place.nom} ({cp})" if cp else place.nom


def by_postcode(gaz: Gazetteer, code_postal: str, name: str | None = None):
    places = gaz.by_postcode.get(code_postal)
    if not places:
        return None
    if name:
        named = [p for p in places if name_key(p.nom) == name_key(name)]
        places = named or places
    if gaz.source == "lieux" and not name:
        # Every commune sharing the postcode: the centroid of their lieux, labelled by the largest.
        total = sum(p.weight for p in places)
        lat = sum(p.lat * p.weight for p in places) / total
        lon = sum(p.lon * p.weight for p in places) / total
        return lat, lon, label(best(places), code_postal)
    place = best(places)
    return place.lat, place.lon, label(place, code_postal)


def by_name(gaz: Gazetteer, name: str):
    places = gaz.by_name.get(name_key(name))
    if not places:
        return None
    if gaz.source == "lieux":
        # The same name in several postcodes: keep the département with the most lieux.
        counts: dict[str, float] = {}
        for p in places:
            counts[(p.code_postal or "")[:2]] = counts.get((p.code_postal or "")[:2], 0) + p.weight
        dep = max(counts, key=lambda d: (counts[d], d))
        group = [p for p in places if (p.code_postal or "")[:2] == dep]
        total = sum(p.weight for p in group)
        lat = sum(p.lat * p.weight for p in group) / total
        lon = sum(p.lon * p.weight for p in group) / total
        return lat, lon, best(group).nom
    place = sorted(places, key=lambda p: (-p.weight, p.postcodes))[0]
    return place.lat, place.lon, label(place)


def from_text(gaz: Gazetteer, text: str, endings: bool = True):
    """Free text: a postcode (with the commune after it, if any), an INSEE code, a commune name,
    or (with `endings`) an address whose last words are a commune."""
    text = text.strip()
    m = POSTCODE.search(text)
    if m:
        after = text[m.end():].strip(" ,")
        found = by_postcode(gaz, m.group(1), after or None)
        if found:
            return found
    if INSEE.match(text) and text.upper() in gaz.by_code:
        p = gaz.by_code[text.upper()]
        return p.lat, p.lon, label(p)
    found = by_name(gaz, text)
    if found or not endings:
        return found
    # An address: try the part after the last comma, then ever shorter endings.
    parts = [p for p in re.split(r",", text) if p.strip()]
    if len(parts) > 1:
        found = by_name(gaz, parts[-1])
        if found:
            return found
    words = name_key(text).split()
    for start in range(1, len(words)):
        found = by_name(gaz, " ".join(words[start:]))
        if found:
            return found
    return None


def locate(conn: sqlite3.Connection, commune: str | None = None, code_postal: str | None = None,
           q: str | None = None, endings: bool = True) -> tuple[float, float, str] | None:
    """(lat, lon, label) of a commune (name or INSEE code), a postcode or free text; None if not found.

    With both commune and code_postal, the commune of that name having that postcode. `endings`: free text may
    be an address whose last words name a commune (without it, only whole names and postcodes).
    """
    for gaz in gazetteers(conn):
        found = locate_in(gaz, commune, code_postal, q, endings)
        if found:
            return found
    return None


def locate_in(gaz: Gazetteer, commune: str | None, code_postal: str | None, q: str | None, endings: bool = True):
    if code_postal:
        return by_postcode(gaz, code_postal.strip(), commune)
    if commune:
        commune = commune.strip()
        if INSEE.match(commune) and commune.upper() in gaz.by_code:
            p = gaz.by_code[commune.upper()]
            return p.lat, p.lon, label(p)
        return by_name(gaz, commune)
    if q:
        return from_text(gaz, q, endings)
    return None
