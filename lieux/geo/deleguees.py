"""Which commune déléguée (or associée) of a commune nouvelle a row names, from the COG.

A commune nouvelle gathers villages that keep their name, their town hall and often their street
names: the « place de la Mairie » of each village is another door. The merge compares rows of a
commune nouvelle village by village when they say which village (lieux/merge, README « Fusion »).
"""

from __future__ import annotations

from .data import Geography
from .names import name_key


def named_deleguee(geo: Geography, code_insee, commune, nom) -> str | None:
    """The code of the commune déléguée of `code_insee` that the row's commune text, else its name,
    names ("Mairie déléguée de Saint-Germain-de-Tallevende"); None when it names none, or only the
    commune nouvelle itself (its chef-lieu often shares its name: that says nothing)."""
    villages = geo.delegated.get(code_insee or "")
    if not villages:
        return None
    current = geo.communes.get(code_insee)
    own = name_key(current.nom) if current else ""
    text = name_key(commune)
    if text != own and text in villages:
        return villages[text]
    words = f" {name_key(nom)} ".replace(f" {own} ", "  ")  # "Mairie de Vire Normandie" names no village Vire
    found = [key for key in villages if key != own and f" {key} " in words]
    return villages[max(found, key=len)] if found else None


def annotate(rows: list[dict], geo: Geography | None) -> None:
    """Add to each row's `_geo` whether its commune is a commune nouvelle and which village it names."""
    if geo is None:
        return
    for row in rows:
        code = row.get("code_insee")
        row["_geo"] = {**(row.get("_geo") or {}), "commune_nouvelle": bool(geo.delegated.get(code or "")),
                       "commune_deleguee": named_deleguee(geo, code, row.get("commune"), row.get("nom"))}
