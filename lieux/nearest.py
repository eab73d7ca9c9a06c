"""The lieux nearest to a point: exact great-circle distances, found through the R*Tree.

The R*Tree `lieux_rtree(id, min_lat, max_lat, min_lon, max_lon)` (id = lieux.rowid) narrows the
search to a box that contains every point within `d` km of the centre (the bounding box of a
spherical cap); SQL then computes the exact haversine distance of the candidates, keeps those
within `d` and orders them. If fewer than `n` are within `d`, the box grows and the query runs
again. Every lieu outside the box is farther than `d`, so the answer is the one a full scan
would give (same distance formula, ties broken by rowid).

R*Tree coordinates are 32-bit floats rounded outwards, so the box is matched by overlap and the
distance is computed from the table's own 64-bit latitude/longitude.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime, timezone
from functools import lru_cache

from . import schemas

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
# The first box holds about n lieux if they were spread over metropolitan France (~550,000 km²);
# denser or sparser places only change how many times the box grows.
TYPICAL_AREA_KM2 = 550_000

# Fields the `filters` argument accepts: multi-valued standard fields stored as JSON arrays.
FILTER_FIELDS = (
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "modalites_acces",
    "modalites_accompagnement",
    "formations_labels",
    "typologie",
    "itinerance",
)
OPEN_NOW = "ouvert_maintenant"  # filter value True: open at the instant `now`
OPEN_AT = "ouvert_le"  # filter value a naive datetime: open at that local time, in each lieu's own time zone
OPEN_SQL = "lieu_ouvert(l.horaires, l.departement_code, l.code_insee, l.code_postal, l.modalites_acces) = 1"
DECODED_COLUMNS = tuple(schemas.multi_valued(schemas.LIEUX)) + ("sources",)


def haversine_sql(lat: str, lon: str) -> str:
    """SQL for the distance in km from the point bound to :lat/:lon to columns `lat`, `lon`."""
    return (
        f"(2 * {EARTH_RADIUS_KM} * asin(min(1.0, sqrt("
        f"power(sin(radians({lat} - :lat) / 2), 2) + "
        f"cos(radians(:lat)) * cos(radians({lat})) * power(sin(radians({lon} - :lon) / 2), 2)))))"
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (the same formula as haversine_sql, in Python)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin(math.radians(lat2 - lat1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(
        math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def cap_box(lat: float, lon: float, d_km: float) -> list[tuple[float, float, float, float]]:
    """Boxes (min_lat, max_lat, min_lon, max_lon) covering every point within d_km of (lat, lon).

    One box, or two when the cap crosses the antimeridian; the whole world when it reaches a pole
    or a quarter of the circumference.
    """
    angle = d_km / EARTH_RADIUS_KM
    if angle >= math.pi / 2:
        return [(-90.0, 90.0, -180.0, 180.0)]
    rlat = math.radians(lat)
    lat_min, lat_max = rlat - angle, rlat + angle
    if lat_min <= -math.pi / 2 or lat_max >= math.pi / 2:
        return [(max(-90.0, math.degrees(lat_min)), min(90.0, math.degrees(lat_max)), -180.0, 180.0)]
    ratio = math.sin(angle) / math.cos(rlat)
    if ratio >= 1:
        return [(math.degrees(lat_min), math.degrees(lat_max), -180.0, 180.0)]
    # Widen a little so that float rounding never shaves off a point at the edge.
    dlon = math.degrees(math.asin(ratio)) * (1 + 1e-9) + 1e-9
    lo_lat, hi_lat = math.degrees(lat_min) - 1e-9, math.degrees(lat_max) + 1e-9
    lon_min, lon_max = lon - dlon, lon + dlon
    if lon_min < -180:
        return [(lo_lat, hi_lat, lon_min + 360, 180.0), (lo_lat, hi_lat, -180.0, lon_max)]
    if lon_max > 180:
        return [(lo_lat, hi_lat, lon_min, 180.0), (lo_lat, hi_lat, -180.0, lon_max - 360)]
    return [(lo_lat, hi_lat, lon_min, lon_max)]


def filter_sql(filters: dict | None, params: dict) -> list[str]:
    """WHERE clauses for {field: [values]}: values of a field OR'ed, fields AND'ed."""
    clauses = []
    for i, (field, values) in enumerate(sorted((filters or {}).items())):
        if field in (OPEN_NOW, OPEN_AT):
            if values and OPEN_SQL not in clauses:
                clauses.append(OPEN_SQL)
            continue
        if field not in FILTER_FIELDS:
            raise ValueError(f"Unknown filter field {field!r}; known: {', '.join(FILTER_FIELDS)}")
        if isinstance(values, str):
            values = [values]
        values = [v for v in values if v not in (None, "")]
        if not values:
            continue
        names = []
        for j, value in enumerate(values):
            params[f"f{i}_{j}"] = value
            names.append(f":f{i}_{j}")
        clauses.append(
            f"l.[{field}] is not null and exists (select 1 from json_each(l.[{field}]) "
            f"where json_each.value in ({', '.join(names)}))"
        )
    return clauses


def register_open(conn: sqlite3.Connection, now: datetime | None = None, local: datetime | None = None) -> None:
    """Register SQL lieu_ouvert(horaires, departement_code, code_insee, code_postal, modalites_acces) -> 1/0:
    open at the instant `now` (default: the clock), or at the naive `local` time read in each lieu's own
    time zone. A public holiday of the lieu's territory counts as open only when its hours say so with `PH`;
    a lieu that receives no public (lieux.texte.receives_public) is never open."""
    from . import horaires, territoires
    from .texte import receives_public

    # The moment is fixed for this registration: the answer depends only on the hours, the time zone
    # and the calendar, shared by many lieux and asked again each time the search box grows.
    instant = now or datetime.now(timezone.utc)
    known: dict = {}

    def open_at(osm, departement_code, code_insee, code_postal, modalites_acces=None):
        if not osm or (modalites_acces and not receives_public(_modalites(modalites_acces))):
            return 0
        territoire, zone = territoires.clock(departement_code, code_insee, code_postal)
        key = (osm, zone, territoire.subdivision)
        if key not in known:
            moment = local if local is not None else horaires.local_time(zone, instant)
            known[key] = 1 if horaires.state_at(osm, moment, territoire).ouvert is True else 0
        return known[key]

    conn.create_function("lieu_ouvert", 5, open_at)


def _modalites(text) -> list:
    try:
        value = _parse_json(text) if isinstance(text, str) else text
    except ValueError:
        return [text]
    return list(value) if isinstance(value, (list, tuple)) else [value]


@lru_cache(maxsize=65536)
def _parse_json(text: str):
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


def decode(row: dict) -> dict:
    """Multi-valued fields (JSON arrays in the database) as lists; the lists are the caller's to change."""
    for name in DECODED_COLUMNS:
        value = row.get(name)
        if isinstance(value, str):
            try:
                parsed = _parse_json(value)
            except ValueError:
                continue
            row[name] = list(parsed) if isinstance(parsed, tuple) else parsed
    return row


def first_box_km(conn: sqlite3.Connection, n: int) -> float:
    """The first search distance: the radius that would hold n lieux at the database's mean density."""
    total = conn.execute("select max(rowid) from lieux").fetchone()[0] or 1
    return min(50.0, max(0.5, 1.5 * math.sqrt(n * TYPICAL_AREA_KM2 / (math.pi * total))))


def nearest(conn: sqlite3.Connection, lat: float, lon: float, n: int = 10, rayon_km: float | None = None,
            filters: dict | None = None, now: datetime | None = None,
            after: tuple[float, int] | None = None) -> list[dict]:
    """The n lieux nearest to (lat, lon), nearest first, each a dict of the row plus `distance_km` and `_rowid`.

    `rayon_km` keeps only lieux within that distance. `filters` is {standard field: [values]}
    (a lieu matches a field when it has one of the values; all fields must match), plus
    `ouvert_maintenant: True` for lieux open at `now` in their own time zone, or `ouvert_le: datetime`
    (naive) for lieux open at that local time in their own time zone.
    `after` = (distance_km, _rowid) of a lieu already given: only the lieux after it in this order
    (distance, then rowid) are returned, which is how /api/proches pages with a stable cursor.
    """
    if n < 1:
        return []
    params: dict = {"lat": float(lat), "lon": float(lon), "n": int(n)}
    where = filter_sql(filters, params)
    if after is not None:
        params["after_d"], params["after_r"] = float(after[0]), int(after[1])
        where.append("(distance_km > :after_d or (distance_km = :after_d and l.rowid > :after_r))")
    if (filters or {}).get(OPEN_AT):
        register_open(conn, local=filters[OPEN_AT])
    elif (filters or {}).get(OPEN_NOW):
        register_open(conn, now=now)
    distance = haversine_sql("l.latitude", "l.longitude")
    limit_km = HALF_CIRCUMFERENCE_KM if rayon_km is None else min(float(rayon_km), HALF_CIRCUMFERENCE_KM)
    d = min(first_box_km(conn, n), limit_km)
    while True:
        boxes = cap_box(lat, lon, d)
        box_sql = []
        for i, (a, b, c, e) in enumerate(boxes):
            params.update({f"b{i}a": a, f"b{i}b": b, f"b{i}c": c, f"b{i}d": e})
            box_sql.append(f"select id from lieux_rtree where max_lat >= :b{i}a and min_lat <= :b{i}b "
                           f"and max_lon >= :b{i}c and min_lon <= :b{i}d")
        params["d"] = d
        sql = (
            f"with c as (select l.rowid as rid, {distance} as distance_km "
            f"from ({' union '.join(box_sql)}) r join lieux l on l.rowid = r.id "
            f"where distance_km <= :d{''.join(' and ' + w for w in where)} "
            f"order by distance_km, l.rowid limit :n) "
            f"select l.*, c.distance_km, c.rid as _rowid from c join lieux l on l.rowid = c.rid order by c.distance_km, c.rid"
        )
        cursor = conn.execute(sql, params)
        rows = cursor.fetchall()
        if len(rows) >= n or d >= limit_km:
            columns = [col[0] for col in cursor.description]
            return [decode(dict(zip(columns, row))) for row in rows]
        # Grow the box as if density were even around the centre, by at least 1.5 and at most 4.
        d = min(limit_km, d * (min(4.0, max(1.5, 1.2 * math.sqrt(n / len(rows)))) if rows else 4.0))
