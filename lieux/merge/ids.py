"""Stable lieu ids across builds (README, « Identifiants stables »)."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from .cluster import member_key
from .normalise import commune_code, commune_name, fold


def fingerprint(row: dict) -> str:
    """A content key for a source row: its name and commune, normalised (finds renumbered rows)."""
    place = commune_code(row.get("code_insee")) or row.get("code_postal")
    return hashlib.sha1(f"{fold(row.get('nom'))}|{place}|{commune_name(row.get('commune'))}".encode()).hexdigest()[:16]


def representative(rows: list[dict], priorities: dict) -> dict:
    """The row that names a new lieu: highest descriptor priority, then smallest source key."""
    return min(rows, key=lambda r: (-priorities.get(r.get("_source"), 50), r.get("_source") or "", str(r.get("id"))))


def previous_ids(members, ids) -> dict:
    """What `assign_ids` reads of a previous build, from its members (lieu id, source, cle, fingerprint)
    and its lieu ids: "by_key" maps (source, cle) to (lieu id, fingerprint); "by_fingerprint" maps
    (source, fingerprint) to [((source, cle), lieu id)]; "ids" lists every lieu id."""
    by_key, by_fingerprint = {}, {}
    for lieu_id, source, cle, empreinte in members:
        by_key[(source, cle)] = (lieu_id, empreinte)
        by_fingerprint.setdefault((source, empreinte), []).append(((source, cle), lieu_id))
    return {"by_key": by_key, "by_fingerprint": by_fingerprint, "ids": list(ids)}


def previous_of(lieux: list[dict]) -> dict:
    """`previous_ids` of merged lieux still in memory (what the next build would read from the database)."""
    return previous_ids(((l["id"], m["source"], m["cle"], m["empreinte"]) for l in lieux for m in l["_membres"]),
                        (l["id"] for l in lieux))


def assign_ids(groups: list[list[dict]], previous: dict, priorities: dict, lists: dict | None = None) -> list[str]:
    """Stable ids (README, « Identifiants stables »).

    1. A group whose rows were members of a lieu of the previous build keeps that lieu's id: each
       row votes for the lieu of the previous row it continues (`previous_lieu_of`). An id goes
       to the group with most votes; a lieu that split keeps its id in its larger part.
    2. Any other group takes the source row id of its representative row (highest descriptor
       priority, then smallest source and row id), e.g. `france-services-4`; if that id is
       already taken, `--2`, `--3`... is appended.
    """
    lists = lists or {}
    in_lists = set(lists) | set(lists.values())  # the sources of which a vintage is in the build
    by_list_key = {(lists.get(s, s), c): v for (s, c), v in previous.get("by_key", {}).items() if s in in_lists}
    still_here = {(member_key(r), fingerprint(r)) for g in groups for r in g}
    candidates = []
    for gi, group in enumerate(groups):
        votes = defaultdict(int)
        for r in group:
            if found := previous_lieu_of(r, previous, by_list_key, still_here, lists):
                votes[found[0]] += found[1]
        named_after = str(representative(group, priorities).get("id"))
        for old_id, n in votes.items():  # ties: the larger group, then the id the group would be named after
            candidates.append((-n, -len(group), old_id != named_after, old_id, gi))
    candidates.sort()
    ids: list[str | None] = [None] * len(groups)
    used = set()
    for *_, old_id, gi in candidates:
        if ids[gi] is None and old_id not in used:
            ids[gi] = old_id
            used.add(old_id)
    reserved = used | set(previous.get("ids", ()))
    for gi, group in enumerate(groups):
        if ids[gi] is None:
            base = str(representative(group, priorities).get("id"))
            new, n = base, 1
            while new in reserved:
                n += 1
                new = f"{base}--{n}"
            ids[gi] = new
            reserved.add(new)
    return ids


def previous_lieu_of(row: dict, previous: dict, by_list_key: dict, still_here: set, lists: dict
                     ) -> tuple[str, int] | None:
    """The previous build's lieu that this row continues, with the weight of its vote (2 sure, 1 likely).

    A row continues the previous row with the same source and source row id (or, for a vintage
    of a list, the same id in that list) when both have the same fingerprint (name and commune).
    A source row id is not always the producer's: for a list without ids it is the row number,
    which a new vintage shifts. So when the fingerprints differ, the row continues the previous
    row of its source with its fingerprint, if that row is not still here under its own id;
    failing that, the previous row with its id, at weight 1 (a place renamed or moved).
    """
    key, print_ = member_key(row), fingerprint(row)
    old = previous.get("by_key", {}).get(key) or by_list_key.get((lists.get(key[0], key[0]), key[1]))  # see assign_ids
    if old and old[1] == print_:
        return old[0], 2
    for old_key, old_id in previous.get("by_fingerprint", {}).get((key[0], print_), []):
        if (old_key, print_) not in still_here:
            return old_id, 2
    return (old[0], 1) if old else None
