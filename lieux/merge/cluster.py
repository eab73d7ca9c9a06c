"""From matching pairs to groups of rows: every match found, best first, then union-find."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .blocking import candidate_pairs
from .prepared import prepare_all
from .rules import RULE_ORDER, Match, match_pair, strict_names_similarity


def find_matches(rows: list[dict], lists: dict | None = None) -> list[tuple[int, int, Match]]:
    """Every matching pair of rows (indexes into rows), best first: rule, score, then strict name similarity.
    `lists` as in merge()."""
    prepared = prepare_all(rows, lists)
    found = []
    for i, j in candidate_pairs(prepared):
        m = match_pair(prepared[i], prepared[j])
        if m:
            found.append((-RULE_ORDER[m.rule], -m.score, -strict_names_similarity(prepared[i], prepared[j]), i, j, m))
    # ties go to the names that say the same with every word ("MSAP Semur-en-Auxois" before
    # "Espace numérique Côte-d'Or de Semur-en-Auxois" for "Semur-en-Auxois")
    found.sort(key=lambda t: t[:5])
    return [(i, j, m) for *_, i, j, m in found]


@dataclass
class Decision:
    a: int
    b: int
    match: Match
    accepted: bool
    reason: str | None = None


def cluster(rows: list[dict], matches, refused_pairs=frozenset()) -> tuple[list[list[int]], list[Decision]]:
    """Union-find over the matches, best first, with the one-row-per-source constraint."""
    parent = list(range(len(rows)))
    sources = [{rows[i].get("_source")} for i in range(len(rows))]

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    decisions = []
    for i, j, m in matches:
        keys = frozenset((member_key(rows[i]), member_key(rows[j])))
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if keys in refused_pairs:
            decisions.append(Decision(i, j, m, False, "fusion annulée par un relecteur"))
            continue
        if m.rule != "doublon" and sources[ri] & sources[rj]:
            decisions.append(Decision(i, j, m, False, "les deux groupes ont déjà une ligne de la même source"))
            continue
        parent[rj] = ri
        sources[ri] |= sources[rj]
        decisions.append(Decision(i, j, m, True))
    groups = defaultdict(list)
    for i in range(len(rows)):
        groups[find(i)].append(i)
    return [sorted(g) for g in groups.values()], decisions


def member_key(row: dict) -> tuple[str, str]:
    return (row.get("_source") or "", str(row.get("id")))
