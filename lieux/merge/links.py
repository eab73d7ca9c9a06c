"""Links from other entities (structures hosting conseillers numériques, fabriques) to the merged lieux."""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz import fuzz

from .blocking import grid_cell
from .prepared import prepare
from .rules import RULE_ORDER, Match, match_pair, same_commune


LINK_NAME_MIN_COMMUNE_ONLY = 90   # a row known only by its commune links on a very similar name
# Entity tables linked to their lieu, and whether their coordinates locate the entity itself
# (the fabriques map has one point per commune, not per place).
LINKED_SCHEMAS = {"structures-conseillers-numeriques": True, "fabriques-de-territoire": False}


def link_to_lieux(rows: list[dict], lieux: list[dict], use_coordinates: bool = True) -> list[dict | None]:
    """For each row, the merged lieu it belongs to: {"lieu_id", "regle", "score"}, or None.

    A row has any of: `_source` and `id` (its source row: if that row is a member of a lieu,
    rule "membre"), siret or pivot, nom or raison_sociale, commune, code_postal, code_insee,
    adresse, latitude, longitude. Otherwise the merge rules apply (never across communes), the
    best rule winning; a row with a commune but neither address nor usable coordinates links
    to a fixed lieu of that commune whose name (organisation words aside, word order counting)
    has similarity ≥ LINK_NAME_MIN_COMMUNE_ONLY and says more than the commune, and only if
    exactly one lieu qualifies.
    """
    members = {(m["source"], m["cle"]): l["id"] for l in lieux for m in l.get("_membres", [])}
    prepared_lieux = [prepare(i, {**l, "_source": "lieux"}) for i, l in enumerate(lieux)]
    by_commune = defaultdict(list)
    by_siret = defaultdict(list)
    grid = defaultdict(list)
    for p in prepared_lieux:
        by_commune[p.insee or f"{p.postcode}|{p.commune}"].append(p)
        if p.commune:
            by_commune[f"nom|{p.commune}"].append(p)
        if p.siret:
            by_siret[p.siret].append(p)
        if p.lat is not None and p.lon is not None:
            grid[grid_cell(p.lat, p.lon)].append(p)
    links = []
    for i, row in enumerate(rows):
        lieu_id = members.get((row.get("_source"), f"{row.get('_source')}-{row.get('id')}")) or \
            members.get((row.get("_source"), str(row.get("id"))))
        if lieu_id:
            links.append({"lieu_id": lieu_id, "regle": "membre", "score": 100.0})
            continue
        values = {**row, "nom": row.get("nom") or row.get("raison_sociale"), "pivot": row.get("pivot") or row.get("siret"),
                  "_source": "lien", "id": i}
        if not use_coordinates:
            values["latitude"] = values["longitude"] = None
        r = prepare(i, values)
        pool = {id(p): p for p in by_siret.get(r.siret, [])}
        pool.update({id(p): p for p in by_commune.get(r.insee or f"{r.postcode}|{r.commune}", [])})
        if r.commune:
            pool.update({id(p): p for p in by_commune.get(f"nom|{r.commune}", [])})
        if r.lat is not None and r.lon is not None:
            gy, gx = grid_cell(r.lat, r.lon)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    pool.update({id(p): p for p in grid.get((gy + dy, gx + dx), [])})
        best = None
        for p in pool.values():
            m = match_pair(r, p)
            if m and (best is None or (RULE_ORDER[m.rule], m.score) > (RULE_ORDER[best[1].rule], best[1].score)):
                best = (p, m)
        if best is None and not r.address and r.lat is None:
            # word order counts here (no subset forgiveness): "Crefad Loire" is not the "Département de la Loire"
            close = [(p, float(fuzz.token_sort_ratio(r.core, p.core))) for p in pool.values()
                     if same_commune(r, p) and not p.name_is_commune and p.mobility != "itinerant"]
            close = [(p, score) for p, score in close if score >= LINK_NAME_MIN_COMMUNE_ONLY]
            if len(close) == 1:
                best = (close[0][0], Match("commune-nom", close[0][1], None, 0, 0))
        links.append({"lieu_id": lieux[best[0].index]["id"], "regle": best[1].rule, "score": round(best[1].score, 1)}
                     if best else None)
    return links


def link_results(processed, lieux: list[dict]) -> None:
    """Add `lieu_id` and `lien_regle` to the rows of the linked entity tables (LINKED_SCHEMAS).

    The rows are replaced, not edited in place: a source's rows may be a spool read from disk.
    """
    for inp, result in processed:
        if result is None:
            continue
        for schema, use_coordinates in LINKED_SCHEMAS.items():
            rows = result.rows.get(schema)
            if not rows:
                continue
            tagged = [{**r, "_source": inp.descriptor.id} for r in rows]
            result.rows[schema] = [
                {**r, "lieu_id": link["lieu_id"] if link else None, "lien_regle": link["regle"] if link else None}
                for r, link in zip(rows, link_to_lieux(tagged, lieux, use_coordinates))
            ]
