"""Merging the lieux of every source: one row per place, its provenance, an audit trail, stable ids.

Pure functions, no I/O. The build calls `merge(lieux, previous, priorities)` once every source
is read, mapped, validated and geocoded; `link_to_lieux(rows, lieux)` links other entities
(structures hosting conseillers numériques, fabriques) to the merged lieux.

Matching (`match_pair`) compares two rows of the same commune — never across communes — and
fires the first rule that holds (thresholds below, in one place):

  identifiant        two vintages of one list (an older one names the current one in its
                     descriptor's `vintage_of`) give the same row id: the producer's own identifier
                     (France Services' matricule) names one place in every vintage; two ids of two
                     vintages are two places unless rule `adresse` holds (a renumbered place);
  doublon            same source, same normalised name and same normalised address, or the same
                     address and a contact in common (a list that repeats a place; a cannot-link
                     otherwise keeps two rows of one source apart); never two mobile places;
  siret              same valid SIRET (pivot 00000000000000 means unknown) AND names of similarity
                     ≥ NAME_MIN_SIRET, or — unless only one name says what kind of place it is (a
                     library of the commune) — the same address or SIRET_NEAR_M metres apart: a
                     SIRET shared by several sites is not enough on its own;
  adresse            same normalised address (or addresses of similarity ≥ ADDRESS_MIN with the
                     same house number) and names of similarity ≥ NAME_MIN_ADDRESS;
  adresse-programme  same door and a national programme in common, or a place and the host
                     structure of a conseiller numérique at its door; or the same street,
                     SAME_DOOR_M apart, and a programme in common; or two France Services at the
                     same numberless address (but an older vintage's, which it may have left);
  contact            a telephone or e-mail in common at the same door; or one of their own contacts
                     (see mark_own_contacts) and the same street or NEAR_M; or their own telephone
                     AND e-mail anywhere in the commune (one reception, that moved);
  adresse-mot        same door and a proper name in common: a word at most RARE_WORD_ROWS names
                     have, or one name is the other's acronym;
  adresse-genre      same door (street and house number) and names that say the same kind of place
                     ("Médiathèque François Mitterrand" and "Médiathèque d'Ambès");
  proximite          at most NEAR_M metres apart and names of similarity ≥ NAME_MIN_NEAR, every
                     word counting but the commune's, unless a name is only the commune's.

A mobile place (itinerance Itinérant only, or "bus"/"itinérant(e)" in its name) merges only with
another mobile place: a bus based at a town hall is not the town hall's counter.

Clustering: accepted pairs are applied best score first (union-find); a merge is refused when
both groups already hold a row of the same source (rule `doublon` excepted), because a
producer that lists two rows means two places. Refused merges are kept in `fusions` too.

The package follows those parts: `normalise` (names and addresses), `prepared` (what is compared,
once per row), `rules` (match_pair), `blocking` (which pairs are compared), `cluster` (matches to
groups), `combine` (one lieu from a group), `ids` (stable ids), `reviews` (merges undone by a
reviewer), `links` (other entities to their lieu); `thresholds` holds every tuned number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .blocking import candidate_pairs, grid_cell
from .cluster import Decision, cluster, find_matches, member_key
from .combine import merge_group
from .ids import assign_ids, fingerprint, previous_ids, previous_of
from .links import LINKED_SCHEMAS, link_results, link_to_lieux
from .normalise import fold, normalise_address
from .prepared import Prepared, mark_network_keys, mark_own_contacts, mark_rare_words, prepare, prepare_all
from .reviews import refused_pairs_from
from .rules import RULE_ORDER, Match, match_pair, same_commune
from .thresholds import (ADDRESS_MAX_M, ADDRESS_MIN, GRID_M, KIND_PENALTY, NAME_MIN_ADDRESS, NAME_MIN_NEAR, NAME_MIN_SIRET, NEAR_M,
                         RARE_WORD_ROWS, SAME_DOOR_M, SHARED_KEY_MAX_ROWS, SIRET_NEAR_M)

__all__ = [  # what the build, the tests and the benches use
    "merge", "MergeResult", "refused_pairs_from", "link_results", "link_to_lieux", "LINKED_SCHEMAS",
    "previous_ids", "previous_of", "assign_ids", "fingerprint", "find_matches", "cluster", "Decision", "member_key",
    "candidate_pairs", "grid_cell", "prepare", "Prepared", "mark_own_contacts", "mark_network_keys", "mark_rare_words", "prepare_all", "match_pair",
    "same_commune", "Match", "RULE_ORDER", "fold", "normalise_address", "merge_group",
    "ADDRESS_MIN", "GRID_M", "KIND_PENALTY", "NAME_MIN_ADDRESS", "NAME_MIN_NEAR", "NAME_MIN_SIRET", "NEAR_M",
    "RARE_WORD_ROWS", "SHARED_KEY_MAX_ROWS", "ADDRESS_MAX_M", "SAME_DOOR_M", "SIRET_NEAR_M",
]


@dataclass
class MergeResult:
    lieux: list[dict]
    fusions: list[dict] = field(default_factory=list)
    provenance: list[dict] = field(default_factory=list)
    superseded: list[dict] = field(default_factory=list)  # rows of an older vintage that the current one drops

    def __iter__(self):  # lieux, fusions, provenance = merge(...)
        return iter((self.lieux, self.fusions, self.provenance))


def merge(lieux: list[dict], previous: dict | None = None, priorities: dict | None = None,
          refused_pairs=frozenset(), lists: dict | None = None) -> MergeResult:
    """One lieu per place: `lieux, fusions, provenance = merge(rows, previous, priorities)`.

    `rows` carry `_source` and `_ligne`; `previous` is what `load.read_previous_ids` read from
    the database being replaced (empty on a first build); `priorities` maps source ids to their
    descriptor priority; `refused_pairs` holds frozensets of two (source, source row id) that a
    reviewer has said are different places; `lists` maps a source that is an older vintage of
    another list to that list's id (descriptor `vintage_of`).

    A place known only from older vintages of a list whose current vintage is in the build is
    not a lieu: the producer no longer lists it (closed, renumbered, or moved to another commune).
    Its rows are returned in `superseded`, for the build to record why they are left out.
    """
    previous = previous or {}
    priorities = priorities or {}
    lists = lists or {}
    matches = find_matches(lieux, lists)
    groups, decisions = cluster(lieux, matches, refused_pairs)
    groups.sort(key=lambda g: g[0])
    present = {r.get("_source") for r in lieux}
    outdated = {s for s, current in lists.items() if current in present}
    is_superseded = [all(lieux[i].get("_source") in outdated for i in g) for g in groups]
    superseded = [g for g, gone in zip(groups, is_superseded) if gone]
    groups = [g for g, gone in zip(groups, is_superseded) if not gone]
    row_groups = [[lieux[i] for i in g] for g in groups]
    ids = assign_ids(row_groups, previous, priorities, lists)
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    merged, provenance = [], []
    for lieu_id, rows in zip(ids, row_groups):
        lieu, prov = merge_group(rows, priorities)
        lieu = {"id": lieu_id, **lieu}
        merged.append(lieu)
        provenance += [{"lieu_id": lieu_id, **p} for p in prov]
    fusions = []
    for n, d in enumerate(decisions, 1):
        a, b = lieux[d.a], lieux[d.b]
        fusions.append({
            "id": n, "lieu_id": ids[group_of[d.a]] if d.accepted and d.a in group_of else None,
            "decision": "fusionnée" if d.accepted else "refusée", "regle": d.match.rule,
            "score": round(d.match.score, 1), "similarite_nom": round(d.match.name_similarity, 1),
            "similarite_adresse": round(d.match.address_similarity, 1),
            "distance_m": round(d.match.distance_m, 1) if d.match.distance_m is not None else None,
            "source_a": a["_source"], "cle_a": str(a.get("id")), "ligne_a": a.get("_ligne"), "nom_a": a.get("nom"),
            "source_b": b["_source"], "cle_b": str(b.get("id")), "ligne_b": b.get("_ligne"), "nom_b": b.get("nom"),
            "motif_refus": d.reason,
        })
    return MergeResult(merged, fusions, provenance, [lieux[i] for g in superseded for i in g])
