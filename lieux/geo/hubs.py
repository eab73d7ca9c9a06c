"""Hubs territoriaux: the départements each hub covers, its coverage area, the hub(s) of a département.

A hub row (schema hubs-territoriaux) names either régions (`regions`, région names) or
départements (`departements`, INSEE codes); the values may be lists or JSON text. 971 and 976
are covered by two hubs each, so a département can have several hubs.
"""

from __future__ import annotations

import json

import shapely

from .areas import simplified_geojson
from .data import Geography
from .names import name_key


def as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [v for v in value.split("|")]
    return [str(v).strip() for v in value if str(v).strip()]


def hub_name(hub: dict) -> str:
    return hub.get("nom") or hub.get("name") or str(hub.get("id"))


def region_codes(names: list[str], geo: Geography) -> list[str]:
    """Région codes of région names ("Île-de-France", "ILE DE FRANCE" and "11" all give 11)."""
    by_key = {name_key(r["nom"]): code for code, r in geo.regions.items()}
    codes = []
    for name in names:
        code = name if name in geo.regions else by_key.get(name_key(name))
        if code is None:
            raise ValueError(f"hub : région « {name} » inconnue du code officiel géographique")
        codes.append(code)
    return codes


def hub_departements(hub: dict, geo: Geography) -> list[str]:
    """Every département a hub covers: its départements, plus those of its régions, sorted."""
    departements = {d.zfill(2) for d in as_list(hub.get("departements"))}
    regions = region_codes(as_list(hub.get("regions") or hub.get("region_names")), geo)
    departements |= {code for code, d in geo.departements.items() if d.get("region") in regions}
    return sorted(departements)


def hubs_by_departement(hubs: list[dict], geo: Geography) -> dict[str, list[str]]:
    """{département code: [hub names]} (two hubs for 971 and 976)."""
    out: dict[str, list[str]] = {}
    for hub in hubs:
        for code in hub_departements(hub, geo):
            out.setdefault(code, []).append(hub_name(hub))
    return out


def hub_area(departements: list[str], geo: Geography) -> dict | None:
    """The union of the départements' polygons, simplified, as a GeoJSON geometry (None without polygons)."""
    shapes = [geo.departement_shapes[c] for c in departements if c in geo.departement_shapes]
    if not shapes:
        return None
    return simplified_geojson(shapely.union_all(shapes))


def with_coverage(hubs: list[dict], geo: Geography) -> list[dict]:
    """Hub rows with `departements_couverts` (JSON list) and `geometry` (GeoJSON text), for the hubs table."""
    out = []
    for hub in hubs:
        departements = hub_departements(hub, geo)
        area = hub_area(departements, geo)
        out.append({**hub, "departements_couverts": json.dumps(departements),
                    "geometry": json.dumps(area) if area else None})
    return out
