"""Blocking: the pairs of rows worth comparing, never fewer than the rules can accept."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import chain

from .normalise import house_number, street
from .prepared import Prepared, commune_scopes
from .thresholds import GRID_M


METRES_PER_DEGREE = 111_195
GRID_LAT_DEG = GRID_M / METRES_PER_DEGREE
GRID_LON_DEG = GRID_M / (METRES_PER_DEGREE * math.cos(math.radians(52)))  # Dunkirk is at 51.0°


def grid_cell(lat: float, lon: float) -> tuple[int, int]:
    """Two points at most GRID_M apart are in the same or neighbouring cells."""
    return math.floor(lat / GRID_LAT_DEG), math.floor(lon / GRID_LON_DEG)


def candidate_pairs(prepared: list[Prepared]):
    """Pairs worth comparing (blocking); every pair match_pair can accept (a test checks it):
    same commune and same address or same house number; a street that may contain the other's (one
    address without a number); same SIRET, contact or row id in one commune; neighbouring grid cells
    in one commune.

    match_pair never accepts two rows of two communes, so every key is taken within a commune
    (`commune_scopes`): a SIRET that a national network gives each of its 8,000 sites, or a help line
    on thousands of rows, pairs only the rows of one commune, and the pairs grow with the rows, not
    with their square (bench/merge_shared_keys.py).

    Each pair (i, j) with i < j is yielded once.
    """
    seen = set()
    for pair in chain(shared_key_pairs(prepared), street_pairs(prepared), grid_pairs(prepared)):
        pair = (pair[0], pair[1]) if pair[0] < pair[1] else (pair[1], pair[0])
        if pair[0] != pair[1] and pair not in seen:
            seen.add(pair)
            yield pair


def commune_key(p: Prepared) -> str:
    return p.insee or p.postcode or p.commune_block


def shared_key_pairs(prepared: list[Prepared]):
    """Rows of one commune with the same address, house number, SIRET, own contact or row id."""
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for p in prepared:
        if p.address:  # address buckets are bounded by the commune (one commune, several postcodes)
            buckets[("adresse", commune_key(p), p.address)].append(p.index)
            if number := house_number(p.address):  # near-identical spellings of one address share its number
                buckets[("numero", commune_key(p), number)].append(p.index)
        for scope in commune_scopes(p):
            if p.siret:
                buckets[("siret", scope, p.siret)].append(p.index)
            for contact in p.own_contacts:
                buckets[("contact", scope, contact)].append(p.index)
            buckets[("identifiant", scope, p.key)].append(p.index)
    for members in buckets.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield members[x], members[y]


def street_pairs(prepared: list[Prepared]):
    """An address without a number is "compatible" with any address of its street, and streets match
    word-set-wise (a street inside another, a word misspelt): a numberless address is paired with every
    address of its commune that has one of its street's words; a numbered one with the numberless
    addresses that have its street's rarest word (the larger street has every word of the smaller)."""
    words: dict[tuple, list[int]] = defaultdict(list)             # (commune, street word) → rows
    numberless_words: dict[tuple, list[int]] = defaultdict(list)  # the same, rows without a house number
    for p in prepared:
        for word in set(street(p.address).split()):
            words[(commune_key(p), word)].append(p.index)
            if not house_number(p.address):
                numberless_words[(commune_key(p), word)].append(p.index)
    for p in prepared:
        street_words, commune = set(street(p.address).split()), commune_key(p)
        if not street_words:
            continue
        if house_number(p.address):
            rarest = min(street_words, key=lambda w: (len(words[(commune, w)]), w))
            others = numberless_words.get((commune, rarest), ())
        else:
            others = {j for w in street_words for j in words[(commune, w)]}
        for j in others:
            yield p.index, j


def grid_pairs(prepared: list[Prepared]):
    """Rows of one commune in the same or neighbouring cells of the grid (GRID_M)."""
    grid: dict[tuple, list[int]] = defaultdict(list)
    for p in prepared:
        if p.lat is not None and p.lon is not None:
            cell = grid_cell(p.lat, p.lon)
            for scope in commune_scopes(p):
                grid[(scope, cell)].append(p.index)
    for (scope, (gy, gx)), members in grid.items():
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for i in members:
                    for j in grid.get((scope, (gy + dy, gx + dx)), ()):
                        if i < j:
                            yield i, j
