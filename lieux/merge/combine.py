"""One lieu from the rows of one place: which row gives each field, and the provenance."""

from __future__ import annotations

from .. import schemas
from .cluster import member_key
from .ids import fingerprint
from .normalise import UNKNOWN_PIVOT


SINGLE_GROUPS = (
    ("adresse", "complement_adresse", "code_postal", "commune", "code_insee"),
    ("latitude", "longitude"),
)


def rank_key(row: dict, priorities: dict) -> tuple:
    """Best row first: most recent date_maj, then higher descriptor priority, then source and line."""
    date = str(row.get("date_maj") or "")
    return (_desc(date), -priorities.get(row.get("_source"), 50), row.get("_source") or "", row.get("_ligne") or 0)


def _desc(text: str) -> tuple:
    return tuple(-ord(c) for c in text) + (0,)


INTERNAL_KEYS = {"_source", "_ligne", "_sources", "_membres"}  # set by merge_group itself


def merge_group(rows: list[dict], priorities: dict) -> tuple[dict, list[dict]]:
    """One lieu from the rows of one place, and its provenance (field, source, key, line)."""
    multi = set(schemas.multi_valued(schemas.LIEUX))
    ranked = sorted(rows, key=lambda r: rank_key(r, priorities))
    lieu, provenance = {}, []

    def note(champ, r):
        provenance.append({"champ": champ, "source": r["_source"], "cle": str(r.get("id")), "ligne": r.get("_ligne")})

    grouped = {f for g in SINGLE_GROUPS for f in g}
    placed = None  # the row that gives the coordinates
    for group in SINGLE_GROUPS:
        best = next((r for r in ranked if r.get(group[0]) not in (None, "", [])), None)
        for f in group:
            lieu[f] = best.get(f) if best else None
            if best and lieu[f] not in (None, "", []):
                note(f, best)
        if group[0] == "latitude":
            placed = best
    # Internal keys of earlier steps (the geography step's `_geo`: département, région, qualite_geo,
    # hub) describe where a row was placed: they come with the coordinates, else from the best row.
    for r in [placed] * bool(placed) + ranked:
        for k, v in r.items():
            if k.startswith("_") and k not in INTERNAL_KEYS and k not in lieu:
                lieu[k] = v
    keys = []
    for r in ranked:
        for k in r:
            if k not in keys and not k.startswith("_") and k != "id" and k not in grouped:
                keys.append(k)
    for k in keys:
        if k in multi:
            values = []
            for r in ranked:
                vals = r.get(k) or []
                if vals:
                    note(k, r)
                for v in vals:
                    if v not in values:
                        values.append(v)
            lieu[k] = values or None
        else:  # an unknown pivot (00000000000000) gives way to a known SIRET
            best = next((r for r in ranked if r.get(k) not in (None, "", [], UNKNOWN_PIVOT if k == "pivot" else None)),
                        None) or next((r for r in ranked if r.get(k) not in (None, "", [])), None)
            lieu[k] = best.get(k) if best else None
            if best:
                note(k, best)
    lieu["_source"] = ranked[0]["_source"]
    lieu["_ligne"] = ranked[0].get("_ligne")
    lieu["_sources"] = sorted({r["_source"] for r in rows}, key=lambda s: (-priorities.get(s, 50), s))
    lieu["_membres"] = [{"source": r["_source"], "cle": str(r.get("id")), "ligne": r.get("_ligne"),
                         "empreinte": fingerprint(r)} for r in sorted(rows, key=member_key)]
    return lieu, provenance
